import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The inbox widget other sites embed: its script, CORS for the origins in
/// `server.widget_origins` only, and who may open the live inbox socket from such a page.
@Suite struct WidgetTests {
    static let dashboard = "http://127.0.0.1:9100"
    static let stranger = "http://127.0.0.1:9200"

    static func harness() async throws -> Harness {
        try await Harness { $0.server.widgetOrigins = [dashboard] }
    }

    @Test func theScriptIsPublicAndEmbeddable() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("/widget.js")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(reply.headers[.crossOriginResourcePolicy] == "cross-origin")
            #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            #expect(reply.text.contains("/ws/inbox?token="))
            #expect(!reply.text.contains("innerHTML"), "everything is set as text")
            let etag = try #require(reply.headers[.eTag])
            #expect(try await anonymous.call(.get, "/widget.js", headers: [.ifNoneMatch: etag]).status == .notModified)
        }
    }

    /// The widget's two reads answer a page of a widget origin with CORS headers (refusals
    /// too, so it can say why); never with `Allow-Credentials`; other origins and other paths
    /// get none, so their browsers keep the answer from the page.
    @Test func corsOnlyForWidgetOriginsOnTheWidgetsReads() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let reader = anonymous.with(.bearer(try await TokenScopeTests.token(admin, scopes: ["inbox:read"])))
            for path in ["/api/v1/inbox?scope=common&limit=5", "/api/v1/inbox/unread-count"] {
                let allowed = try await reader.call(.get, path, headers: [.origin: Self.dashboard])
                #expect(allowed.status == .ok)
                #expect(allowed.headers[.accessControlAllowOrigin] == Self.dashboard, "\(path)")
                #expect(allowed.headers[.accessControlAllowCredentials] == nil)
                #expect(allowed.headers[.vary]?.contains("Origin") == true)
                let foreign = try await reader.call(.get, path, headers: [.origin: Self.stranger])
                #expect(foreign.status == .ok, "answered, but without CORS its browser hides it")
                #expect(foreign.headers[.accessControlAllowOrigin] == nil, "\(path)")
            }
            let noToken = try await anonymous.call(.get, "/api/v1/inbox", headers: [.origin: Self.dashboard])
            #expect(noToken.status == .unauthorized)
            #expect(noToken.headers[.accessControlAllowOrigin] == Self.dashboard)
            let otherPath = try await reader.call(.get, "/api/v1/inbox/1", headers: [.origin: Self.dashboard])
            #expect(otherPath.headers[.accessControlAllowOrigin] == nil)
            let contacts = try await admin.call(.get, "/api/v1/contacts", headers: [.origin: Self.dashboard])
            #expect(contacts.headers[.accessControlAllowOrigin] == nil)
        }
    }

    /// The preflight a browser sends before the widget's `Authorization` header: allowed for
    /// a widget origin and GET, answered without a login; nothing for anyone else.
    @Test func preflightOnlyForWidgetOriginsAndReads() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let preflight: HTTPFields = [
                .origin: Self.dashboard, .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization",
            ]
            let ok = try await anonymous.call(.options, "/api/v1/inbox/unread-count", headers: preflight)
            #expect(ok.status == .noContent)
            #expect(ok.headers[.accessControlAllowOrigin] == Self.dashboard)
            #expect(ok.headers[.accessControlAllowHeaders] == "Authorization")
            #expect(ok.headers[.accessControlAllowMethods]?.contains("GET") == true)

            var foreign = preflight
            foreign[.origin] = Self.stranger
            #expect(try await anonymous.call(.options, "/api/v1/inbox", headers: foreign).headers[.accessControlAllowOrigin] == nil)
            var write = preflight
            write[.accessControlRequestMethod] = "POST"
            let post = try await anonymous.call(.options, "/api/v1/inbox", headers: write)
            #expect(post.headers[.accessControlAllowOrigin] == nil)
            #expect(post.headers[.accessControlAllowMethods] == nil)
        }
    }

    /// Without `widget_origins` no origin gets CORS at all.
    @Test func noWidgetOriginsNoCORS() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let reply = try await admin.call(.get, "/api/v1/inbox", headers: [.origin: Self.dashboard])
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
        }
    }

    /// The live inbox socket: from a widget origin only with a token that may read the inbox
    /// (the cookie its browser may send along is not looked at); from an unknown origin never.
    @Test func theLiveInboxSocketFromAWidgetOriginNeedsAnInboxReadToken() async throws {
        let harness = try await Self.harness()
        let feed = InboxFeed(
            events: harness.hub.inboxEvents,
            store: harness.store,
            settings: harness.hub.configuration.server,
            noText: "",
            logger: harness.logger
        )
        let (reader, writer, session) = try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            guard case .cookie(let session) = admin.credential else { throw CancellationError() }
            return (
                try await TokenScopeTests.token(admin, scopes: ["inbox:read"]),
                try await TokenScopeTests.token(admin, scopes: ["messages:send"]),
                session
            )
        }
        func admit(_ origin: String, query: String = "", cookie: String? = nil) async -> Result<String, APIError> {
            var headers: HTTPFields = [.origin: origin]
            if let cookie { headers[.cookie] = "\(SessionCookie.name)=\(cookie)" }
            do {
                return .success(try await feed.admit(headers: headers, authority: "127.0.0.1:8080", scheme: "http", rawQuery: query).user)
            } catch let error as APIError {
                return .failure(error)
            } catch {
                return .failure(APIError(.internalServerError, "unexpected", "\(error)"))
            }
        }
        #expect(try await admit(Self.dashboard, query: "token=\(reader)").get() == "admin")
        if case .failure(let e) = await admit(Self.dashboard, query: "token=\(writer)") {
            #expect(e.status == .forbidden)
            #expect(e.code == "insufficient_scope")
        } else {
            Issue.record("a token without inbox:read opened the live inbox")
        }
        if case .failure(let e) = await admit(Self.dashboard, cookie: session) {
            #expect(e.status == .unauthorized, "the cookie does not count from a widget origin")
        } else {
            Issue.record("a widget origin opened the live inbox with the cookie")
        }
        if case .failure(let e) = await admit(Self.stranger, query: "token=\(reader)") {
            #expect(e.status == .forbidden)
        } else {
            Issue.record("an origin not on the list opened the live inbox")
        }
        #expect(try await admit("http://127.0.0.1:8080", cookie: session).get() == "admin", "the hub's own pages keep the cookie")
    }
}
