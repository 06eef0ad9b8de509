import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The send page: what it shows, the form a browser posts without scripts, the JSON its
/// script posts (rich text cleaned, attachments, idempotency), and CSRF on both.
@Suite struct WebSendTests {
    /// A logged-in page client's cookie and CSRF token.
    static func session(_ api: API) throws -> (cookie: String, token: String) {
        guard case .cookie(let secret) = api.credential else { throw CancellationError() }
        return ("\(SessionCookie.name)=\(secret)", CSRFToken.make(sessionSecret: secret))
    }

    static func post(_ api: API, _ body: String, type: String, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        headers[.contentType] = type
        if case .cookie(let secret) = api.credential { headers[.cookie] = "\(SessionCookie.name)=\(secret)" }
        let response = try await api.client.executeRequest(uri: "/send", method: .post, headers: headers, body: ByteBuffer(string: body))
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    static let form = "application/x-www-form-urlencoded"

    @Test func thePageOffersEveryPartAndEscapesWhatItIsGiven() async throws {
        let harness = try await Harness { $0.templates = TemplateTests.templates }
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let page = try await admin.get("/send?to=group%3Afield-team&to=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<a href="/send" aria-current="page">"#), "the navigation marks the page")
            #expect(page.text.contains("group:field-team\n&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"))
            #expect(!page.text.contains("<script>alert"))
            #expect(page.text.contains(#"<input type="hidden" name="_csrf" value="#))
            #expect(page.text.contains(#"name="idempotency_key""#))
            #expect(page.text.contains(#"name="data[road-closed][road]""#) && page.text.contains(#"name="data[road-closed][km]""#))
            #expect(page.text.contains(#"name="data[road-closed][detour]""#) && page.text.contains(#"name="data[plain][name]""#))
            #expect(page.text.contains(#"data-max-bytes="737280""#), "1 MiB bodies leave 720 KiB for attachments")
            #expect(page.text.contains("/static/send.js?v="))
            #expect(try await anonymous.get("/send").status == .seeOther, "the page needs a login")
        }
    }

    @Test func theFormWithoutScriptsSendsOnceAndGoesToTheMessagesPage() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let (_, token) = try Self.session(admin)
            let body =
                "_csrf=\(token)&idempotency_key=k-1&to=sms%3A%2B4711111111%0D%0Amailto%3Akari%40example.org&subject=&severity=warning&text=Road+closed"
            let sent = try await Self.post(admin, body, type: Self.form)
            #expect(sent.status == .seeOther, "\(sent.text)")
            let location = try #require(sent.headers[.location])
            let record = try #require(try await harness.store.message(id: String(location.dropFirst("/messages/".count))))
            #expect(record.message.text == "Road closed" && record.message.severity == .warning && record.message.subject == nil)
            #expect(record.deliveries.map(\.address.description) == ["sms:+4711111111", "mailto:kari@example.org"])
            let again = try await Self.post(admin, body, type: Self.form)
            #expect(again.headers[.location] == location, "a double click sends once")

            let forged = try await Self.post(admin, "idempotency_key=k-2&to=sms%3A%2B4711111111&text=forged", type: Self.form)
            #expect(forged.status == .forbidden)
            var foreign: HTTPFields = [:]
            foreign[.origin] = "https://evil.example"
            let elsewhere = try await Self.post(admin, "_csrf=\(token)&to=sms%3A%2B4711111111&text=forged", type: Self.form, headers: foreign)
            #expect(elsewhere.status == .forbidden)
            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent().map(\.text) == ["Road closed", "Road closed"], "one message, two deliveries, nothing forged")
        }
    }

    @Test func aRefusedFormComesBackWithTheReasonAndWhatWasTyped() async throws {
        let harness = try await Harness { $0.templates = TemplateTests.templates }
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let (_, token) = try Self.session(admin)
            let body = "_csrf=\(token)&to=sms%3A12ab&text=%3Cb%3Ehi%3C%2Fb%3E&severity=info"
            let refused = try await Self.post(admin, body, type: Self.form)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"role="alert" id="send-server-error">invalid address &#39;sms:12ab&#39;"#), "\(refused.text)")
            #expect(refused.text.contains("&lt;b&gt;hi&lt;/b&gt;</textarea>"), "what was typed comes back, escaped")
            try await harness.expectNothingQueued()

            let template =
                "_csrf=\(token)&to=sms%3A%2B4711111111&template=road-closed&severity=info"
                + "&data%5Broad-closed%5D%5Broad%5D=Rv+4&data%5Broad-closed%5D%5Bkm%5D=12&data%5Broad-closed%5D%5Bdetour%5D="
            let sent = try await Self.post(admin, template, type: Self.form)
            #expect(sent.status == .seeOther, "\(sent.text)")
            let id = String(try #require(sent.headers[.location]).dropFirst("/messages/".count))
            let rendered = try await harness.store.message(id: id)?.message.text
            #expect(rendered == "Rv 4 is closed at km 12.", "an empty field closes its section")
        }
    }

    @Test func thePagesScriptSendsCleanRichTextAndAttachmentsOnce() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let (_, token) = try Self.session(admin)
            let json = #"""
                {"to": ["mailto:kari@example.org"], "text": "Flood", "severity": "error",
                 "html": "<p onclick=\"x()\"><b>Flood</b> <a href=\"javascript:alert(1)\">map</a><script>alert(2)</script></p>",
                 "attachments": [{"filename": "map.pdf", "content_type": "application/pdf", "data": "JVBERi0="}]}
                """#
            let signed: HTTPFields = [CSRFToken.header: token, .idempotencyKey: "page-1"]
            let sent = try await Self.post(admin, json, type: "application/json", headers: signed)
            #expect(sent.status == .accepted, "\(sent.text)")
            let location = try #require(try sent.json["location"].string)
            #expect(location.hasPrefix("/messages/") && sent.headers[.location] == location)
            let record = try #require(try await harness.store.message(id: String(location.dropFirst("/messages/".count))))
            #expect(record.message.html == "<p><b>Flood</b> <a>map</a></p>", "cleaned by the allow-list")
            #expect(record.message.attachments.map(\.filename) == ["map.pdf"])
            let again = try await Self.post(admin, json, type: "application/json", headers: signed)
            #expect(try again.json["location"].string == location, "a double click sends once")

            let unsigned = try await Self.post(admin, json, type: "application/json", headers: [.idempotencyKey: "page-2"])
            #expect(unsigned.status == .forbidden && unsigned.errorCode == "csrf_token_invalid")
            var foreign = signed
            foreign[.origin] = "https://evil.example"
            #expect(try await Self.post(admin, json, type: "application/json", headers: foreign).errorCode == "cross_site_request")
            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent().count == 1)
        }
    }
}
