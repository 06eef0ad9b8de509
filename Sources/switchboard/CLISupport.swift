import ArgumentParser
import Foundation
import SwitchboardCore

/// A failure at run time (not a usage mistake), printed as `Error: …` with exit code 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Turns the hub's errors into the one-line messages an operator should see.
enum CLIError {
    static func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as SwitchboardError {
            throw CLIFailure("\(e.code): \(e.message)")
        } catch let e as AddressError {
            throw CLIFailure(e.description)
        } catch let e as ConfigurationError {
            throw CLIFailure("configuration problems:\n\(e.description)")
        }
    }
}

enum CLIOutput {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    struct Inbound: Encodable {
        var messageID: String
        var disposition: String
        var inboxItemID: Int64?
        var replies: [String]
        init(_ r: InboundResult) {
            messageID = r.messageID
            disposition = r.disposition.rawValue
            inboxItemID = r.inboxItemID
            replies = r.replies
        }
    }
}
