import Foundation

/// The frames a topic socket sends, written by hand: a broadcast is encoded once and the
/// same text goes to every subscriber, so encoding must be cheap and allocation-light.
///
/// ```
/// {"_type":"message","_method":"POST","id":…,"user":…,"timestamp":…,<columns>}   live row
/// {"_type":"message","_method":"POST","_history":true,…}                         history row
/// {"_type":"ready","history":N}                                                 history done
/// {"_type":"ack","_method":"POST","id":…,"_ref":…}                              write committed
/// {"_type":"error","_method":…,"error":code,"message":…,"_ref":…}               write refused
/// {"_type":"error","_method":null,"error":"too_slow",…}                          fell behind; socket closes
/// ```
package enum TopicJSON {
    package static func message(_ row: TopicRow, method: TopicMethod, topic: TopicDefinition, history: Bool = false) -> String {
        var out = #"{"_type":"message","_method":""# + method.rawValue + "\""
        if history { out += #","_history":true"# }
        var written = Set<String>()
        for column in topic.allColumns {
            written.insert(column.name)
            out += ","
            quote(column.name, into: &out)
            out += ":"
            value(row[column.name], into: &out)
        }
        for key in row.values.keys.sorted() where !written.contains(key) {
            out += ","
            quote(key, into: &out)
            out += ":"
            value(row[key], into: &out)
        }
        return out + "}"
    }

    /// The last frame of a subscriber that fell behind: its queue was dropped and the socket closes.
    package static func tooSlow(limit: Int) -> String {
        error(
            TopicError(
                .unavailable,
                "too_slow",
                "more than \(limit) messages were waiting for this connection; it fell behind and is closed; reconnect with _since to catch up"
            ),
            method: nil,
            ref: nil
        )
    }

    package static func ready(history: Int) -> String { #"{"_type":"ready","history":"# + String(history) + "}" }

    package static func ack(_ change: TopicChange, ref: String?) -> String {
        var out = #"{"_type":"ack","_method":""# + change.method.rawValue + #"","id":"#
        quote(change.row.id, into: &out)
        if let ref { out += #","_ref":"# + ref }
        return out + "}"
    }

    package static func error(_ error: TopicError, method: String?, ref: String?) -> String {
        var out = #"{"_type":"error","_method":"#
        if let method { quote(method, into: &out) } else { out += "null" }
        out += #","error":"#
        quote(error.code, into: &out)
        out += #","message":"#
        quote(error.message, into: &out)
        if let ref { out += #","_ref":"# + ref }
        return out + "}"
    }

    package static func value(_ v: TopicValue, into out: inout String) {
        switch v {
        case .null: out += "null"
        case .text(let s): quote(s, into: &out)
        case .integer(let i): out += String(i)
        case .real(let d): out += d.isFinite ? "\(d)" : "null"
        case .bool(let b): out += b ? "true" : "false"
        }
    }

    package static func quote(_ s: String, into out: inout String) {
        out += "\""
        TextEncoding.escapeJSON(s, into: &out)
        out += "\""
    }
}

/// A client's write frame, decoded: `{"_method": "POST", "body": "hi", "_alert": false, "_ref": 7}`.
package struct TopicFrame: Sendable, Equatable {
    package var method: TopicMethod
    /// The fields the client sent (without `_`-keys), before type checks.
    package var fields: [String: TopicValue]
    /// `false` skips the alert for this write.
    package var alert: Bool
    /// The client's `_ref`, as raw JSON, echoed in the ack or error.
    package var ref: String?
    /// The id a POSTed row gets instead of a new one, when the server writes a row it must
    /// not write twice (a conversation's); a second write is refused as `duplicate_id`.
    package var rowID: String?
    package init(method: TopicMethod, fields: [String: TopicValue] = [:], alert: Bool = true, ref: String? = nil, rowID: String? = nil) {
        self.method = method
        self.fields = fields
        self.alert = alert
        self.ref = ref
        self.rowID = rowID
    }
}
