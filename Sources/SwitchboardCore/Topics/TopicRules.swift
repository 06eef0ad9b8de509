import Foundation

/// Where a default, a forced filter or a modified field takes its value from: a fixed set,
/// so a configuration file can never run code.
///
/// Written in YAML as `$user.id`, `$user.display_name`, `$user.role`, `$now`,
/// `$field.NAME` (another field of the message), `$length.NAME` (a field's length in
/// characters), `$$text` for text starting with `$`, or any other text as a constant.
package enum TopicValueSource: Sendable, Equatable {
    case userID
    case userField(String)
    case now
    case constant(String)
    case field(String)
    case length(String)

    package static let userFields = ["id", "username", "display_name", "role"]

    /// Parses the YAML form; `nil` for an unknown `$` form.
    package init?(parsing s: String) {
        if s.hasPrefix("$$") {
            self = .constant(String(s.dropFirst()))
            return
        }
        guard s.hasPrefix("$") else {
            self = .constant(s)
            return
        }
        if s == "$now" {
            self = .now
            return
        }
        if s == "$user.id" || s == "$user.username" {
            self = .userID
            return
        }
        if s.hasPrefix("$user."), Self.userFields.contains(String(s.dropFirst(6))) {
            self = .userField(String(s.dropFirst(6)))
            return
        }
        if s.hasPrefix("$field."), TopicDefinition.isIdentifier(String(s.dropFirst(7))) {
            self = .field(String(s.dropFirst(7)))
            return
        }
        if s.hasPrefix("$length."), TopicDefinition.isIdentifier(String(s.dropFirst(8))) {
            self = .length(String(s.dropFirst(8)))
            return
        }
        return nil
    }

    /// The value for one message; `now` is shared by every field of one write.
    package func value(message: TopicRow, principal: TopicPrincipal?, now: Date) -> TopicValue {
        switch self {
        case .userID: return principal.map { .text($0.id) } ?? .null
        case .userField(let f):
            guard let p = principal else { return .null }
            switch f {
            case "display_name": return p.displayName.map(TopicValue.text) ?? .null
            case "role": return .text(p.role)
            default: return .text(p.id)
            }
        case .now: return .text(TopicTime.format(now))
        case .constant(let s): return .text(s)
        case .field(let f): return message[f]
        case .length(let f): return message[f].text.map { .integer(Int64($0.count)) } ?? .null
        }
    }

    /// The field this source reads from the message, if any (checked against the columns).
    package var readsField: String? {
        switch self {
        case .field(let f), .length(let f): f
        default: nil
        }
    }
}

/// One declarative `prepare` check, run on every write before it reaches the database.
package enum TopicPrepareRule: Sendable, Equatable {
    /// These fields must be present and not empty (on POST).
    case require([String], message: String?)
    /// These text fields may be at most this many characters long.
    case maxLength([String: Int], message: String?)
    /// Only these roles or users may write a value of `values` into `field`
    /// ("only role `ops` may post `topic=alerts`").
    case restrict(field: String, values: [String], access: TopicAccess, message: String?)
    /// Refuses a write whose `field` is one of `values`, with `message`.
    case reject(field: String, values: [String], message: String)

    /// Which methods a rule applies to; `require` checks new rows only.
    package var methods: Set<TopicMethod> {
        if case .require = self { return [.post] }
        return [.post, .put]
    }

    /// Throws the configured (or a default) refusal if the message breaks the rule.
    /// `present` holds the fields the frame itself carried.
    package func check(_ message: TopicRow, present: Set<String>, principal: TopicPrincipal?) throws(TopicError) {
        switch self {
        case .require(let fields, let why):
            for f in fields where message[f].isNull || message[f].text?.isEmpty == true {
                throw .invalid("required", why ?? "'\(f)' is required")
            }
        case .maxLength(let caps, let why):
            for (f, cap) in caps.sorted(by: { $0.key < $1.key }) {
                if let t = message[f].text, t.count > cap { throw .invalid("too_long", why ?? "'\(f)' is longer than \(cap) characters") }
            }
        case .restrict(let field, let values, let access, let why):
            guard present.contains(field), let v = message[field].text, values.contains(v) else { return }
            if !access.allows(principal) { throw .forbidden(why ?? "you may not write \(field)=\(v)", code: "forbidden_value") }
        case .reject(let field, let values, let why):
            if let v = message[field].text, values.contains(v) { throw .invalid("rejected", why) }
        }
    }
}

/// The same three points as the declarative rules, for code: a hook may add filters when
/// a socket opens, check or change a message before it is written (throw `TopicError` to
/// refuse it), and change the broadcast copy after the write.
public protocol TopicHook: Sendable {
    /// Called once per connection, after the `open` rule; may append to `query.filters`.
    func open(topic: TopicDefinition, principal: TopicPrincipal?, query: inout TopicQuery) async throws
    /// Called before each write, after the defaults and declarative rules.
    func prepare(topic: TopicDefinition, method: TopicMethod, message: inout TopicRow, principal: TopicPrincipal?) async throws
    /// Called after the commit; changes what is broadcast and alerted, not what is stored.
    func modify(topic: TopicDefinition, change: inout TopicChange, principal: TopicPrincipal?) async throws
}

extension TopicHook {
    public func open(topic: TopicDefinition, principal: TopicPrincipal?, query: inout TopicQuery) async throws {}
    public func prepare(topic: TopicDefinition, method: TopicMethod, message: inout TopicRow, principal: TopicPrincipal?) async throws {}
    public func modify(topic: TopicDefinition, change: inout TopicChange, principal: TopicPrincipal?) async throws {}
}
