import Foundation
import SwitchboardCore

/// Reads a client's write frame with the API's strict JSON parser, so a malformed frame is
/// answered with the exact problem: `{"_method": "POST"|"PUT"|"DELETE", "_alert"?: bool,
/// "_ref"?: string|number, field: value, …}`; field values are single JSON values.
enum TopicFrameDecoder {
    struct Failure: Error {
        var error: TopicError
        var method: String?
        var ref: String?
    }

    static func decode(_ text: String) throws(Failure) -> TopicFrame {
        let root: JSONValue
        do { root = try StrictJSON.parse(Array(text.utf8)) } catch {
            throw Failure(error: .invalid("invalid_json", "frame is not JSON: \(error)"))
        }
        guard case .object(let object) = root else {
            throw Failure(error: .invalid("invalid_frame", "a frame must be a JSON object with '_method'"))
        }
        if let field = root.firstStringWithNUL() {
            var method: String?
            if case .string(let m)? = object["_method"] { method = m }
            throw Failure(error: .invalid("invalid_text", NULText.refusal(field)), method: method)
        }
        var ref: String?
        switch object["_ref"] {
        case nil: break
        case .string(let s)?:
            var out = ""
            TopicJSON.quote(s, into: &out)
            ref = out
        case .number(let n)?: ref = n
        default: throw Failure(error: .invalid("invalid_frame", "'_ref' must be a string or a number"))
        }
        guard case .string(let m)? = object["_method"] else {
            throw Failure(error: .invalid("missing_method", "a frame needs '_method': POST, PUT or DELETE"), ref: ref)
        }
        guard let method = TopicMethod(rawValue: m.uppercased()) else {
            throw Failure(error: .invalid("invalid_method", "'_method' must be POST, PUT or DELETE, not '\(m)'"), ref: ref)
        }
        var frame = TopicFrame(method: method, ref: ref)
        for (key, value) in object {
            switch key {
            case "_method", "_ref": continue
            case "_alert":
                guard case .bool(let b) = value else {
                    throw Failure(error: .invalid("invalid_frame", "'_alert' must be true or false"), method: m, ref: ref)
                }
                frame.alert = b
            case _ where key.hasPrefix("_"):
                throw Failure(error: .invalid("unknown_field", "unknown control field '\(key)'; known: _method, _alert, _ref"), method: m, ref: ref)
            default:
                switch value {
                case .null: frame.fields[key] = .null
                case .bool(let b): frame.fields[key] = .bool(b)
                case .string(let s): frame.fields[key] = .text(s)
                case .number(let n):
                    if let i = Int64(n) {
                        frame.fields[key] = .integer(i)
                    } else if let d = Double(n), d.isFinite {
                        frame.fields[key] = .real(d)
                    } else {
                        throw Failure(error: .invalid("invalid_value", "'\(key)': \(n) is out of range"), method: m, ref: ref)
                    }
                case .array, .object:
                    throw Failure(error: .invalid("invalid_value", "'\(key)' must be a single value, not \(value.kindName)"), method: m, ref: ref)
                }
            }
        }
        return frame
    }
}
