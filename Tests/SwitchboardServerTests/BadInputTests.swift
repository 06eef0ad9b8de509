import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Every refused request gets a clear 4xx with the `{"error", "message"}` shape, and
/// changes nothing: no message, no delivery, nothing sent.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status: HTTPResponse.Status
        var code: String
        /// Text the message must contain, so the caller learns what to fix.
        var mentions: String
        var testDescription: String { name }
    }

    static let sendCases: [Case] = [
        Case(
            name: "malformed phone number",
            body: #"{"to": ["sms:1234567"], "text": "x"}"#,
            status: .unprocessableContent,
            code: "invalid_address",
            mentions: "sms:1234567"
        ),
        Case(
            name: "one bad address among good ones",
            body: #"{"to": ["sms:+4712345678", "mailto:nobody"], "text": "x"}"#,
            status: .unprocessableContent,
            code: "invalid_address",
            mentions: "mailto:nobody"
        ),
        Case(
            name: "unknown group",
            body: #"{"to": ["group:nosuchgroup"], "text": "x"}"#,
            status: .unprocessableContent,
            code: "unknown_group",
            mentions: "nosuchgroup"
        ),
        Case(
            name: "trailing comma",
            body: "{\n  \"to\": [\"sms:+4712345678\"],\n  \"text\": \"x\",\n}",
            status: .badRequest,
            code: "invalid_json",
            mentions: "line 4"
        ),
        Case(
            name: "not JSON at all",
            body: "to=sms:+4712345678&text=x",
            status: .badRequest,
            code: "invalid_json",
            mentions: "line 1, column 1"
        ),
        Case(
            name: "array instead of object",
            body: #"[{"to": ["sms:+4712345678"], "text": "x"}]"#,
            status: .badRequest,
            code: "invalid_json",
            mentions: "object"
        ),
        Case(
            name: "misspelt field",
            body: #"{"to": ["sms:+4712345678"], "text": "x", "subjet": "y"}"#,
            status: .badRequest,
            code: "unknown_field",
            mentions: "subjet"
        ),
        Case(
            name: "unknown field inside an attachment",
            body:
                #"{"to": ["sms:+4712345678"], "text": "x", "attachments": [{"filename": "a.txt", "content_type": "text/plain", "data": "aGk=", "size": 2}]}"#,
            status: .badRequest,
            code: "unknown_field",
            mentions: "attachments[0].size"
        ),
        Case(
            name: "wrong type",
            body: #"{"to": "sms:+4712345678", "text": "x"}"#,
            status: .badRequest,
            code: "invalid_json",
            mentions: "'to'"
        ),
        Case(
            name: "missing text",
            body: #"{"to": ["sms:+4712345678"]}"#,
            status: .badRequest,
            code: "invalid_json",
            mentions: "'text'"
        ),
        Case(
            name: "unknown severity",
            body: #"{"to": ["sms:+4712345678"], "text": "x", "severity": "apocalyptic"}"#,
            status: .unprocessableContent,
            code: "invalid_value",
            mentions: "severity"
        ),
        Case(
            name: "attachment data not base64",
            body: #"{"to": ["sms:+4712345678"], "text": "x", "attachments": [{"filename": "a.txt", "content_type": "text/plain", "data": "***"}]}"#,
            status: .unprocessableContent,
            code: "invalid_value",
            mentions: "attachments[0].data"
        ),
        Case(
            name: "empty text",
            body: #"{"to": ["sms:+4712345678"], "text": "   "}"#,
            status: .unprocessableContent,
            code: "missing_text",
            mentions: "text"
        ),
        Case(name: "empty body", body: "", status: .badRequest, code: "invalid_json", mentions: "empty"),
        Case(
            name: "NUL in the text (SQLite would keep only what is before it)",
            body: #"{"to": ["sms:+4712345678"], "text": "before\u0000after"}"#,
            status: .badRequest,
            code: "invalid_text",
            mentions: "'text' contains a NUL character (U+0000)"
        ),
        Case(
            name: "NUL in the subject",
            body: #"{"to": ["mailto:a@example.org"], "text": "x", "subject": "a\u0000b"}"#,
            status: .badRequest,
            code: "invalid_text",
            mentions: "'subject'"
        ),
        Case(
            name: "NUL in a template's data",
            body: #"{"to": ["sms:+4712345678"], "template": "t", "data": {"road": "E6\u0000"}}"#,
            status: .badRequest,
            code: "invalid_text",
            mentions: "'data.road'"
        ),
    ]

    @Test(arguments: sendCases)
    func refusedSendChangesNothing(_ c: Case) async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post("/api/v1/messages", c.body)
            #expect(reply.status == c.status, "\(reply.text)")
            #expect(reply.errorCode == c.code, "\(reply.text)")
            #expect(reply.errorMessage.contains(c.mentions), "\(reply.errorMessage)")
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
        }
        try await harness.expectNothingQueued()
    }

    @Test func aNameWithNULIsRefusedAndNothingIsCreated() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            for (path, body, field) in [
                ("/api/v1/contacts", #"{"name": "Kari\u0000Nordmann", "addresses": ["sms:+4712345678"]}"#, "'name'"),
                ("/api/v1/groups", #"{"name": "field-team", "description": "x\u0000y"}"#, "'description'"),
                ("/api/v1/tokens", #"{"name": "alert\u0000ing"}"#, "'name'"),
            ] {
                let reply = try await api.post(path, body)
                #expect(reply.status == .badRequest && reply.errorCode == "invalid_text", "\(path): \(reply.text)")
                #expect(reply.errorMessage.contains(field), "\(reply.errorMessage)")
            }
            #expect(try await api.get("/api/v1/contacts").json["items"].array.isEmpty)
            #expect(try await api.get("/api/v1/groups").json["items"].array.isEmpty)
        }
    }

    @Test func bodyOverTheLimitIs413AndChangesNothing() async throws {
        let harness = try await Harness { $0.server.maxBodyBytes = 4096 }
        let big = Data(repeating: 0x41, count: 4096).base64EncodedString()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post(
                "/api/v1/messages",
                #"{"to": ["mailto:ops@example.org"], "text": "see file", "attachments": [{"filename": "a.bin", "content_type": "application/octet-stream", "data": "\#(big)"}]}"#
            )
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "body_too_large")
            #expect(reply.errorMessage.contains("4096"))

            // Just under the limit is fine.
            let small = Data(repeating: 0x41, count: 1024).base64EncodedString()
            let ok = try await api.post(
                "/api/v1/messages",
                #"{"to": ["mailto:ops@example.org"], "text": "see file", "attachments": [{"filename": "a.bin", "content_type": "application/octet-stream", "data": "\#(small)"}]}"#
            )
            #expect(ok.status == .accepted)
        }
        await harness.hub.dispatcher.drain()
        #expect(harness.tester.sent().count == 1)
        #expect(harness.tester.sent().first?.attachments == ["a.bin"])
    }

    @Test func sendWithoutCredentialsIs401WithChallengeAndChangesNothing() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "x"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.errorCode == "unauthorized")
            #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            let forged = try await anonymous.with(.bearer("not-a-real-token-but-long-enough")).post(
                "/api/v1/messages",
                #"{"to": ["sms:+4712345678"], "text": "x"}"#
            )
            #expect(forged.status == .unauthorized)
        }
        try await harness.expectNothingQueued()
    }

    @Test func contactWithABadAddressIsRefusedNamingItAndNotCreated() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post("/api/v1/contacts", #"{"name": "Ola", "addresses": ["sms:+4712345678", "mailto:ola@@example.org"]}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "invalid_address")
            #expect(reply.errorMessage.contains("mailto:ola@@example.org"))
            #expect(try await api.get("/api/v1/contacts").json["items"].array.isEmpty)
        }
        #expect(try await harness.store.contacts().isEmpty)
    }

    @Test func unknownQueryParameterAndBadValuesAreRefused() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let unknown = try await api.get("/api/v1/inbox?scope=mine&sort=asc")
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "unknown_parameter")
            #expect(unknown.errorMessage.contains("sort"))
            let scope = try await api.get("/api/v1/inbox?scope=everything")
            #expect(scope.status == .badRequest)
            #expect(scope.errorMessage.contains("scope"))
            #expect(try await api.get("/api/v1/inbox?limit=0").errorCode == "invalid_parameter")
            #expect(try await api.get("/api/v1/inbox?cursor=abc").errorCode == "invalid_parameter")
            #expect(try await api.get("/api/v1/inbox?unread=maybe").errorCode == "invalid_parameter")
        }
    }

    @Test func unknownRouteIsAJSON404() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            for reply in [try await api.get("/api/v1/nothing-here"), try await anonymous.get("/nope")] {
                #expect(reply.status == .notFound)
                #expect(reply.errorCode == "not_found")
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            // A known path under a method it does not serve: 405, naming those it does.
            let patch = try await api.call(.patch, "/api/v1/messages")
            #expect(patch.status == .methodNotAllowed && patch.errorCode == "method_not_allowed")
            #expect(patch.headers[.allow] == "POST")
        }
    }
}
