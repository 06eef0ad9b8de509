import Foundation

/// An XForms instance that came in as a message: mobile data-collection clients (JavaRosa,
/// ODK and the like) submit a filled-in form over SMS as one XML document.
///
/// Kept beside the message rather than instead of it, so the raw text stays in the inbox and
/// the form can still be listed per form and read field by field. A text that looked like a
/// form but did not parse is recorded too, with `error` set and no fields: the sender's
/// client is broken or the SMS was cut short, and someone should see that.
public struct FormSubmission: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    /// The inbound message the form arrived in; at most one submission per message.
    public var messageID: String
    /// The root element's `id` attribute, else its `xmlns`, else its name; `nil` when the
    /// document did not parse.
    public var formID: String?
    /// The root element's `version` attribute, when given.
    public var version: String?
    /// Every leaf element's text in document order, by its path below the root
    /// (`location/lat`; repeated siblings are numbered from 1: `member[2]/name`).
    public var fields: [FormField]
    /// Why the text could not be read as a form; `fields` is then empty.
    public var error: String?
    public var receivedAt: Date

    public init(
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
    public subscript(path: String) -> String? { fields.first { $0.path == path }?.value }
}

/// One answer of a form: an ordered pair rather than a dictionary entry, because question
/// order is part of the form and JSON objects do not keep it.
public struct FormField: Sendable, Codable, Equatable {
    public var path: String
    public var value: String
    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}

/// Whose eyes a read of form submissions is for. A submission is part of its message, so it
/// is seen where the message is: a plain user reads the fields of a form only when its message
/// landed in the common inbox or in that user's own, never one in another user's private inbox
/// (nor one whose message reached no inbox at all, because a handler answered it).
public enum FormViewer: Sendable, Hashable {
    /// Every submission: admins (who may read every message) and the hub itself.
    case unrestricted
    /// What this user's inbox shows: submissions whose message is in the common inbox or theirs.
    case user(String)
}

/// Which submissions to list: newest first, optionally of one form, a page at a time, of
/// those the viewer may see. The viewer has no default, so no caller lists everything by
/// forgetting to say who is asking.
public struct FormQuery: Sendable, Equatable {
    /// Who is asking; the store leaves out what they may not see.
    public var viewer: FormViewer
    public var formID: String?
    public var limit: Int
    /// The `nextCursor` of the previous page; opaque, made by the store.
    public var cursor: String?
    public init(viewer: FormViewer, formID: String? = nil, limit: Int = 50, cursor: String? = nil) {
        self.formID = formID
        self.limit = limit
        self.cursor = cursor
        self.viewer = viewer
    }
}

public struct FormPage: Sendable, Equatable {
    public var items: [FormSubmission]
    /// Pass as `cursor` for the next page; `nil` at the end.
    public var nextCursor: String?
    public init(items: [FormSubmission], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
