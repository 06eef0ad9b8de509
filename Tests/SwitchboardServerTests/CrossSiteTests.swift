import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

extension API {
    /// A request with a raw body of the given type, carrying this client's credential.
    func send(_ uri: String, _ body: String, type: String, method: HTTPRequest.Method = .post, headers: HTTPFields = [:]) async throws -> Reply {
        var headers = headers
        headers[.contentType] = type
        switch credential {
        case .none: break
        case .cookie(let value): headers[.cookie] = "\(SessionCookie.name)=\(value)"
        case .bearer(let token): headers[.authorization] = "Bearer \(token)"
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
}

/// Cross-site request forgery: what a page on another site can make a logged-in browser send
/// (text/plain, form and multipart bodies, from its own origin) changes nothing; the hub's own
/// pages, allowed origins, non-browser clients and API tokens are unaffected.
@Suite struct CrossSiteTests {
    static let evil: HTTPFields = [.origin: "https://evil.example"]
    static let message = #"{"to": ["sms:+4712345678"], "text": "forged"}"#

    /// The bodies a browser sends across sites without a preflight.
    static let simpleBodies: [(String, String)] = [
        ("text/plain", message),
        ("application/x-www-form-urlencoded", "to=sms%3A%2B4712345678&text=forged"),
        ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nforged\r\n--x--\r\n"),
    ]

    @Test(arguments: simpleBodies)
    func aForeignPagesSimpleBodyIsRefusedAndChangesNothing(_ body: (String, String)) async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            for path in ["/api/v1/messages", "/api/v1/tokens"] {
                let reply = try await admin.send(path, body.1, type: body.0, headers: Self.evil)
                #expect(reply.status == .forbidden, "\(path) \(body.0)")
                #expect(reply.errorCode == "cross_site_request")
            }
            let sameSite = try await admin.send("/api/v1/messages", body.1, type: body.0, headers: [.origin: "http://localhost"])
            #expect(sameSite.status == .unsupportedMediaType, "the hub's own origin still sends JSON")
            #expect(try await admin.get("/api/v1/tokens").json["items"].array.isEmpty)
        }
        try await harness.expectNothingQueued()
    }

    @Test func everyStateChangingMethodIsCheckedAndRefererCountsWithoutOrigin() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let token = try #require(try await admin.post("/api/v1/tokens", #"{"name": "keep"}"#).json["id"].string)
            let attempts: [(HTTPRequest.Method, String, String?, HTTPFields)] = [
                (.put, "/api/v1/users/bob/password", #"{"password": "forged-pass-1"}"#, Self.evil),
                (.post, "/api/v1/groups", #"{"name": "forged"}"#, [.referer: "https://evil.example/page"]),
                (.delete, "/api/v1/tokens/\(token)", nil, [.origin: "null"]),
                (.delete, "/api/v1/session", nil, [.origin: "http://localhost.evil.example"]),
                (.post, "/api/v1/groups", #"{"name": "forged"}"#, [.origin: "http://localhost:8081"]),
            ]
            for (method, path, json, headers) in attempts {
                let reply = try await admin.call(method, path, json, headers: headers)
                #expect(reply.status == .forbidden && reply.errorCode == "cross_site_request", "\(method) \(path) \(headers)")
            }
            #expect(try await admin.get("/api/v1/tokens").json["items"].array.count == 1)
            #expect(try await admin.get("/api/v1/groups/forged").status == .notFound)
            #expect(try await admin.get("/api/v1/me").status == .ok, "still logged in")
        }
        #expect(try await harness.accounts.verify(username: "bob", password: "user-secret-1") != nil)
    }

    @Test func theHubsOwnPagesAllowedOriginsAndPlainClientsAreServed() async throws {
        let harness = try await Harness { $0.server.allowedOrigins = ["https://intranet.example"] }
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let sources: [HTTPFields] = [
                [.origin: "http://localhost"], [.origin: "http://LOCALHOST:80"], [.referer: "http://localhost/topics/chat?x=1"],
                [.origin: "https://intranet.example"], [:],
            ]
            for (i, headers) in sources.enumerated() {
                let reply = try await admin.post("/api/v1/groups", #"{"name": "team-\#(i)"}"#, headers: headers)
                #expect(reply.status == .created, "\(headers): \(reply.text)")
            }
            let read = try await admin.call(.get, "/api/v1/groups", headers: Self.evil)
            #expect(read.status == .ok, "reading changes nothing and is not refused")
            let empty = try await admin.call(.delete, "/api/v1/groups/team-0", headers: [.origin: "http://localhost"])
            #expect(empty.status == .noContent, "no body needs no type")
            let untyped = try await admin.call(.post, "/api/v1/groups", nil, headers: [.origin: "http://localhost", .contentLength: "2"])
            #expect(untyped.status == .unsupportedMediaType, "a body without a type is not JSON")
        }
    }

    /// No page can make a browser add an Authorization header to another site's request.
    @Test func bearerTokenRequestsAreNotAffected() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let token = try #require(try await admin.post("/api/v1/tokens", #"{"name": "script"}"#).json["token"].string)
            let reply = try await anonymous.with(.bearer(token)).send(
                "/api/v1/groups",
                #"{"name": "scripted"}"#,
                type: "text/plain",
                headers: Self.evil
            )
            #expect(reply.status == .created, "\(reply.text)")
        }
    }

    /// Behind TLS (`secure_cookies`) only the https origin is the hub's own.
    @Test func withSecureCookiesOnlyTheHTTPSOriginIsOwn() async throws {
        let harness = try await Harness { $0.server.secureCookies = true }
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let plain = try await admin.post("/api/v1/groups", #"{"name": "a"}"#, headers: [.origin: "http://localhost"])
            #expect(plain.errorCode == "cross_site_request")
            #expect(try await admin.post("/api/v1/groups", #"{"name": "b"}"#, headers: [.origin: "https://localhost"]).status == .created)
        }
    }

    /// Another site cannot log a visitor into an account of its choosing.
    @Test func aLoginFromAForeignPageIsRefused() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let body = #"{"username": "admin", "password": "\#(Harness.adminPassword)"}"#
            let forged = try await anonymous.send("/api/v1/session", body, type: "text/plain", headers: Self.evil)
            #expect(forged.status == .forbidden && forged.sessionCookie == nil)
            let typed = try await anonymous.send("/api/v1/session", body, type: "text/plain", headers: [.origin: "http://localhost"])
            #expect(typed.status == .unsupportedMediaType && typed.sessionCookie == nil)
            let own = try await anonymous.send("/api/v1/session", body, type: "application/json", headers: [.origin: "http://localhost"])
            #expect(own.status == .ok && own.sessionCookie != nil)
        }
    }
}
