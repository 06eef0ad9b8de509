import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The web interface through the router: login, the security headers, CSRF on forms and on
/// the API, escaping, and the text catalog.
@Suite("Web interface")
struct WebTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func aVisitorWithoutALoginIsSentToTheLoginPageWhichIsLockedDown() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let home = try await anonymous.get("/mine")
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/login?next=/mine")
            let login = try await anonymous.get("/login?next=/mine")
            #expect(login.status == .ok)
            #expect(login.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(login.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(login.headers[WebHeadersMiddleware.frameOptions] == "DENY")
            #expect(login.headers[.xContentTypeOptions] == "nosniff")
            #expect(login.text.contains(#"name="next" value="/mine""#))
            #expect(!login.text.contains("<script>"), "no inline script")
        }
    }

    @Test func theLoginFormStartsASessionAndGoesOnlyToAPathOnTheHub() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let body = "username=admin&password=\(Harness.adminPassword)&next=/mine"
            let ok = try await anonymous.client.executeRequest(uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: body))
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/mine")
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))

            let away = "username=admin&password=\(Harness.adminPassword)&next=//evil.example/x"
            let elsewhere = try await anonymous.client.executeRequest(
                uri: "/login",
                method: .post,
                headers: Self.form,
                body: ByteBuffer(string: away)
            )
            #expect(elsewhere.headers[.location] == "/", "an open redirect is refused")

            let wrong = try await anonymous.client.executeRequest(
                uri: "/login",
                method: .post,
                headers: Self.form,
                body: ByteBuffer(string: "username=admin&password=not-the-password")
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(String(buffer: wrong.body).contains("The username or password is wrong."))

            var foreign = Self.form
            foreign[.origin] = "https://evil.example"
            let forged = try await anonymous.client.executeRequest(uri: "/login", method: .post, headers: foreign, body: ByteBuffer(string: body))
            #expect(forged.status == .forbidden, "login CSRF: another site cannot log the browser in")
        }
    }

    @Test func theHomePageListsUnreadItemsFirstAndEscapesWhatPeopleSent() async throws {
        let harness = try await Harness()
        try await harness.store.createContact(Contact(name: "<script>alert('name')</script>", addresses: [.sms("+4711111111")]))
        _ = try await harness.hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "<img src=x onerror=alert(1)>"))
        let second = try await harness.hub.receive(InboundMessage(connector: "tester", from: .sms("+4722222222"), text: "already seen"))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.post("/api/v1/inbox/\(try #require(second.inboxItemID))/read").status == .ok)
            let page = try await admin.get("/")
            #expect(page.status == .ok)
            #expect(page.text.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"), "the contact's name, escaped")
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"), "the text, escaped")
            #expect(!page.text.contains("<script>alert") && !page.text.contains("<img src=x"))
            let unread = try #require(page.text.range(of: "id=\"unread-items\""))
            let earlier = try #require(page.text.range(of: "id=\"read-items\""))
            let seen = try #require(page.text.range(of: "already seen"))
            #expect(unread.lowerBound < earlier.lowerBound && earlier.lowerBound < seen.lowerBound, "read items come after the unread ones")
            #expect(page.text.contains("<title>(1) Inbox · Switchboard</title>"), "the unread count is in the title")
            #expect(page.text.contains(#"<meta name="csrf-token""#))
        }
    }

    @Test func formsAndBrowserAPICallsNeedThePagesCSRFToken() async throws {
        let harness = try await Harness()
        let result = try await harness.hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "one"))
        let item = try #require(result.inboxItemID)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            guard case .cookie(let secret) = admin.credential else { throw CancellationError() }
            let token = CSRFToken.make(sessionSecret: secret)
            var headers = Self.form
            headers[.cookie] = "\(SessionCookie.name)=\(secret)"

            let without = try await admin.client.executeRequest(
                uri: "/inbox/read-all",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "scope=common&back=/")
            )
            #expect(without.status == .forbidden)
            #expect(try await harness.store.inboxItem(id: item, viewer: "admin")?.read == false, "a refused form changes nothing")
            let with = try await admin.client.executeRequest(
                uri: "/inbox/read-all",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "_csrf=\(token)&scope=common&up_to=\(item)&back=/mine")
            )
            #expect(with.status == .seeOther)
            #expect(with.headers[.location] == "/mine")
            #expect(try await harness.store.inboxItem(id: item, viewer: "admin")?.read == true)

            // A browser's own fetch (Sec-Fetch-Site) to the API needs the token too; curl does not.
            let browser: HTTPFields = [CrossSiteRequestGuard.fetchSite: "same-origin"]
            let refused = try await admin.post("/api/v1/inbox/\(item)/unread", headers: browser)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "csrf_token_invalid")
            var signed = browser
            signed[CSRFToken.header] = token
            #expect(try await admin.post("/api/v1/inbox/\(item)/unread", headers: signed).status == .ok)
            #expect(try await admin.post("/api/v1/inbox/\(item)/read").status == .ok, "a client that is not a browser")
        }
    }

    @Test func theAPIFiltersTheInboxAndMarksAllRead() async throws {
        let harness = try await Harness()
        _ = try await harness.hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "road closed"))
        _ = try await harness.hub.receive(InboundMessage(connector: "tester", from: .email("kari@example.org"), text: "water level"))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let road = try await admin.get("/api/v1/inbox?scope=common&q=ROAD")
            #expect(try road.json["items"].array.map { $0["message"]["text"].string } == ["road closed"])
            let words = try await admin.get("/api/v1/inbox?q=road+closed")
            #expect(try words.json["items"].array.count == 1, "+ is a space, as a form sends it")
            let plus = try await admin.get("/api/v1/inbox?q=%2B4711")
            #expect(try plus.json["items"].array.count == 1, "%2B is a plus sign (in the sender)")
            let email = try await admin.get("/api/v1/inbox?channel=email&since=2000-01-01")
            #expect(try email.json["items"].array.map { $0["message"]["text"].string } == ["water level"])
            let bad = try await admin.get("/api/v1/inbox?since=yesterday")
            #expect(bad.status == .badRequest)
            #expect(bad.errorMessage.contains("since"))
            let marked = try await admin.post("/api/v1/inbox/read-all", #"{"scope": "common"}"#)
            #expect(try marked.json["marked"].int == 2)
            #expect(try await admin.post("/api/v1/inbox/read-all").json["marked"].int == 0)
            #expect(try await admin.post("/api/v1/inbox/read-all", #"{"scope": "everything"}"#).status == .unprocessableContent)
        }
    }

    /// Every text a template asks for is in the catalog, so nothing shows a bare key.
    @Test func everyTextKeyTheTemplatesUseIsInTheCatalog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/SwitchboardServer/Resources/web").standardized
        let catalog = try WebTexts(json: Data(contentsOf: root.appendingPathComponent("texts.en.json")))
        let directory = root.appendingPathComponent("templates")
        var used: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let source = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            for match in source.matches(of: /\{\{t\.([a-z_]+)\}\}/) { used.insert(String(match.1)) }
        }
        #expect(used.count > 20)
        #expect(used.subtracting(catalog.entries.keys).isEmpty, "missing from texts.en.json: \(used.subtracting(catalog.entries.keys).sorted())")
    }
}

/// The message pages: text, the framed HTML part, attachments as downloads, replies.
@Suite("Web message pages")
struct WebMessageTests {
    @Test func anItemsPageFramesItsHTMLWithoutScriptsAndOffersDownloads() async throws {
        let harness = try await Harness()
        let inbound = InboundMessage(
            connector: "tester",
            from: .sms("+4711111111"),
            text: "plain <b>text</b>",
            html: #"<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(2)">there</a></p>"#,
            attachments: [Attachment(filename: "report\".html", contentType: "text/html", data: Data("<script>alert(3)</script>".utf8))]
        )
        let item = try #require(try await harness.hub.receive(inbound).inboxItemID)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let page = try await admin.get("/inbox/\(item)")
            #expect(page.status == .ok)
            #expect(page.text.contains("plain &lt;b&gt;text&lt;/b&gt;"))
            #expect(page.text.contains(#"<iframe class="html-part" id="message-html" sandbox="""#))
            #expect(try await harness.store.inboxItem(id: item, viewer: "admin")?.read == true, "opening marks it read")

            let frame = try await admin.get("/inbox/\(item)/html")
            #expect(frame.text.contains("<p>Hi <a>there</a></p>"))
            #expect(!frame.text.contains("script") && !frame.text.contains("onclick"))
            #expect(frame.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(frame.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self'") == true)
            #expect(frame.headers[WebHeadersMiddleware.frameOptions] == "SAMEORIGIN")

            let file = try await admin.get("/inbox/\(item)/attachments/0")
            #expect(file.headers[.contentDisposition]?.hasPrefix(#"attachment; filename="report_.html""#) == true)
            #expect(file.headers[.xContentTypeOptions] == "nosniff")
            #expect(file.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(try await admin.get("/inbox/\(item)/attachments/1").status == .notFound)
        }
    }

    @Test func aReplyLeavesOnTheConnectorItCameInOnAndItsPageShowsTheDelivery() async throws {
        let harness = try await Harness()
        let item = try #require(try await harness.hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "hi")).inboxItemID)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            guard case .cookie(let secret) = admin.credential else { throw CancellationError() }
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "\(SessionCookie.name)=\(secret)"]
            let body = "_csrf=\(CSRFToken.make(sessionSecret: secret))&to=sms%3A%2B4711111111&text=on+my+way"
            let sent = try await admin.client.executeRequest(
                uri: "/inbox/\(item)/reply",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: body)
            )
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers[.location])
            #expect(location.hasPrefix("/messages/"))
            let record = try #require(try await harness.store.message(id: String(location.dropFirst("/messages/".count))))
            #expect(record.deliveries.map(\.pinnedConnector) == ["tester"])
            await harness.hub.dispatcher.drain()
            let page = try await admin.get(location)
            #expect(page.status == .ok)
            #expect(page.text.contains("on my way"))
            #expect(page.text.contains("status-sent"))
            #expect(page.text.contains("#1 tester: sent"))

            try await harness.makeUser("carol")
            let carol = try await anonymous.login("carol", "user-secret-1")
            #expect(try await carol.get(location).status == .notFound, "another user's message is not shown")
        }
    }
}
