import Foundation
import Hummingbird
import SwitchboardCore
import SwitchboardSMS
import Testing

@testable import SwitchboardServer

/// The inbound webhook endpoint with the real `webhook` connector: what is signed right is
/// committed once; everything else is refused with a code naming the fault and stores nothing.
@Suite struct WebhookRoutesTests {
    static let secret = "webhook-secret-0123456789"
    static let path = "/api/v1/connectors/hook/webhook"
    static let signer = WebhookSignature(secret: secret)

    static func harness(maxBody: Int = 65536) async throws -> Harness {
        var c = WebhookConnector.Configuration(url: nil, secret: secret)
        c.maxBodyBytes = maxBody
        return try await Harness(extraConnectors: [WebhookConnector(name: "hook", channels: [.im], configuration: c)])
    }

    static func signed(_ body: String, at t: Int = Int(Date().timeIntervalSince1970)) -> HTTPFields {
        [.switchboardSignature: signer.header(body: Array(body.utf8), timestamp: t)]
    }

    static func inboxTexts(_ harness: Harness) async throws -> [String] {
        try await harness.store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.map(\.message.text)
    }

    @Test func aSignedMessageIsCommittedBeforeThe202AndReachesTheInbox() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let body = #"{"from": "sms:+4798765432", "text": "Bridge open again", "id": "evt-1"}"#
            let reply = try await anonymous.form(Self.path, body, contentType: "application/json", headers: Self.signed(body))
            #expect(reply.status == .accepted, "\(reply.text)")
            let id = try #require(try reply.json["message_id"].string)
            let record = try #require(try await harness.store.message(id: id))
            #expect(record.message.text == "Bridge open again")
            #expect(record.message.origin == Origin(connector: "hook", from: .sms("+4798765432")))
            #expect(try reply.json["inbox_item_id"].int != nil)
            #expect(try await Self.inboxTexts(harness) == ["Bridge open again"])
        }
    }

    @Test func theSameRequestAgainOrTheSameEventIdSignedAnewIs409AndCommittedOnce() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let body = #"{"from": "sms:+4798765432", "text": "once"}"#
            let headers = Self.signed(body)
            #expect(try await anonymous.form(Self.path, body, contentType: "application/json", headers: headers).status == .accepted)
            let replay = try await anonymous.form(Self.path, body, contentType: "application/json", headers: headers)
            #expect(replay.status == .conflict && replay.errorCode == "replayed", "\(replay.text)")
            #expect(replay.errorMessage.contains("already received"))

            let event = #"{"from": "sms:+4798765432", "text": "event", "id": "evt-42"}"#
            let now = Int(Date().timeIntervalSince1970)
            #expect(
                try await anonymous.form(Self.path, event, contentType: "application/json", headers: Self.signed(event, at: now - 5)).status
                    == .accepted
            )
            let resent = try await anonymous.form(Self.path, event, contentType: "application/json", headers: Self.signed(event, at: now))
            #expect(resent.status == .conflict && resent.errorCode == "replayed")
            #expect(try await Self.inboxTexts(harness) == ["event", "once"])
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var headers: @Sendable (String) -> HTTPFields
        var contentType = "application/json"
        var status: HTTPResponse.Status
        var code: String
        var mentions: String
        var testDescription: String { name }
    }

    static let good = #"{"from": "sms:+4798765432", "text": "hi"}"#
    static let refusals: [Refusal] = [
        Refusal(
            name: "no signature",
            body: good,
            headers: { _ in [:] },
            status: .unauthorized,
            code: "missing_signature",
            mentions: "X-Switchboard-Signature"
        ),
        Refusal(
            name: "wrong secret",
            body: good,
            headers: { b in
                [
                    .switchboardSignature: WebhookSignature(secret: "not-the-secret-0123456").header(
                        body: Array(b.utf8),
                        timestamp: Int(Date().timeIntervalSince1970)
                    )
                ]
            },
            status: .unauthorized,
            code: "bad_signature",
            mentions: "no v1 signature"
        ),
        Refusal(
            name: "signature of another body",
            body: good,
            headers: { _ in signed(#"{"from": "sms:+4798765432", "text": "other"}"#) },
            status: .unauthorized,
            code: "bad_signature",
            mentions: "matches"
        ),
        Refusal(
            name: "stale timestamp",
            body: good,
            headers: { b in signed(b, at: Int(Date().timeIntervalSince1970) - 600) },
            status: .unauthorized,
            code: "stale_signature",
            mentions: "s old"
        ),
        Refusal(
            name: "unreadable header",
            body: good,
            headers: { _ in [.switchboardSignature: "sha256=abc"] },
            status: .unauthorized,
            code: "malformed_signature",
            mentions: "t="
        ),
        Refusal(
            name: "malformed JSON",
            body: #"{"from": "sms:+4798765432", "text": "hi",}"#,
            headers: { signed($0) },
            status: .badRequest,
            code: "invalid_json",
            mentions: "line 1"
        ),
        Refusal(
            name: "unknown field",
            body: #"{"from": "sms:+4798765432", "text": "hi", "txt": "x"}"#,
            headers: { signed($0) },
            status: .badRequest,
            code: "unknown_field",
            mentions: "txt"
        ),
        Refusal(
            name: "missing text",
            body: #"{"from": "sms:+4798765432"}"#,
            headers: { signed($0) },
            status: .badRequest,
            code: "invalid_json",
            mentions: "'text'"
        ),
        Refusal(
            name: "bad from",
            body: #"{"from": "12345", "text": "hi"}"#,
            headers: { signed($0) },
            status: .unprocessableContent,
            code: "invalid_from",
            mentions: "'from'"
        ),
        Refusal(
            name: "empty text",
            body: #"{"from": "sms:+4798765432", "text": "  "}"#,
            headers: { signed($0) },
            status: .unprocessableContent,
            code: "missing_text",
            mentions: "'text'"
        ),
        Refusal(
            name: "NUL in the text",
            body: #"{"from": "sms:+4798765432", "text": "before\u0000after"}"#,
            headers: { signed($0) },
            status: .badRequest,
            code: "invalid_text",
            mentions: "'text' contains a NUL character"
        ),
        Refusal(
            name: "id with spaces",
            body: #"{"from": "sms:+4798765432", "text": "hi", "id": "a b"}"#,
            headers: { signed($0) },
            status: .unprocessableContent,
            code: "invalid_id",
            mentions: "'id'"
        ),
        Refusal(
            name: "not JSON",
            body: good,
            headers: { signed($0) },
            contentType: "text/plain",
            status: .unsupportedMediaType,
            code: "unsupported_media_type",
            mentions: "application/json"
        ),
        Refusal(
            name: "oversized body",
            body: #"{"from": "sms:+4798765432", "text": "\#(String(repeating: "x", count: 2000))"}"#,
            headers: { signed($0) },
            status: .contentTooLarge,
            code: "body_too_large",
            mentions: "max_body_bytes (1024 bytes)"
        ),
    ]

    @Test(arguments: refusals)
    func aRefusedWebhookSaysWhatIsWrongAndCommitsNothing(_ r: Refusal) async throws {
        let harness = try await Self.harness(maxBody: 1024)
        try await harness.run { anonymous in
            let reply = try await anonymous.form(Self.path, r.body, contentType: r.contentType, headers: r.headers(r.body))
            #expect(reply.status == r.status, "\(reply.text)")
            #expect(reply.errorCode == r.code, "\(reply.text)")
            #expect(reply.errorMessage.contains(r.mentions), "\(reply.errorMessage)")
        }
        #expect(try await Self.inboxTexts(harness).isEmpty)
        #expect(try await harness.store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.isEmpty)
    }

    @Test func aConnectorThatTakesNoWebhooksIs404() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.form(
                "/api/v1/connectors/tester/webhook",
                Self.good,
                contentType: "application/json",
                headers: Self.signed(Self.good)
            )
            #expect(reply.status == .notFound && reply.errorCode == "unknown_connector")
        }
    }
}
