import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Lists that used to answer everything at once, a page at a time: the API walks every row
/// once by `next_cursor` and refuses a cursor it did not make (400 naming `cursor`); the page
/// shows one page with a next link, the next page holds the rest, and a first link goes back.
@Suite("List paging")
struct ListPagingTests {
    /// Follows `next_cursor` from `path` (which has a query already), collecting each item's `key`.
    static func walk(_ api: API, _ path: String, key: String) async throws -> [String] {
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let reply = try await api.get(path + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(reply.status == .ok, "\(reply.text)")
            seen += try reply.json["items"].array.compactMap { $0[key].string }
            cursor = try reply.json["next_cursor"].string
            pages += 1
        } while cursor != nil && pages < 100
        return seen
    }

    static func nextLink(_ page: String, id: String) throws -> String {
        let link = try #require(page.firstMatch(of: try Regex(#"href="([^"]+)" id="\#(id)""#))?.output[1].substring)
        return String(link).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func tokensPageOldestFirstInTheAPIAndOnTheirPage() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        let size = APIEnvironment.webTokensPageSize
        let names = (0..<(size + 3)).map { String(format: "token %03d", $0) }
        for (index, name) in names.enumerated() {
            // Two tokens per second, so ties on the time are broken by id.
            let made = Date(timeIntervalSince1970: 1_800_000_000 + Double(index / 2))
            try await harness.store.createToken(
                APIToken(id: String(format: "id%03d", index), username: "admin", name: name, tokenHash: "hash-\(index)", createdAt: made)
            )
        }
        try await harness.store.createToken(APIToken(username: "alice", name: "alice's own", tokenHash: "hash-alice"))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            #expect(try await Self.walk(admin, "/api/v1/tokens?limit=7", key: "name") == names, "every token once, oldest first, only the admin's")
            let bad = try await admin.get("/api/v1/tokens?cursor=not-a-cursor")
            #expect(bad.status == .badRequest && bad.errorCode == "invalid_parameter" && bad.errorMessage.contains("'cursor'"))
            let tampered = try await admin.get("/api/v1/tokens?cursor=1800000000.0_zz")
            #expect(tampered.status == .badRequest && tampered.errorMessage.contains("'cursor'"))
            #expect(try await admin.get("/api/v1/tokens?limit=0").status == .badRequest)

            let first = try await admin.get("/admin/tokens")
            #expect(first.text.contains("token 049") && !first.text.contains("token 050") && !first.text.contains("alice"))
            let second = try await admin.get(try Self.nextLink(first.text, id: "tokens-next"))
            #expect(second.status == .ok)
            #expect(second.text.contains("token 050") && second.text.contains("token 052") && !second.text.contains("token 049"))
            #expect(!second.text.contains(#"id="tokens-next""#), "the last page has no next link")
            #expect(second.text.contains(#"href="/admin/tokens" id="tokens-first""#))
            #expect(try await admin.get("/admin/tokens?cursor=zz").status == .badRequest)
        }
    }

    @Test func aGroupAnswersItsFirstPageOfMembersAndCountsWhatTheWholeGroupLacks() async throws {
        let harness = try await Harness()
        try await harness.store.createGroup(ContactGroup(name: "field"))
        let size = APIEnvironment.webContactsPageSize
        var made: [String] = []
        for index in 0..<(size + 3) {
            // Every third without a phone, every fifth without an email.
            var addresses: [Address] = []
            if index % 3 != 0 { addresses.append(.sms("+47900\(String(format: "%05d", index))")) }
            if index % 5 != 0 { addresses.append(.email("m\(index)@example.org")) }
            let contact = Contact(id: "m\(String(format: "%03d", index))", name: "Member \(String(format: "%03d", index))", addresses: addresses)
            try await harness.store.createContact(contact)
            try await harness.store.addMember(group: "field", contactID: contact.id)
            made.append(contact.id)
        }
        let ids = made
        let noPhone = (0..<(size + 3)).filter { $0 % 3 == 0 }.count
        let noEmail = (0..<(size + 3)).filter { $0 % 5 == 0 }.count
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let detail = try await api.get("/api/v1/groups/field?limit=10").json
            #expect(detail["members"].array.compactMap { $0["id"].string } == Array(ids.prefix(10)))
            #expect(detail["member_count"].int == size + 3)
            #expect(detail["members_without_phone"].int == noPhone && detail["members_without_email"].int == noEmail)
            let pageLacks = (0..<10).filter { $0 % 3 == 0 }.count + (0..<10).filter { $0 % 5 == 0 }.count
            #expect(detail["warnings"].array.count == pageLacks, "warnings about this page's members")
            var seen = detail["members"].array.compactMap { $0["id"].string }
            var cursor = detail["next_cursor"].string
            while let next = cursor, seen.count < 500 {
                let page = try await api.get("/api/v1/groups/field?limit=10&cursor=\(next)").json
                seen += page["members"].array.compactMap { $0["id"].string }
                cursor = page["next_cursor"].string
            }
            #expect(seen == ids, "every member once, in name order")
            let bad = try await api.get("/api/v1/groups/field?cursor=zz")
            #expect(bad.status == .badRequest && bad.errorMessage.contains("'cursor'"))

            let first = try await api.get("/groups/field")
            #expect(first.text.contains("Member 049") && !first.text.contains("Member 050"))
            #expect(first.text.contains("Members in all: \(size + 3)."))
            #expect(first.text.contains(#"id="count-no-phone">Without a phone number (no SMS): \#(noPhone).<"#))
            #expect(first.text.contains(#"id="count-no-email">Without an email address (no rich messages or emails): \#(noEmail).<"#))
            let second = try await api.get(try Self.nextLink(first.text, id: "members-next"))
            #expect(second.text.contains("Member 052") && !second.text.contains("Member 049"))
            #expect(second.text.contains("Members in all: \(size + 3)."), "the counts are the whole group's on every page")
        }
    }

    @Test func aMessageToManyShowsItsFirstDeliveriesAndSaysHowManyMore() async throws {
        let harness = try await Harness()
        let limit = APIEnvironment.messagePageDeliveries
        let to = (0..<(limit + 3)).map { "\"sms:+4791\(String(format: "%06d", $0))\"" }.joined(separator: ", ")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let sent = try await api.post("/api/v1/messages", #"{"to": [\#(to)], "text": "Road closed"}"#)
            #expect(sent.status == .accepted, "\(sent.text)")
            let id = try #require(try sent.json["id"].string)
            let page = try await api.get("/messages/\(id)")
            #expect(page.text.matches(of: /<tr data-id="/).count == limit)
            #expect(page.text.contains("The first \(limit) of \(limit + 3) deliveries are shown"))
        }
    }

    @Test func aMessageAnswersItsFirstDeliveriesWithCountsAndPagesTheRest() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        let first = APIEnvironment.messageDeliveryPage
        let to = (0..<(first + 5)).map { "\"sms:+4792\(String(format: "%06d", $0))\"" }.joined(separator: ", ")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let sent = try await api.post("/api/v1/messages", #"{"to": [\#(to)], "text": "Bridge open"}"#)
            #expect(sent.status == .accepted, "\(sent.text)")
            let id = try #require(try sent.json["id"].string)
            let ids = try #require(try await harness.store.message(id: id)).deliveries.map(\.id)
            #expect(ids.count == first + 5)
            _ = try await harness.store.setStatus(deliveryID: ids[first + 2], to: .cancelled, reason: "gone", by: "admin", now: Date())

            let message = try await api.get("/api/v1/messages/\(id)")
            #expect(message.status == .ok, "\(message.text)")
            #expect(try message.json["deliveries"].array.compactMap { $0["id"].string } == Array(ids.prefix(first)))
            #expect(try message.json["delivery_count"].int == first + 5)
            #expect(try message.json["delivery_counts"]["cancelled"].int == 1, "counts cover deliveries past the first page")
            #expect(try message.json["delivery_counts"]["queued"].int == first + 4)
            #expect(try message.json["delivery_counts"]["failed"].int == 0, "every status is counted, none as zero")
            let cursor = try #require(try message.json["deliveries_next_cursor"].string)
            let rest = try await api.get("/api/v1/messages/\(id)/deliveries?cursor=\(cursor)")
            #expect(try rest.json["items"].array.compactMap { $0["id"].string } == Array(ids.dropFirst(first)))
            #expect(try rest.json["next_cursor"].isNull, "the last page has no cursor")
            #expect(try await Self.walk(api, "/api/v1/messages/\(id)/deliveries?limit=37", key: "id") == ids, "every delivery once, in order")

            let small = try await api.get("/api/v1/messages/\(id)?limit=3").json
            #expect(small["deliveries"].array.count == 3 && small["delivery_count"].int == first + 5)
            let bad = try await api.get("/api/v1/messages/\(id)/deliveries?cursor=zz")
            #expect(bad.status == .badRequest && bad.errorMessage.contains("'cursor'"))
            #expect(try await api.get("/api/v1/messages/\(id)?limit=0").status == .badRequest)

            let alice = try await anonymous.login("alice", "user-secret-1")
            #expect(try await alice.get("/api/v1/messages/\(id)/deliveries").status == .notFound, "another's message stays unconfirmed")
        }
    }

    @Test func groupsAnswerASearchAPageAtATime() async throws {
        let harness = try await Harness()
        for name in ["Field North", "field-south", "ops", "shelter"] { try await harness.store.createGroup(ContactGroup(name: name)) }
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let found = try await api.get("/api/v1/groups?q=FIE&limit=1")
            #expect(found.status == .ok, "\(found.text)")
            #expect(try found.json["items"].array.compactMap { $0["name"].string } == ["Field North"])
            #expect(try await Self.walk(api, "/api/v1/groups?q=fie&limit=1", key: "name") == ["Field North", "field-south"])
            #expect(try await Self.walk(api, "/api/v1/groups?q=elt&limit=5", key: "name") == ["shelter"], "inside the name")
            #expect(try await Self.walk(api, "/api/v1/groups?q=&limit=5", key: "name").count == 4, "an empty search is every group")
        }
    }
}
