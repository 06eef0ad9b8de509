import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct AuthTests {
    @Test func secretsAreStoredAsLowerCaseHexSHA256() {
        // FIPS 180-2 test vector for "abc".
        #expect(Secrets.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func loginSetsAHardenedSessionCookieThatAuthenticates() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.post("/api/v1/session", #"{"username": "admin", "password": "\#(Harness.adminPassword)"}"#)
            #expect(reply.status == .ok)
            #expect(try reply.json["username"].string == "admin")
            #expect(try reply.json["role"].string == "admin")
            let header = try #require(reply.setCookie)
            #expect(header.contains("HttpOnly"))
            #expect(header.contains("SameSite=Lax"))
            #expect(header.contains("Path=/"))
            #expect(!header.contains("Secure"))
            let secret = try #require(reply.sessionCookie)
            #expect(secret.utf8.count == 43)  // 32 bytes, URL-safe base64 without padding
            #expect(Secrets.isWellFormed(secret))

            let me = try await anonymous.with(.cookie(secret)).get("/api/v1/me")
            #expect(me.status == .ok)
            #expect(try me.json["username"].string == "admin")
            #expect(try me.json["authenticated_by"].string == "session")
        }
    }

    @Test func secureCookiesSettingAddsTheSecureFlag() async throws {
        let harness = try await Harness { $0.server.secureCookies = true }
        try await harness.run { anonymous in
            let reply = try await anonymous.post("/api/v1/session", #"{"username": "admin", "password": "\#(Harness.adminPassword)"}"#)
            #expect(reply.setCookie?.contains("Secure") == true)
        }
    }

    @Test func logoutEndsTheSessionAndClearsTheCookie() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            #expect(try await api.get("/api/v1/me").status == .ok)
            let out = try await api.delete("/api/v1/session")
            #expect(out.status == .noContent)
            #expect(out.setCookie?.contains("Max-Age=0") == true)
            #expect(out.sessionCookie == nil)
            let after = try await api.get("/api/v1/me")
            #expect(after.status == .unauthorized)
            #expect(after.errorCode == "unauthorized")
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let wrongPassword = try await anonymous.post("/api/v1/session", #"{"username": "admin", "password": "not-the-password"}"#)
            let unknownUser = try await anonymous.post("/api/v1/session", #"{"username": "mallory", "password": "not-the-password"}"#)
            for reply in [wrongPassword, unknownUser] {
                #expect(reply.status == .unauthorized)
                #expect(reply.errorCode == "invalid_credentials")
                #expect(reply.setCookie == nil)
            }
            #expect(wrongPassword.text == unknownUser.text)
        }
    }

    /// bcrypt would compare only the first 72 bytes: a longer password is refused as when it
    /// is set, and no session is made.
    @Test func aLoginWithAnOverlongPasswordIsRefusedNotCut() async throws {
        let harness = try await Harness()
        let longest = String(repeating: "long-pass-", count: 7) + "xy"
        try await harness.accounts.createUser(username: "bob", password: longest, role: .user)
        try await harness.run { anonymous in
            let reply = try await anonymous.post("/api/v1/session", #"{"username": "bob", "password": "\#(longest)tail"}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "password_too_long")
            #expect(reply.sessionCookie == nil)
            _ = try await anonymous.login("bob", longest)
        }
    }

    @Test func loginBodyIsReadStrictly() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let extra = try await anonymous.post(
                "/api/v1/session",
                #"{"username": "admin", "password": "\#(Harness.adminPassword)", "remember": true}"#
            )
            #expect(extra.status == .badRequest)
            #expect(extra.errorCode == "unknown_field")
            #expect(extra.setCookie == nil)
        }
    }

    @Test func bearerTokenWorksUntilDeleted() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let created = try await api.post("/api/v1/tokens", #"{"name": "ci pipeline"}"#)
            #expect(created.status == .created)
            let token = try #require(try created.json["token"].string)
            let id = try #require(try created.json["id"].string)
            #expect(try created.json["name"].string == "ci pipeline")
            #expect(token.utf8.count == 43)

            // Only the hash is stored.
            let stored = try await harness.store.tokens(username: "admin")
            #expect(stored.count == 1)
            #expect(stored.first?.tokenHash == Secrets.hash(token))
            #expect(stored.first?.tokenHash != token)

            let bearer = anonymous.with(.bearer(token))
            let me = try await bearer.get("/api/v1/me")
            #expect(me.status == .ok)
            #expect(try me.json["authenticated_by"].string == "token")
            #expect(try await bearer.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "from CI"}"#).status == .accepted)

            let listed = try await api.get("/api/v1/tokens").json["items"]
            #expect(listed.array.count == 1)
            #expect(listed[0]["id"].string == id)
            #expect(!listed[0].keys.contains("token"))

            #expect(try await api.delete("/api/v1/tokens/\(id)").status == .noContent)
            let revoked = try await bearer.get("/api/v1/me")
            #expect(revoked.status == .unauthorized)
            #expect(revoked.headers[.wwwAuthenticate] != nil)
            #expect(try await api.delete("/api/v1/tokens/\(id)").status == .notFound)
        }
    }

    @Test func usersCannotDeleteOthersTokens() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let created = try await admin.post("/api/v1/tokens", #"{"name": "admin token"}"#).json
            let id = try #require(created["id"].string)
            let token = try #require(created["token"].string)
            #expect(try await bob.delete("/api/v1/tokens/\(id)").status == .notFound)
            #expect(try await anonymous.with(.bearer(token)).get("/api/v1/me").status == .ok)
        }
    }

    @Test func aBadBearerTokenIsRefusedEvenWithAGoodCookie() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            guard case .cookie(let cookie) = api.credential else {
                Issue.record("no cookie")
                return
            }
            var headers: HTTPFields = [.authorization: "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
            headers[.cookie] = "\(SessionCookie.name)=\(cookie)"
            let reply = try await anonymous.call(.get, "/api/v1/me", headers: headers)
            #expect(reply.status == .unauthorized)
            let basic = try await anonymous.call(.get, "/api/v1/me", headers: [.authorization: "Basic YWRtaW46eA=="])
            #expect(basic.status == .unauthorized)
            #expect(basic.errorMessage.contains("Bearer"))
        }
    }

    @Test func nonAdminsAreForbiddenFromUserManagement() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let list = try await bob.get("/api/v1/users")
            #expect(list.status == .forbidden)
            #expect(list.errorCode == "forbidden")
            let create = try await bob.post("/api/v1/users", #"{"username": "eve", "password": "eve-secret-1", "role": "admin"}"#)
            #expect(create.status == .forbidden)
            #expect(try await bob.delete("/api/v1/users/admin").status == .forbidden)
            #expect(try await bob.put("/api/v1/users/admin/password", #"{"password": "taken-over-1"}"#).status == .forbidden)
        }
        #expect(try await harness.store.user(named: "eve") == nil)
        #expect(try await harness.accounts.verify(username: "admin", password: Harness.adminPassword) != nil)
    }

    @Test func usersChangeTheirOwnPassword() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let short = try await bob.put("/api/v1/users/bob/password", #"{"password": "short", "current_password": "user-secret-1"}"#)
            #expect(short.status == .unprocessableContent)
            #expect(short.errorCode == "weak_password")
            let change = #"{"password": "a-new-secret", "current_password": "user-secret-1"}"#
            #expect(try await bob.put("/api/v1/users/bob/password", change).status == .noContent)
            #expect(try await anonymous.post("/api/v1/session", #"{"username": "bob", "password": "user-secret-1"}"#).status == .unauthorized)
            _ = try await anonymous.login("bob", "a-new-secret")
        }
    }

    /// A stolen session or token is not an account takeover: changing one's own password needs
    /// the current one, by cookie or by token, admins included; a refused change changes nothing
    /// and logs nobody out.
    @Test func changingOnesOwnPasswordNeedsTheCurrentOne() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let token = try #require(try await bob.post("/api/v1/tokens", #"{"name": "stolen"}"#).json["token"].string)
            let admin = try await anonymous.loginAdmin()
            for caller in [bob, anonymous.with(.bearer(token))] {
                let missing = try await caller.put("/api/v1/users/bob/password", #"{"password": "taken-over-1"}"#)
                #expect(missing.status == .unprocessableContent)
                #expect(missing.errorCode == "current_password_required")
                let wrong = try await caller.put("/api/v1/users/bob/password", #"{"password": "taken-over-1", "current_password": "a-guess-123"}"#)
                #expect(wrong.status == .forbidden)
                #expect(wrong.errorCode == "wrong_current_password")
            }
            #expect(try await bob.get("/api/v1/me").status == .ok, "a refused change ends no session")
            let own = try await admin.put("/api/v1/users/admin/password", #"{"password": "admin-secret-2"}"#)
            #expect(own.errorCode == "current_password_required", "admins changing their own prove it too")
            #expect(
                try await admin.put("/api/v1/users/bob/password", #"{"password": "reset-by-admin"}"#).status == .noContent,
                "resetting another user's needs no current password"
            )
        }
        #expect(try await harness.accounts.verify(username: "bob", password: "reset-by-admin") != nil)
        #expect(try await harness.accounts.verify(username: "admin", password: Harness.adminPassword) != nil)
    }

    /// A session lives `session_ttl` past its last use: a request in its second half renews it,
    /// server side and in the cookie; one in its first half writes nothing.
    @Test func aSessionInUseIsRenewed() async throws {
        let harness = try await Harness { $0.server.sessionTTL = 3600 }
        try await harness.makeUser("bob")
        let fresh = Secrets.make()
        let ageing = Secrets.make()
        try await harness.store.createSession(tokenHash: Secrets.hash(fresh), username: "bob", expiresAt: Date().addingTimeInterval(3000))
        try await harness.store.createSession(tokenHash: Secrets.hash(ageing), username: "bob", expiresAt: Date().addingTimeInterval(60))
        try await harness.run { anonymous in
            let untouched = try await anonymous.with(.cookie(fresh)).get("/api/v1/me")
            #expect(untouched.status == .ok && untouched.setCookie == nil, "more than half left: nothing to renew")
            let renewed = try await anonymous.with(.cookie(ageing)).get("/api/v1/me")
            #expect(renewed.status == .ok)
            let cookie = try #require(renewed.setCookie)
            #expect(renewed.sessionCookie == ageing && cookie.contains("HttpOnly"), "\(cookie)")
            let maxAge = try #require(cookie.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Max-Age=") })
            #expect((3590...3600).contains(Int(maxAge.split(separator: "=")[1]) ?? 0), "the cookie lives a full session_ttl again: \(cookie)")
        }
        // Server side too: alive long after its first expiry.
        #expect(try await harness.store.sessionUser(tokenHash: Secrets.hash(ageing), now: Date().addingTimeInterval(3000)) == "bob")
    }

    /// Whoever knew the old password is logged out: a change ends every other session of the
    /// user (an admin's reset ends them all); the changing session and API tokens stay.
    @Test func aPasswordChangeEndsTheOtherSessions() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let laptop = try await anonymous.login("bob", "user-secret-1")
            let phone = try await anonymous.login("bob", "user-secret-1")
            let token = try #require(try await laptop.post("/api/v1/tokens", #"{"name": "ci"}"#).json["token"].string)
            let admin = try await anonymous.loginAdmin()
            let change = #"{"password": "a-new-secret", "current_password": "user-secret-1"}"#
            #expect(try await laptop.put("/api/v1/users/bob/password", change).status == .noContent)
            #expect(try await laptop.get("/api/v1/me").status == .ok, "the session that changed it stays")
            #expect(try await phone.get("/api/v1/me").status == .unauthorized, "the other session ended")
            #expect(try await anonymous.with(.bearer(token)).get("/api/v1/me").status == .ok, "tokens stay")
            #expect(try await admin.get("/api/v1/me").status == .ok, "other users' sessions stay")
            #expect(try await admin.put("/api/v1/users/bob/password", #"{"password": "reset-by-admin"}"#).status == .noContent)
            #expect(try await laptop.get("/api/v1/me").status == .unauthorized, "an admin's reset ends every session")
            #expect(try await admin.get("/api/v1/me").status == .ok, "the admin's own session stays")
        }
    }
}
