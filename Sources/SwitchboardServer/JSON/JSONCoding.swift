import Foundation
import Hummingbird
import NIOCore

/// The API's one JSON dialect: snake_case keys, ISO-8601 dates with fractional seconds,
/// sorted keys (stable output for clients that diff), base64 for bytes.
enum JSONCoding {
    static let dateStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(dateStyle))
        }
        return encoder
    }

    /// Request bodies name their keys explicitly (`CodingKeys`), so no key strategy here.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = try? dateStyle.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an ISO-8601 date such as 2025-01-31T12:00:00.000Z")
            }
            return date
        }
        return decoder
    }
}

/// Encodes `nil` as an explicit `null`, so optional members are always present in answers
/// and clients need not tell "absent" from "null".
@propertyWrapper
struct ExplicitNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?
    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// `HTTPField.Name`, reached through `HTTPFields` (Hummingbird re-exports that, not the name type).
typealias HTTPFieldName = HTTPFields.Element.Name

extension HTTPFieldName {
    static let idempotencyKey = HTTPFieldName("Idempotency-Key")!
    static let idempotentReplayed = HTTPFieldName("Idempotent-Replayed")!
}

extension Response {
    /// A JSON answer in the API's dialect.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONCoding.encoder().encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON answer already written (`AcceptanceJSON`).
    static func json(bytes: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: bytes))
    }

    static func noContent(headers: HTTPFields = [:]) -> Response {
        Response(status: .noContent, headers: headers)
    }
}
