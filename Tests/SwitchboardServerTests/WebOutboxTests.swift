import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The outbox and connectors pages: for admins only (403 as the queue API), every change a
/// CSRF-checked form through the queue API's own operations.
@Suite("Web outbox and connectors")
struct WebOutboxTests {
    /// Posts a page form with the session cookie, and the session's CSRF token unless `csrf` is false.
    static func form(_ api: API, _ uri: String, _ body: String, csrf: Bool = true) async throws -> Reply {
        guard case .cookie(let secret) = api.credential else { throw CancellationError() }
        let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "\(SessionCookie.name)=\(secret)"]
        let full = csrf ? "_csrf=\(CSRFToken.make(sessionSecret: secret))&\(body)" : body
        let response = try await api.client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: full))
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// A delivery that failed for good on the tester bucket (a permanent refusal).
    static func failedDelivery(_ harness: Harness, to address: String = "sms:+4712345678") async throws -> Delivery {
        harness.tester.setFaults(permanent: 1)
        let accepted = try await harness.hub.send(SendRequest(to: [address], text: "<b>alarm</b>"), sender: "admin")
        await harness.hub.dispatcher.drain()
        harness.tester.setFaults(permanent: 0)
        let delivery = try #require(try await harness.store.message(id: accepted.record.message.id)?.deliveries.first)
        #expect(delivery.status == .failed)
        return delivery
    }

    @Test func aUserWhoIsNotAnAdminIsRefusedEveryOutboxAndConnectorPageAndForm() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        let failed = try await Self.failedDelivery(harness)
        try await harness.run { anonymous in
            #expect(try await anonymous.get("/outbox").status == .seeOther, "a visitor is sent to the login page")
            let alice = try await anonymous.login("alice", "user-secret-1")
            for page in ["/outbox", "/connectors", "/outbox/deliveries/\(failed.id)", "/outbox/recipients/sms%3A%2B4712345678"] {
                let reply = try await alice.get(page)
                #expect(reply.status == .forbidden, "\(page)")
                #expect(reply.text.contains("Only an admin may open this page."))
                #expect(!reply.text.contains(failed.id))
            }
            let home = try await alice.get("/")
            #expect(!home.text.contains(#"href="/outbox""#) && home.text.contains(#"href="/account""#), "no outbox in her navigation")
            #expect(try await Self.form(alice, "/outbox/retry", "one=\(failed.id)").status == .forbidden)
            #expect(try await Self.form(alice, "/outbox/cancel", "min_age=0").status == .forbidden)
            #expect(try await Self.form(alice, "/outbox/deliveries/\(failed.id)/status", "status=queued&reason=x").status == .forbidden)
        }
        #expect(try await harness.store.delivery(id: failed.id)?.status == .failed, "refused forms changed nothing")
    }

    @Test func aFailedDeliveryIsListedEscapedAndRetriedFromTheOutboxWithTheCSRFToken() async throws {
        let harness = try await Harness()
        let failed = try await Self.failedDelivery(harness)
        let other = try await Self.failedDelivery(harness, to: "sms:+4799999999")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let page = try await admin.get("/outbox")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"id="retry-failed""#) && page.text.contains(#"value="\#(failed.id)""#))
            #expect(page.text.contains("simulated permanent failure"))
            #expect(page.text.contains(#"href="/outbox""#) && page.text.contains(#"aria-current="page""#))

            let without = try await Self.form(admin, "/outbox/retry", "status=failed&one=\(failed.id)", csrf: false)
            #expect(without.status == .forbidden)
            #expect(try await harness.store.delivery(id: failed.id)?.status == .failed, "without the token nothing changes")

            let bogus = try await Self.form(admin, "/outbox/retry", "status=sent&one=\(failed.id)")
            #expect(bogus.status == .unprocessableContent && bogus.text.contains("must be failed or held"))
            #expect(try await harness.store.delivery(id: failed.id)?.status == .failed)
            let none = try await Self.form(admin, "/outbox/retry", "status=failed")
            #expect(none.status == .unprocessableContent && none.text.contains("Select at least one delivery"))

            // The row's own button retries that one only, even with another box ticked.
            let one = try await Self.form(admin, "/outbox/retry", "status=failed&ids%5B%5D=\(other.id)&one=\(failed.id)")
            #expect(one.status == .seeOther)
            #expect(one.headers[.location] == "/outbox?done=retried&count=1")
            #expect(try await harness.store.delivery(id: failed.id)?.status == .queued)
            #expect(try await harness.store.delivery(id: other.id)?.status == .failed)
            await harness.hub.dispatcher.drain()
            #expect(try await harness.store.delivery(id: failed.id)?.status == .sent)
            #expect(harness.tester.sent(to: .sms("+4712345678")).map(\.text) == ["<b>alarm</b>"])

            let selected = try await Self.form(admin, "/outbox/retry", "status=failed&ids%5B%5D=\(other.id)")
            #expect(selected.headers[.location] == "/outbox?done=retried&count=1")
            let changes = try await harness.store.statusChanges(deliveryID: other.id)
            #expect(changes.last?.actor == "admin" && changes.last?.to == .queued)
            #expect(try await admin.get("/outbox?done=retried&count=1").text.contains("1 put back in the queue."))
        }
    }

    @Test func cancellingOlderThanAnAgeAndSettingAStatusNeedWhatTheAPINeeds() async throws {
        let harness = try await Harness()
        let failed = try await Self.failedDelivery(harness, to: "sms:+4755555555")
        // Queued after the dispatcher's last round: it stays waiting (nothing drains it).
        let accepted = try await harness.hub.send(SendRequest(to: ["sms:+4712345678"], text: "stale"), sender: "admin")
        let waiting = try #require(accepted.record.deliveries.first)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let pending = try await admin.get("/outbox")
            #expect(pending.text.contains(#"href="/outbox/recipients/sms%3A%2B4712345678""#))
            let queue = try await admin.get("/outbox/recipients/sms%3A%2B4712345678")
            #expect(queue.status == .ok && queue.text.contains("stale"))

            let bad = try await Self.form(admin, "/outbox/cancel", "min_age=yesterday")
            #expect(bad.status == .unprocessableContent && bad.text.contains("Give an age such as 30m"))
            let young = try await Self.form(admin, "/outbox/cancel", "min_age=1d&channel=sms")
            #expect(young.headers[.location] == "/outbox?done=cancelled&count=0", "nothing is a day old")
            #expect(try await harness.store.delivery(id: waiting.id)?.status == .queued)
            let cancel = try await Self.form(admin, "/outbox/cancel", "min_age=0&reason=drill+over")
            #expect(cancel.headers[.location] == "/outbox?done=cancelled&count=1")
            #expect(try await harness.store.delivery(id: waiting.id)?.status == .cancelled)
            #expect(try await harness.store.statusChanges(deliveryID: waiting.id).last?.reason == "drill over")

            let page = try await admin.get("/outbox/deliveries/\(failed.id)")
            #expect(page.status == .ok && page.text.contains(#"<option value="queued">"#))
            #expect(page.text.contains("&lt;b&gt;") == false, "the delivery page shows no message text unescaped")
            let uri = "/outbox/deliveries/\(failed.id)/status"
            let noReason = try await Self.form(admin, uri, "status=queued&reason=+")
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("must say why"))
            let illegal = try await Self.form(admin, uri, "status=delivered&reason=sure")
            #expect(illegal.status == .conflict)
            #expect(try await harness.store.delivery(id: failed.id)?.status == .failed, "refused changes changed nothing")
            let set = try await Self.form(admin, uri, "status=queued&reason=%3Cscript%3Ex%3C%2Fscript%3E")
            #expect(set.status == .seeOther && set.headers[.location] == "/outbox/deliveries/\(failed.id)")
            let after = try await admin.get("/outbox/deliveries/\(failed.id)")
            #expect(after.text.contains("failed → queued (admin): &lt;script&gt;x&lt;/script&gt;"))
            #expect(try await Self.form(admin, "/outbox/deliveries/nope/status", "status=queued&reason=x").status == .notFound)
        }
    }

    @Test func theConnectorsPageShowsEachConnectorsStateAndLastErrorEscaped() async throws {
        let harness = try await Harness()
        _ = try await Self.failedDelivery(harness)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let page = try await admin.get("/connectors")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-connector="tester" data-state="up""#))
            #expect(page.text.contains("bucket tester rejected the message (simulated permanent failure)"))
            #expect(page.text.contains("failed tries: 1"))
            #expect(page.text.contains("0 / 8"), "in flight against the default max_in_flight")
        }
    }
}
