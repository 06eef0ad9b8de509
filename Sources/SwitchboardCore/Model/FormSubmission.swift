import Foundation

/// An XForms instance that came in as a message: mobile data-collection clients (JavaRosa,
/// ODK and the like) submit a filled-in form over SMS as one XML document.
///
/// Kept beside the message rather than instead of it, so the raw text stays in the inbox and
/// the form can still be listed per form and read field by field. A text that looked like a
/// form but did not parse is recorded too, with `error` set and no fields: the sender's
/// client is broken or the SMS was cut short, and someone should see that.
package struct FormSubmission: Sendable, Codable, Equatable, Identifiable {
    package var id: String
    /// The inbound message the form arrived in; at most one submission per message.
    package var messageID: String
    /// The root element's `id` attribute, else its `xmlns`, else its name; `nil` when the
    /// document did not parse.
    package var formID: String?
    /// The root element's `version` attribute, when given.
    package var version: String?
    /// Every leaf element's text in document order, by its path below the root
    /// (`location/lat`; repeated siblings are numbered from 1: `member[2]/name`).
    package var fields: [FormField]
    /// Why the text could not be read as a form; `fields` is then empty.
    package var error: String?
    package var receivedAt: Date

    package init(
        id: String = Identifier.make(),
        messageID: String,
        formID: String?,
        version: String? = nil,
        fields: [FormField],
        error: String? = nil,
        receivedAt: Date
    ) {
        self.id = id
        self.messageID = messageID
        self.formID = formID
        self.version = version
        self.fields = fields
        self.error = error
        self.receivedAt = receivedAt
    }

    /// The value at `path`, if the form has that field (the first, if a path repeats).
    package subscript(path: String) -> String? { fields.first { $0.path == path }?.value }
}

/// One answer of a form: an ordered pair rather than a dictionary entry, because question
/// order is part of the form and JSON objects do not keep it.
package struct FormField: Sendable, Codable, Equatable {
    package var path: String
    package var value: String
    package init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}

/// Whose eyes a read of form submissions is for. A submission is part of its message, so it
/// is seen where the message is: a plain user reads the fields of a form only when its message
/// landed in the common inbox or in that user's own, never one in another user's private inbox
/// (nor one whose message reached no inbox at all, because a handler answered it).
package enum FormViewer: Sendable, Hashable {
    /// Every submission: admins (who may read every message) and the hub itself.
    case unrestricted
    /// What this user's inbox shows: submissions whose message is in the common inbox or theirs.
    case user(String)
}

/// Which submissions to list: newest first, optionally of one form, a page at a time, of
/// those the viewer may see. The viewer has no default, so no caller lists everything by
/// forgetting to say who is asking.
package struct FormQuery: Sendable, Equatable {
    /// Who is asking; the store leaves out what they may not see.
    package var viewer: FormViewer
    package var formID: String?
    package var limit: Int
    /// The `nextCursor` of the previous page; opaque, made by the store.
    package var cursor: String?
    package init(viewer: FormViewer, formID: String? = nil, limit: Int = 50, cursor: String? = nil) {
        self.formID = formID
        self.limit = limit
        self.cursor = cursor
        self.viewer = viewer
    }
}

package struct FormPage: Sendable, Equatable {
    package var items: [FormSubmission]
    /// Pass as `cursor` for the next page; `nil` at the end.
    package var nextCursor: String?
    package init(items: [FormSubmission], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
