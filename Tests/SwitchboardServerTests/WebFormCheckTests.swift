import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Every form of the pages goes through one check (`csrfCheckedForm`): the login session,
/// the hub's origin, the session's CSRF token. A form without the token is refused, by an
/// admin too, and so is one with the token from another origin.
@Suite struct WebFormCheckTests {
    static let forms = [
        "/logout", "/account/password", "/admin/users", "/admin/users/bob/role", "/admin/users/bob/password", "/admin/tokens",
        "/admin/tokens/1/revoke", "/contacts/new", "/contacts/c1", "/contacts/c1/delete", "/conversations/c1/abort", "/groups",
        "/groups/team/members", "/groups/team/members/c1/remove", "/inbox/read-all", "/inbox/1/read", "/inbox/1/unread",
        "/inbox/1/reply", "/outbox/retry", "/outbox/cancel", "/outbox/deliveries/d1/status", "/send",
    ]

    @Test func everyPageFormWithoutTheTokenOrFromAnotherOriginIsRefused() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            guard case .cookie(let secret) = admin.credential else { throw CancellationError() }
            for uri in Self.forms {
                let missing = try await WebOutboxTests.form(admin, uri, "role=user&password=long-enough-9&to=sms:%2B4712345678&text=hi", csrf: false)
                #expect(missing.status == .forbidden, "\(uri) without the token: \(missing.status)")
                let headers: HTTPFields = [
                    .contentType: "application/x-www-form-urlencoded", .cookie: "\(SessionCookie.name)=\(secret)", .origin: "https://evil.example",
                ]
                let body = "_csrf=\(CSRFToken.make(sessionSecret: secret))&text=hi"
                let foreign = try await admin.client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(foreign.status == .forbidden, "\(uri) from another origin: \(foreign.status)")
            }
            #expect(try await admin.get("/api/v1/me").status == .ok, "the refused logout ended no session")
        }
        #expect(try await harness.store.user(named: "bob")?.role == .user, "nothing changed")
        #expect(harness.tester.sent().isEmpty)
    }
}
