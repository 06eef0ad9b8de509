import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The administration and account pages: users and the configuration for admins only (403
/// as the API), tokens and the account for everyone (their own), every change a CSRF-checked
/// form, a made-up password or token shown once, and no secret on the configuration page.
@Suite("Web administration and account")
struct WebAdminTests {
    static func form(_ api: API, _ uri: String, _ body: String, csrf: Bool = true) async throws -> Reply {
        try await WebOutboxTests.form(api, uri, body, csrf: csrf)
    }

    /// The text of the element with `id` (a `<code>` shown once).
    static func code(_ page: String, id: String) throws -> String {
        let start = try #require(page.range(of: #"<code id="\#(id)">"#))
        let end = try #require(page.range(of: "</code>", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test func usersAndTheConfigurationAreForAdminsWhileTokensAndTheAccountAreEveryones() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            for page in ["/admin/users", "/admin/config"] {
                let reply = try await alice.get(page)
                #expect(reply.status == .forbidden, "\(page)")
                #expect(reply.text.contains("Only an admin may open this page."))
            }
            let created = try await Self.form(alice, "/admin/users", "username=mallory&role=admin&password=long-enough-9")
            #expect(created.status == .forbidden)
            #expect(try await Self.form(alice, "/admin/users/admin/role", "role=user").status == .forbidden)
            #expect(try await Self.form(alice, "/admin/users/admin/password", "password=taken-over-1").status == .forbidden)
            let tokens = try await alice.get("/admin/tokens")
            #expect(tokens.status == .ok && !tokens.text.contains(#"href="/admin/users""#), "her own tokens, no admin tabs")
            #expect(try await alice.get("/account").text.contains(#"id="account-username">alice<"#))
        }
        #expect(try await harness.store.user(named: "mallory") == nil)
        #expect(try await harness.store.user(named: "admin")?.role == .admin)
    }

    @Test func anAdminAddsAUserWithAMadeUpPasswordShownOnceThenChangesTheRoleAndResetsIt() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let forged = try await Self.form(admin, "/admin/users", "username=bob&role=user&password=", csrf: false)
            #expect(forged.status == .forbidden)
            let weak = try await Self.form(admin, "/admin/users", "username=bob&role=user&password=password")
            #expect(weak.status == .unprocessableContent && weak.text.contains("one of the most common passwords"))
            let badRole = try await Self.form(admin, "/admin/users", "username=bob&role=root&password=")
            #expect(badRole.status == .unprocessableContent)
            #expect(try await harness.store.user(named: "bob") == nil, "refused forms added nobody")

            let made = try await Self.form(admin, "/admin/users", "username=bob&display_name=%3Cb%3EBob%3C%2Fb%3E&role=user&password=")
            #expect(made.status == .ok)
            let password = try Self.code(made.text, id: "shown-password")
            #expect(password.count >= 16)
            #expect(made.text.contains("&lt;b&gt;Bob&lt;/b&gt;"))
            #expect(!(try await admin.get("/admin/users")).text.contains(password), "shown once, never again")
            let bob = try await anonymous.login("bob", password)
            #expect(try await bob.get("/api/v1/me").json["role"].string == "user")

            #expect(try await Self.form(admin, "/admin/users/bob/role", "role=admin").headers[.location] == "/admin/users?done=role")
            #expect(try await harness.store.user(named: "bob")?.role == .admin)
            #expect(try await Self.form(admin, "/admin/users/admin/role", "role=user").status == .conflict)
            #expect(try await Self.form(admin, "/admin/users/nobody/role", "role=user").status == .notFound)

            let reset = try await Self.form(admin, "/admin/users/bob/password", "password=brand-new-pass-7")
            #expect(reset.headers[.location] == "/admin/users?done=password")
            #expect(try await bob.get("/api/v1/me").status == .unauthorized, "a reset ends the user's sessions")
            _ = try await anonymous.login("bob", "brand-new-pass-7")
            #expect(try await Self.form(admin, "/admin/users/admin/password", "password=brand-new-pass-8").status == .conflict)
        }
        #expect(try await harness.store.user(named: "admin")?.role == .admin)
    }

    @Test func aTokenIsShownOnceWorksAsABearerAndIsRevokedOnlyByItsOwner() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let empty = try await Self.form(alice, "/admin/tokens", "name=+")
            #expect(empty.status == .unprocessableContent && empty.text.contains("token name must be one line"))
            let created = try await Self.form(alice, "/admin/tokens", "name=%3Cscript%3Enightly%3C%2Fscript%3E")
            #expect(created.status == .created)
            #expect(created.text.contains("&lt;script&gt;nightly&lt;/script&gt;") && !created.text.contains("<script>nightly"))
            let secret = try Self.code(created.text, id: "shown-token")
            let bearer = alice.with(.bearer(secret))
            #expect(try await bearer.get("/api/v1/me").json["username"].string == "alice")
            #expect(!(try await alice.get("/admin/tokens")).text.contains(secret), "shown once")
            let token = try #require(try await harness.store.tokens(username: "alice").first)

            let admin = try await anonymous.loginAdmin()
            #expect(try await Self.form(admin, "/admin/tokens/\(token.id)/revoke", "").status == .notFound, "not the admin's token")
            #expect(try await Self.form(alice, "/admin/tokens/\(token.id)/revoke", "", csrf: false).status == .forbidden)
            #expect(try await bearer.get("/api/v1/me").status == .ok)
            let revoked = try await Self.form(alice, "/admin/tokens/\(token.id)/revoke", "")
            #expect(revoked.headers[.location] == "/admin/tokens?done=revoked")
            #expect(try await bearer.get("/api/v1/me").status == .unauthorized)
        }
    }

    @Test func theConfigurationPageShowsEveryConnectorAndRouteButNoSecret() async throws {
        let secret = "env-secret-\(UUID().uuidString)"
        setenv("WOPS_TEST_GATEWAY_PASSWORD", secret, 1)
        defer { unsetenv("WOPS_TEST_GATEWAY_PASSWORD") }
        let harness = try await Harness { c in
            let gateway: ConfigNode = .mapping([
                ("url", .scalar("https://gwuser:inline-pass-1@gw.example/send?user=u1&pass=inline-pass-2&to={to}&text={text}", nil)),
                ("username", .scalar("gwuser", nil)),
                ("password_env", .scalar("WOPS_TEST_GATEWAY_PASSWORD", nil)),
                ("api_key", .scalar("inline-pass-3", nil)),
                ("body", .scalar(#"{"key":"inline-pass-4","to":"{to}"}"#, nil)),
                ("headers", .mapping([("Authorization", .scalar("Bearer inline-pass-5", nil))])),
            ])
            c.connectors.append(ConnectorSettings(name: "gateway", engine: "http-gateway", channels: [.sms], settings: gateway))
            c.channels[.sms] = ChannelSettings(route: ["gateway", "tester"], autocancelAfter: 3600, fallback: .email)
            c.autoReplies = [AutoReply(keyword: "ping", reply: "pong <b>")]
        }
        try await harness.run { anonymous in
            let page = try await anonymous.loginAdmin().get("/admin/config")
            #expect(page.status == .ok)
            #expect(page.text.contains("WOPS_TEST_GATEWAY_PASSWORD"), "the variable's name is shown")
            #expect(!page.text.contains(secret), "its content never")
            for inline in 1...5 { #expect(!page.text.contains("inline-pass-\(inline)"), "inline-pass-\(inline)") }
            #expect(page.text.contains("https://(hidden)@gw.example/send?user=(hidden)&amp;pass=(hidden)&amp;to={to}&amp;text={text}"))
            #expect(page.text.contains("gateway → tester") && page.text.contains("<dd>1h</dd>"))
            #expect(page.text.contains("pong &lt;b&gt;"))
        }
    }

    @Test func theRedactionHidesWhatMayBeASecretAndKeepsTheRest() {
        #expect(ConfigRedaction.value(key: "password_env", "GW_PASSWORD") == "GW_PASSWORD")
        #expect(ConfigRedaction.value(key: "password_env", "hunter2 typed here") == "(hidden)", "not a variable's name")
        for key in ["password", "secret", "auth_token", "api-key", "PIN"] { #expect(ConfigRedaction.value(key: key, "x") == "(hidden)", "\(key)") }
        #expect(ConfigRedaction.value(key: "keyword", "ping") == "ping" && ConfigRedaction.value(key: "from", "Switchboard") == "Switchboard")
        #expect(ConfigRedaction.url("smtp://relay.example:587") == "smtp://relay.example:587")
        #expect(ConfigRedaction.url("http://h.example/p?a={to}&b=&c=1#frag") == "http://h.example/p?a={to}&b=&c=(hidden)")
        #expect(ConfigRedaction.url("https://tok@h.example") == "https://(hidden)@h.example")
        let nested: ConfigNode = .mapping([("servers", .sequence([.mapping([("host", .scalar("a", nil)), ("password", .scalar("p", nil))])], nil))])
        #expect(ConfigRedaction.rows(nested).map { "\($0.key)=\($0.value)" } == ["servers[0].host=a", "servers[0].password=(hidden)"])
    }

    @Test func changingOnesOwnPasswordNeedsTheCurrentOneAndShowsThePolicysReason() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let other = try await anonymous.login("alice", "user-secret-1")
            let uri = "/account/password"
            let forged = try await Self.form(
                alice,
                uri,
                "current_password=user-secret-1&password=next-secret-2&password_confirm=next-secret-2",
                csrf: false
            )
            #expect(forged.status == .forbidden)
            let wrong = try await Self.form(alice, uri, "current_password=guess-1234&password=next-secret-2&password_confirm=next-secret-2")
            #expect(wrong.status == .forbidden && wrong.text.contains("is not your current password"))
            let differ = try await Self.form(alice, uri, "current_password=user-secret-1&password=next-secret-2&password_confirm=next-secret-3")
            #expect(differ.status == .unprocessableContent && differ.text.contains("The two new passwords differ."))
            let weak = try await Self.form(alice, uri, "current_password=user-secret-1&password=alice2024&password_confirm=alice2024")
            #expect(weak.status == .unprocessableContent && weak.text.contains("must not be the username"))
            let done = try await Self.form(alice, uri, "current_password=user-secret-1&password=next-secret-2&password_confirm=next-secret-2")
            #expect(done.headers[.location] == "/account?done=password")
            #expect(try await alice.get("/account?done=password").text.contains("Your password has been changed."), "this session stays")
            #expect(try await other.get("/api/v1/me").status == .unauthorized, "the other session ended")
            _ = try await anonymous.login("alice", "next-secret-2")
            let old = try await anonymous.post("/api/v1/session", #"{"username": "alice", "password": "user-secret-1"}"#)
            #expect(old.status == .unauthorized)
        }
    }
}
