import Foundation
import SwitchboardCore

// What the API shows of form submissions.

/// One answer; a list of these keeps the form's question order, which a JSON object would not.
struct FormFieldView: Encodable {
    var path: String
    var value: String
}

/// A submission; `error` is set (and `fields` empty) when the text looked like a form but did not parse.
struct FormSubmissionView: Encodable {
    var id: String
    var messageId: String
    @ExplicitNull var formId: String?
    @ExplicitNull var version: String?
    var fields: [FormFieldView]
    @ExplicitNull var error: String?
    var receivedAt: Date

    init(_ f: FormSubmission) {
        id = f.id
        messageId = f.messageID
        formId = f.formID
        version = f.version
        fields = f.fields.map { FormFieldView(path: $0.path, value: $0.value) }
        error = f.error
        receivedAt = f.receivedAt
    }
}

/// A page of submissions, newest first; pass `next_cursor` as `cursor` for the next one.
struct FormPageView: Encodable {
    var items: [FormSubmissionView]
    @ExplicitNull var nextCursor: String?
}
