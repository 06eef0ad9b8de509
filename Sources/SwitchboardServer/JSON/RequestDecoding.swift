import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

/// Which members a request body may have, so that a misspelt field is refused instead of
/// silently ignored (`"subjet"` would otherwise send a message without a subject), and which
/// of them may be `null`: only those the API document says so, since a `null` the typed
/// decoder reads as "absent" would otherwise pass where the document promises a refusal.
indirect enum JSONShape: Sendable {
    /// Anything but `null`; the typed decoder checks it.
    case any
    /// Anything, `null` included (`"username": null` unlinks a contact).
    case nullable
    case object([String: JSONShape])
    case array(of: JSONShape)

    /// Every member may hold anything but `null` (except those named `nullable`); only the
    /// names are checked.
    static func keys(_ names: String..., nullable: Set<String> = []) -> JSONShape {
        .object(Dictionary(uniqueKeysWithValues: names.map { ($0, nullable.contains($0) ? .nullable : .any) }))
    }

    /// The first member that is `null` where the shape does not allow it, as a path.
    func nullMember(in value: JSONValue, path: String = "") -> String? {
        switch (self, value) {
        case (.object(let members), .object(let object)):
            for key in object.keys.sorted() {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let shape = members[key], let member = object[key] else { continue }
                if case .null = member {
                    if case .nullable = shape { continue }
                    return childPath
                }
                if let found = shape.nullMember(in: member, path: childPath) { return found }
            }
            return nil
        case (.array(of: let element), .array(let items)):
            for (i, item) in items.enumerated() {
                if let found = element.nullMember(in: item, path: "\(path)[\(i)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// The first member not allowed, as a path such as `attachments[0].size`.
    func unknownMember(in value: JSONValue, path: String = "") -> (path: String, allowed: [String])? {
        switch (self, value) {
        case (.object(let members), .object(let object)):
            for key in object.keys.sorted() {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let shape = members[key] else { return (childPath, members.keys.sorted()) }
                if let found = shape.unknownMember(in: object[key]!, path: childPath) { return found }
            }
            return nil
        case (.array(of: let element), .array(let items)):
            for (i, item) in items.enumerated() {
                if let found = element.unknownMember(in: item, path: "\(path)[\(i)]") { return found }
            }
            return nil
        default:
            // A value of the wrong kind is the typed decoder's to report.
            return nil
        }
    }
}

extension JSONValue {
    /// The path (`contacts[0].name`) of the first string or member name holding NUL, which
    /// the store cannot keep (see `NULText`); nil when there is none.
    func firstStringWithNUL(path: String = "") -> String? {
        switch self {
        case .string(let s): return NULText.contains(s) ? (path.isEmpty ? "(body)" : path) : nil
        case .array(let items):
            for (i, item) in items.enumerated() {
                if let found = item.firstStringWithNUL(path: "\(path)[\(i)]") { return found }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if NULText.contains(key) { return child }
                if let found = members[key]!.firstStringWithNUL(path: child) { return found }
            }
            return nil
        case .null, .bool, .number: return nil
        }
    }
}

/// A JSON request body the API accepts: decoded strictly (see `decodeBody`).
protocol APIRequestBody: Decodable {
    static var shape: JSONShape { get }
}

/// A decoded body and the tree it came from (to tell absent members from `null`).
struct DecodedBody<Body> {
    var value: Body
    var json: [String: JSONValue]
}

extension Request {
    /// Reads the whole body, refusing more than `limit` bytes with 413 before reading it
    /// all when the client announced its length.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    /// Decodes a JSON object body into `type`: malformed JSON is 400 `invalid_json` with line
    /// and column, a member not in `type.shape` is 400 `unknown_field`, a missing or
    /// wrongly-typed member is 400 `invalid_json` naming it, and a value of the right type that
    /// is not allowed (an unknown severity, bad base64) is 422 `invalid_value`.
    func decodeBody<Body: APIRequestBody>(_ type: Body.Type, limit: Int) async throws -> DecodedBody<Body> {
        let buffer = try await collectBody(limit: limit)
        let bytes = Array(buffer.readableBytesView)
        return try Self.decode(type, from: bytes)
    }

    static func decode<Body: APIRequestBody>(_ type: Body.Type, from bytes: [UInt8]) throws -> DecodedBody<Body> {
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw APIError.invalidJSON("the request body is empty; expected a JSON object")
        }
        let tree: JSONValue
        do { tree = try StrictJSON.parse(bytes) } catch {
            throw APIError.invalidJSON("malformed JSON at \(error.description)")
        }
        guard case .object(let object) = tree else {
            throw APIError.invalidJSON("the request body is \(tree.kindName); expected a JSON object")
        }
        if let field = tree.firstStringWithNUL() { throw APIError.badRequest("invalid_text", NULText.refusal(field)) }
        if let unknown = Body.shape.unknownMember(in: tree) {
            throw APIError.badRequest("unknown_field", "unknown field '\(unknown.path)'; allowed here: \(unknown.allowed.joined(separator: ", "))")
        }
        if let null = Body.shape.nullMember(in: tree) {
            throw APIError.invalidJSON("field '\(null)' must not be null; leave it out instead")
        }
        do {
            let value = try JSONCoding.decoder().decode(Body.self, from: Data(bytes))
            return DecodedBody(value: value, json: object)
        } catch let error as DecodingError {
            throw APIError(decoding: error)
        }
    }
}

extension APIError {
    /// Turns Foundation's decoding errors into messages naming the member at fault.
    init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return out
        }
        func join(_ keys: [any CodingKey], _ last: any CodingKey) -> String { path(keys + [last]) }
        switch error {
        case .keyNotFound(let key, let context):
            self = .invalidJSON("missing required field '\(join(context.codingPath, key))'")
        case .valueNotFound(let type, let context):
            self = .invalidJSON("field '\(path(context.codingPath))' must not be null; expected \(Self.jsonName(of: type))")
        case .typeMismatch(let type, let context):
            self = .invalidJSON("field '\(path(context.codingPath))' has the wrong type; expected \(Self.jsonName(of: type))")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            self = .unprocessable("invalid_value", "field '\(path(context.codingPath))' is not valid: \(context.debugDescription)")
        case .dataCorrupted(let context):
            self = .invalidJSON("malformed JSON: \(context.debugDescription)")
        @unknown default:
            self = .invalidJSON("the body could not be read as the expected JSON")
        }
    }

    static func jsonName(of type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Bool": return "a boolean"
        case "Int", "Int64", "Int32", "UInt8", "Double", "Float": return "a number"
        case _ where name.hasPrefix("Array"): return "an array"
        case _ where name.hasPrefix("Dictionary"): return "an object"
        default: return "a value of type \(name)"
        }
    }
}
