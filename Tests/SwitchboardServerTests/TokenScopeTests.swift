import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct TokenScopeTests {
    /// Creates a token for the caller and returns its secret (the request must succeed).
    static func token(_ api: API, scopes: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let list = scopes.map { ", \"scopes\": [" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" } ?? ""
        let reply = try await api.post("/api/v1/tokens", #"{"name": "t"\#(list)}"#)
        try #require(reply.status == .created, "token not created: \(reply.text)", sourceLocation: sourceLocation)
        return try #require(try reply.json["token"].string, sourceLocation: sourceLocation)
    }

    /// The dashboard widget's token: the inbox and its unread count, and nothing else, each
    /// refusal naming the scope it lacks.
    @Test func anInboxReadTokenReadsTheInboxAndNothingElse() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            _ = try await admin.post("/api/v1/tester/inbound", #"{"from": "sms:+4712345678", "text": "hello"}"#)
            let reader = anonymous.with(.bearer(try await Self.token(admin, scopes: ["inbox:read"])))

            let inbox = try await reader.get("/api/v1/inbox?scope=common")
            #expect(inbox.status == .ok)
            #expect(try inbox.json["items"].array.count == 1)
            #expect(try await reader.get("/api/v1/inbox/unread-count").json["common"].int == 1)

            let refused: [(HTTPRequest.Method, String, String?, String)] = [
                (.post, "/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "x"}"#, "messages:send"),
                (.post, "/api/v1/inbox/read-all", "{}", "inbox:write"),
                (.get, "/api/v1/contacts", nil, "directory:read"),
                (.post, "/api/v1/groups", #"{"name": "g"}"#, "directory:write"),
                (.get, "/api/v1/me", nil, "account"),
                (.post, "/api/v1/tokens", #"{"name": "wider"}"#, "account"),
                (.get, "/api/v1/users", nil, "admin"),
                (.get, "/api/v1/queue/recipients", nil, "admin"),
                (.get, "/metrics", nil, "admin"),
                (.post, "/api/v1/tester/inbound", #"{"from": "sms:+4712345678", "text": "x"}"#, "tester"),
                (.get, "/api/v1/conversations", nil, "conversations"),
            ]
            for (method, path, body, scope) in refused {
                let reply = try await reader.call(method, path, body)
                #expect(reply.status == .forbidden, "\(method) \(path): \(reply.status)")
                #expect(reply.errorCode == "insufficient_scope", "\(method) \(path)")
                #expect(reply.errorMessage.contains("'\(scope)'"), "\(method) \(path): \(reply.errorMessage)")
                #expect(reply.headers[.wwwAuthenticate]?.contains(#"scope="\#(scope)""#) == true, "\(method) \(path)")
            }
            // A web page needs every scope (a login session in practice).
            #expect(try await reader.get("/").status == .forbidden)
            try await harness.expectNothingQueued()
            #expect(try await harness.store.groups().isEmpty)
            #expect(try await admin.get("/api/v1/inbox/unread-count").json["common"].int == 1, "nothing was marked read")
        }
    }

    /// Without `scopes` a token may do what its user may: a user's all but `admin`, an admin's all.
    @Test func aTokenWithoutScopesGetsEverythingItsUserMay() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let made = try await bob.post("/api/v1/tokens", #"{"name": "script"}"#)
            let userScopes = TokenScope.allCases.filter { $0 != .admin }.map(\.rawValue)
            #expect(try made.json["scopes"].array.compactMap(\.string) == userScopes)
            #expect(try await bob.get("/api/v1/tokens").json["items"][0]["scopes"].array.compactMap(\.string) == userScopes)
            let adminToken = try await admin.post("/api/v1/tokens", #"{"name": "ops"}"#)
            #expect(try adminToken.json["scopes"].array.compactMap(\.string) == TokenScope.allCases.map(\.rawValue))

            let full = anonymous.with(.bearer(try #require(try adminToken.json["token"].string)))
            #expect(try await full.get("/api/v1/users").status == .ok)
            #expect(try await full.get("/").status == .ok, "a token with every scope opens the pages")
            let bobs = anonymous.with(.bearer(try #require(try made.json["token"].string)))
            #expect(try await bobs.get("/api/v1/contacts").status == .ok)
            #expect(try await bobs.get("/").status == .ok, "every scope a user may hold is enough")
        }
    }

    /// A token made before scopes (NULL in the store) keeps working as it always did.
    @Test func aTokenFromBeforeScopesMayDoEverything() async throws {
        let harness = try await Harness()
        try await harness.store.createToken(APIToken(username: "admin", name: "old", tokenHash: Secrets.hash(String(repeating: "A", count: 43))))
        try await harness.run { anonymous in
            let old = anonymous.with(.bearer(String(repeating: "A", count: 43)))
            let users = try await old.get("/api/v1/users")
            #expect(users.status == .ok)
            let tokens = try await old.get("/api/v1/tokens").json
            #expect(tokens["items"][0]["scopes"].array.count == TokenScope.allCases.count)
        }
    }

    /// A token never grants more than its maker has: the user's role, and the scopes of the
    /// token that asks. Unknown or empty scopes are refused. Nothing is created then.
    @Test func aTokenCannotBeGivenMoreThanItsMakerHas() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let beyondRole = try await bob.post("/api/v1/tokens", #"{"name": "x", "scopes": ["admin"]}"#)
            #expect(beyondRole.status == .forbidden)
            #expect(beyondRole.errorCode == "scope_not_allowed")
            #expect(beyondRole.errorMessage.contains("'admin'"))
            let unknown = try await bob.post("/api/v1/tokens", #"{"name": "x", "scopes": ["inbox:read", "everything"]}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.errorCode == "invalid_scope")
            #expect(unknown.errorMessage.contains("'everything'"))
            #expect(try await bob.post("/api/v1/tokens", #"{"name": "x", "scopes": []}"#).errorCode == "invalid_scope")

            let narrow = anonymous.with(.bearer(try await Self.token(bob, scopes: ["account", "inbox:read"])))
            let wider = try await narrow.post("/api/v1/tokens", #"{"name": "x", "scopes": ["messages:send"]}"#)
            #expect(wider.status == .forbidden)
            #expect(wider.errorCode == "scope_not_allowed")
            let same = try await narrow.post("/api/v1/tokens", #"{"name": "copy"}"#)
            #expect(try same.json["scopes"].array.compactMap(\.string) == ["inbox:read", "account"], "the default is what the asking token has")
            #expect(try await harness.store.tokens(username: "bob").map(\.name).sorted() == ["copy", "t"])
        }
    }

    /// An admin's token without `admin` acts as a plain user: no admin routes, and none of
    /// what an admin sees beyond a user elsewhere (every message, not just one's own).
    @Test func anAdminTokenWithoutTheAdminScopeActsAsAUser() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let sent = try await bob.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "bob's"}"#)
            let id = try #require(try sent.json["message_id"].string ?? sent.json["id"].string)
            let limited = anonymous.with(.bearer(try await Self.token(admin, scopes: ["messages:send", "account"])))
            #expect(try await admin.get("/api/v1/messages/\(id)").status == .ok, "the admin's session sees bob's message")
            let seen = try await limited.get("/api/v1/messages/\(id)")
            #expect(seen.status != .ok, "the admin's token without 'admin' does not: \(seen.status)")
            let reset = try await limited.put("/api/v1/users/bob/password", #"{"password": "brand-new-secret-9"}"#)
            #expect(reset.status == .forbidden)
            #expect(try await anonymous.login("bob", "user-secret-1").get("/api/v1/me").status == .ok, "bob's password is unchanged")
            #expect(try await limited.get("/api/v1/me").json["role"].string == "user")
        }
    }

    /// A topic socket needs `topics`; an admin's token without `admin` reads an admins-only
    /// topic no more than a plain user would.
    @Test func aTopicSocketNeedsTheTopicsScope() async throws {
        let harness = try await Harness()
        let (reader, topics, full) = try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            return (
                try await Self.token(admin, scopes: ["inbox:read"]),
                try await Self.token(admin, scopes: ["topics"]),
                try await Self.token(admin)
            )
        }
        let gate = TopicGate(store: harness.store)
        let chat = TopicDefinition(name: "chat")
        let adminsOnly = TopicDefinition(name: "ops", read: TopicAccess(roles: ["admin"]))
        func status(_ topic: TopicDefinition, _ token: String) async -> Int {
            do {
                _ = try await gate.admit(topic, headers: [.authorization: "Bearer \(token)"], authority: nil, rawQuery: "")
                return 200
            } catch let error as APIError {
                return error.code == "insufficient_scope" ? -403 : Int(error.status.code)
            } catch {
                return 500
            }
        }
        #expect(await status(chat, reader) == -403, "inbox:read does not open a topic")
        #expect(await status(chat, topics) == 200)
        #expect(await status(adminsOnly, topics) == 403, "without 'admin' the admin's token is a user's")
        #expect(await status(adminsOnly, full) == 200)
    }

    /// The table names a scope for every API route, so none falls to "every scope" by accident.
    /// A new route under a new path needs its line in `RouteScopes.rules`.
    @Test func everyAPIRouteHasAScope() throws {
        let harness = try RouterOnly()
        let publicRoutes: Set<String> = ["POST /api/v1/session", "GET /api/v1/openapi.yaml", "HEAD /api/v1/openapi.yaml"]
        for route in harness.router.routes {
            let path = route.path.description
            let key = "\(route.method.rawValue) \(path)"
            guard path.hasPrefix("/api/v1/") || path == "/metrics", !path.hasPrefix("/api/v1/connectors/"), !publicRoutes.contains(key)
            else { continue }
            #expect(RouteScopes.scope(route.method, path) != nil, "\(key) has no rule in RouteScopes.rules")
        }
        #expect(RouteScopes.scope(.get, "/api/v1/inbox/{id}") == .inboxRead)
        #expect(RouteScopes.scope(.post, "/api/v1/inbox/{id}/read") == .inboxWrite)
        #expect(RouteScopes.scope(.put, "/api/v1/users/{name}/password") == .account)
        #expect(RouteScopes.scope(.get, "/api/v1/inboxes") == nil, "a prefix matches whole segments only")
    }
}
