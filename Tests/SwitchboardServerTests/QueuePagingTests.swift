import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The operator's long lists page by cursors in the API and on the outbox page, and the bulk
/// actions (retry all, cancel older than) still act on every matching row, not one page.
@Suite("Queue paging")
struct QueuePagingTests {
    /// Commits one message with a delivery in `status` to each of `count` numbers.
    static func deliveries(_ harness: Harness, _ count: Int, status: DeliveryStatus, prefix: String = "+4790") async throws -> [Delivery] {
        let message = Message(text: "alarm", severity: .warning, sender: "admin")
        let deliveries = (0..<count).map { i in
            let address = Address.sms(prefix + String(format: "%06d", i))
            return Delivery(messageID: message.id, address: address, channel: .sms, status: status)
        }
        _ = try await harness.store.accept(Submission(message: message, deliveries: deliveries))
        return deliveries
    }

    /// Follows `next_cursor` from the first page to the last, collecting one field per item.
    static func walk(_ api: API, _ path: String, field: String) async throws -> (values: [String], pages: Int) {
        var values: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let uri = path + (cursor.map { "\(separator)cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } ?? "")
            let reply = try await api.get(uri)
            #expect(reply.status == .ok, "\(uri): \(reply.text)")
            values += try reply.json["items"].array.compactMap { $0[field].string }
            cursor = try reply.json["next_cursor"].string
            pages += 1
        } while cursor != nil && pages < 50
        return (values, pages)
    }

    @Test func deadLettersAndRecipientsPageThroughTheAPIEachRowOnce() async throws {
        let harness = try await Harness()
        let failed = try await Self.deliveries(harness, 5, status: .failed)
        let held = try await Self.deliveries(harness, 3, status: .held, prefix: "+4791")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let dead = try await Self.walk(api, "/api/v1/queue/dead-letters?limit=2", field: "id")
            #expect(dead.values.sorted() == failed.map(\.id).sorted(), "every failed delivery once")
            #expect(dead.values.count == Set(dead.values).count)
            #expect(dead.values == failed.map(\.id).reversed(), "one change time: the later row first")
            #expect(dead.pages == 3)
            let heldWalk = try await Self.walk(api, "/api/v1/queue/dead-letters?status=held&limit=2", field: "id")
            #expect(heldWalk.values == held.map(\.id).reversed(), "held ones list apart")

            let recipients = try await Self.walk(api, "/api/v1/queue/recipients?limit=2", field: "address")
            #expect(recipients.values == held.map(\.address.description), "held deliveries wait; failed ones do not")
            #expect(recipients.pages == 2)

            let last = try await api.get("/api/v1/queue/dead-letters?limit=10")
            #expect(try last.json["next_cursor"].isNull, "the last page says so with null")
            for uri in [
                "/api/v1/queue/dead-letters?cursor=bogus", "/api/v1/queue/recipients?cursor=1_2_3_4", "/api/v1/queue/dead-letters?status=sent",
                "/api/v1/queue/dead-letters?status=",
            ] {
                let refused = try await api.get(uri)
                #expect(refused.status == .badRequest && refused.errorCode == "invalid_parameter", "\(uri): \(refused.text)")
            }
        }
    }

    @Test func theOutboxPagesEachListByLinksAndRetryAllTakesEveryPage() async throws {
        let harness = try await Harness()
        let size = APIEnvironment.outboxPageSize
        let failed = try await Self.deliveries(harness, size + 2, status: .failed)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let first = try await admin.get("/outbox?channel=sms")
            #expect(first.status == .ok)
            // Newest change first, then the later row: the last two made are on the first page.
            #expect(first.text.contains(#"data-id="\#(failed[size + 1].id)""#))
            #expect(!first.text.contains(#"data-id="\#(failed[1].id)""#), "the oldest two wait for the next page")
            let next = try #require(Self.link(first.text, id: "failed-next"), "an Older link under the failed list")
            #expect(next.hasPrefix("/outbox?channel=sms&amp;failed_cursor="), "the link keeps the filter: \(next)")
            let second = try await admin.get(next.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(second.status == .ok)
            #expect(second.text.contains(#"data-id="\#(failed[0].id)""#) && second.text.contains(#"data-id="\#(failed[1].id)""#))
            #expect(!second.text.contains(#"data-id="\#(failed[2].id)""#), "nothing of the first page again")
            #expect(Self.link(second.text, id: "failed-next") == nil, "the last page has no Older link")
            let back = try #require(Self.link(second.text, id: "failed-newest"))
            #expect(back == "/outbox?channel=sms")
            let stale = try await admin.get("/outbox?failed_cursor=nonsense")
            #expect(stale.status == .badRequest && stale.text.contains("not valid any more"))

            let all = try await WebOutboxTests.form(admin, "/outbox/retry", "status=failed&all=1")
            #expect(all.headers[.location] == "/outbox?done=retried&count=\(size + 2)", "retry all takes every page")
            #expect(try await harness.store.deliveries(status: .failed, limit: 10).isEmpty)
        }
    }

    @Test func waitingRecipientsPageOnTheOutboxAndCancelTakesThemAll() async throws {
        let harness = try await Harness()
        let size = APIEnvironment.outboxPageSize
        let held = try await Self.deliveries(harness, size + 1, status: .held)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let first = try await admin.get("/outbox")
            let next = try #require(Self.link(first.text, id: "pending-next"))
            let second = try await admin.get(next.replacingOccurrences(of: "&amp;", with: "&"))
            let last = try #require(held.last).address.description
            #expect(second.text.contains(APIEnvironment.pathSegment(last)) && !first.text.contains(APIEnvironment.pathSegment(last)))
            #expect(Self.link(second.text, id: "pending-first") == "/outbox")

            let cancel = try await WebOutboxTests.form(admin, "/outbox/cancel", "min_age=0")
            #expect(cancel.headers[.location] == "/outbox?done=cancelled&count=\(size + 1)", "cancel takes every page")
        }
    }

    @Test func oneRecipientsQueueIsBoundedMostUrgentFirst() async throws {
        let harness = try await Harness()
        let address = Address.sms("+4790000000")
        for severity in [Severity.info, .critical, .warning] {
            let message = Message(text: severity.rawValue, severity: severity, sender: "admin")
            let delivery = Delivery(messageID: message.id, address: address, channel: .sms, status: .held)
            _ = try await harness.store.accept(Submission(message: message, deliveries: [delivery]))
        }
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let two = try await api.get("/api/v1/queue/recipients/sms%3A%2B4790000000?limit=2")
            #expect(two.status == .ok, "\(two.text)")
            #expect(try two.json["items"].array.compactMap { $0["text"].string } == ["critical", "warning"])
            #expect(try await api.get("/api/v1/queue/recipients/sms%3A%2B4790000000").json["items"].array.count == 3)
            #expect(try await api.get("/api/v1/queue/recipients/sms%3A%2B4790000000?limit=0").errorCode == "invalid_parameter")
        }
    }

    /// The `href` of the link with this id, as the page wrote it (HTML-escaped).
    static func link(_ html: String, id: String) -> String? {
        guard let tag = html.range(of: #"id="\#(id)""#) else { return nil }
        let before = html[..<tag.lowerBound]
        guard let href = before.range(of: #"href=""#, options: .backwards) else { return nil }
        let rest = before[href.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
