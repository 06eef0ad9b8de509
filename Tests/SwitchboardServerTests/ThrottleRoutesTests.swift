import Foundation
import Hummingbird
import SwitchboardCore
import SwitchboardSMS
import Testing

@testable import SwitchboardServer

/// Guessing over HTTP: logins, a password change's current password and connector secrets
/// are answered 429 with `Retry-After` once an address has failed too often, and counted.
@Suite struct ThrottleRoutesTests {
    static func login(_ api: API, _ password: String) async throws -> Reply {
        try await api.post("/api/v1/session", #"{"username": "bob", "password": "\#(password)"}"#)
    }

    @Test func failedLoginsEndIn429WithRetryAfterAndTheRightPasswordWorksAfterwards() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        let throttledBefore = TopicMetricsTests.sample(#"switchboard_auth_throttled_total{endpoint="login"}"#)
        let failedBefore = TopicMetricsTests.sample(#"switchboard_auth_failures_total{endpoint="login"}"#)
        try await harness.run { anonymous in
            for _ in 0...AuthThrottle.Settings.standard.pair.freeFailures {
                #expect(try await Self.login(anonymous, "a-wrong-guess").status == .unauthorized)
            }
            let refused = try await Self.login(anonymous, "user-secret-1")
            #expect(refused.status == .tooManyRequests, "blocked: the right password is not even checked")
            #expect(refused.errorCode == "too_many_attempts")
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.sessionCookie == nil)
            harness.clock.advance(by: .seconds(1))
            _ = try await anonymous.login("bob", "user-secret-1")
        }
        #expect(TopicMetricsTests.sample(#"switchboard_auth_throttled_total{endpoint="login"}"#) >= throttledBefore + 1)
        #expect(TopicMetricsTests.sample(#"switchboard_auth_failures_total{endpoint="login"}"#) >= failedBefore + 6)
    }

    /// A stolen session guessing the current password is throttled like a login, and its
    /// guesses count against logins of that account from that address too.
    @Test func wrongCurrentPasswordsAreThrottledWithLogins() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let guess = #"{"password": "taken-over-1", "current_password": "a-wrong-guess"}"#
            for _ in 0...AuthThrottle.Settings.standard.pair.freeFailures {
                #expect(try await bob.put("/api/v1/users/bob/password", guess).status == .forbidden)
            }
            let refused = try await bob.put("/api/v1/users/bob/password", #"{"password": "taken-over-1", "current_password": "user-secret-1"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await Self.login(anonymous, "user-secret-1").status == .tooManyRequests, "the same account from the same address")
        }
        #expect(try await harness.accounts.verify(username: "bob", password: "user-secret-1") != nil, "nothing changed")
    }

    /// Wrong gateway secrets from one address end in 429, even for the right secret, until the
    /// block lifts; then the gateway's callbacks are taken again.
    @Test func wrongGatewaySecretsEndIn429() async throws {
        let harness = try await KannelRoutesTests.harness()
        let inbound = "\(KannelRoutesTests.inbound)?from=%2B4798765432&to=2222&text=hello"
        try await harness.run { gateway in
            for _ in 0...AuthThrottle.Settings.standard.connector.freeFailures {
                #expect(try await gateway.get("\(inbound)&secret=not-the-secret").status == .unauthorized)
            }
            let refused = try await gateway.get("\(inbound)&secret=\(KannelRoutesTests.secret)")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            harness.clock.advance(by: .seconds(1))
            #expect(try await gateway.get("\(inbound)&secret=\(KannelRoutesTests.secret)").status == .ok)
        }
        let texts = try await harness.store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.map(\.message.text)
        #expect(texts == ["hello"], "only the accepted callback landed")
    }

    /// Bad webhook signatures from one address end in 429 before the signature is checked.
    @Test func badWebhookSignaturesEndIn429() async throws {
        let harness = try await WebhookRoutesTests.harness()
        let body = #"{"from": "sms:+4798765432", "text": "disk full"}"#
        let wrong = WebhookSignature(secret: "not-the-secret-0123456")
        try await harness.run { sender in
            for _ in 0...AuthThrottle.Settings.standard.connector.freeFailures {
                let header = wrong.header(body: Array(body.utf8), timestamp: Int(Date().timeIntervalSince1970))
                let reply = try await sender.form(
                    "/api/v1/connectors/hook/webhook",
                    body,
                    contentType: "application/json",
                    headers: [.switchboardSignature: header]
                )
                #expect(reply.status == .unauthorized)
            }
            let refused = try await sender.form(
                "/api/v1/connectors/hook/webhook",
                body,
                contentType: "application/json",
                headers: WebhookRoutesTests.signed(body)
            )
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
        }
        #expect(try await WebhookRoutesTests.inboxTexts(harness).isEmpty)
    }
}
