import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// `/api/v1/conversations`: an admin lists, reads and ends any conversation, a plain user only
/// their own (another's is 404); an abort is one turn with a notice to the party.
@Suite struct ConversationRoutesTests {
    /// Stores a conversation as a turn would (the engine is not needed to read or end one).
    @discardableResult
    static func stored(
        _ harness: Harness,
        responder: String = "report",
        connector: String = "tester",
        address: Address = .sms("+4712345678"),
        username: String? = nil,
        status: ConversationStatus = .ongoing,
        startedAt: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) async throws -> Conversation {
        let conversation = Conversation(
            connector: connector,
            address: address,
            username: username,
            responder: responder,
            status: status,
            startedAt: startedAt,
            stepCount: 1,
            nextStep: status == .ongoing ? "what" : nil,
            data: ["firstName": .string("Kari"), "count": .number(2), "where": .object(["lat": .number(59.9), "tags": .array([.bool(true)])])],
            expiresAt: startedAt.addingTimeInterval(600)
        )
        let transcript = [
            ConversationEntry(direction: .inbound, text: "report", at: startedAt, messageID: "m-1", step: "start"),
            ConversationEntry(direction: .outbound, text: "What happened? 🚒", at: startedAt),
        ]
        _ = try await harness.store.commitTurn(
            ConversationTurn(writes: [ConversationWrite(conversation: conversation, expectedRevision: nil, appending: transcript)])
        )
        return conversation
    }

    static func ids(_ reply: Reply) throws -> [String] { try reply.json["items"].array.compactMap { $0["id"].string } }

    @Test func anAdminListsWithFiltersAndPages() async throws {
        let harness = try await Harness()
        let day = Date(timeIntervalSince1970: 1_767_225_600)
        let a = try await Self.stored(harness, username: "bob", startedAt: day)
        let b = try await Self.stored(harness, responder: "survey", address: .sms("+4722222222"), status: .complete, startedAt: day + 1)
        let c = try await Self.stored(harness, address: .email("kari@example.org"), username: "alice", status: .aborted, startedAt: day + 2)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            #expect(try Self.ids(try await admin.get("/api/v1/conversations")) == [c.id, b.id, a.id])
            #expect(try Self.ids(try await admin.get("/api/v1/conversations?status=complete")) == [b.id])
            #expect(try Self.ids(try await admin.get("/api/v1/conversations?responder=report")) == [c.id, a.id])
            #expect(try Self.ids(try await admin.get("/api/v1/conversations?connector=tester&address=sms:%2B4712345678")) == [a.id])
            #expect(try Self.ids(try await admin.get("/api/v1/conversations?connector=other")) == [])

            let first = try await admin.get("/api/v1/conversations?limit=2")
            #expect(try Self.ids(first) == [c.id, b.id])
            let cursor = try #require(try first.json["next_cursor"].string)
            let second = try await admin.get("/api/v1/conversations?limit=2&cursor=\(cursor)")
            #expect(try Self.ids(second) == [a.id])
            #expect(try second.json["next_cursor"].isNull)
            #expect(try second.json["items"][0].keys.contains("transcript") == false, "a listing shows no transcript")

            for bad in ["cursor=nope", "status=paused", "address=not%20an%20address", "address=", "limit=0", "sort=asc"] {
                let reply = try await admin.get("/api/v1/conversations?\(bad)")
                #expect(reply.status == .badRequest, "\(bad)")
            }
            #expect(try await admin.get("/api/v1/conversations?cursor=nope").errorCode == "invalid_parameter")
            #expect(try await anonymous.get("/api/v1/conversations").status == .unauthorized)
        }
    }

    @Test func theDetailShowsTranscriptStepsAndDataAsStored() async throws {
        let harness = try await Harness()
        let c = try await Self.stored(harness, username: "bob")
        try await harness.run { anonymous in
            let json = try await anonymous.loginAdmin().get("/api/v1/conversations/\(c.id)").json
            #expect(json["status"].string == "ongoing")
            #expect(json["next_step"].string == "what")
            #expect(json["username"].string == "bob")
            #expect(json["revision"].int == 1)
            #expect(json["steps"].array.compactMap(\.string) == ["start"])
            #expect(json["transcript"].array.map { $0["direction"].string } == ["inbound", "outbound"])
            #expect(json["transcript"][1]["text"].string == "What happened? 🚒")
            #expect(json["transcript"][1]["message_id"].isNull)
            #expect(json["transcript"].array.map { $0["seq"].int } == [1, 2])
            #expect(json["transcript"][0]["step"].string == "start" && json["transcript"][1]["step"].isNull)
            #expect(json["transcript_next"].isNull, "the whole transcript is in the page")
            #expect(json["data"]["firstName"].string == "Kari", "data's member names are kept, not snake-cased")
            #expect(json["data"]["where"]["tags"][0].bool == true)
            #expect(json["list_shortcut"].isNull)
            #expect(json["ended_by"].isNull)
        }
    }

    @Test func aUserSeesReadsAndEndsOnlyTheirOwn() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let bobs = try await Self.stored(harness, username: "bob")
        let alices = try await Self.stored(harness, address: .sms("+4733333333"), username: "alice")
        let nobodys = try await Self.stored(harness, address: .sms("+4744444444"))
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            #expect(try Self.ids(try await alice.get("/api/v1/conversations")) == [alices.id])
            #expect(try Self.ids(try await alice.get("/api/v1/conversations?address=sms:%2B4712345678")) == [])
            for other in [bobs, nobodys] {
                let read = try await alice.get("/api/v1/conversations/\(other.id)")
                #expect(read.status == .notFound)
                #expect(read.errorCode == "conversation_not_found")
                #expect(try await alice.post("/api/v1/conversations/\(other.id)/abort", #"{"reason":"mine now"}"#).status == .notFound)
            }
            #expect(try await alice.get("/api/v1/conversations/\(alices.id)").status == .ok)
            #expect(try await anonymous.post("/api/v1/conversations/\(bobs.id)/abort", #"{"reason":"x"}"#).status == .unauthorized)
        }
        #expect(try await harness.store.conversation(id: bobs.id)?.status == .ongoing, "refused aborts changed nothing")
        #expect(try await harness.store.conversation(id: nobodys.id)?.revision == 1)
        try await harness.expectNothingQueued()
    }

    @Test func anAbortEndsTheConversationAndTellsTheParty() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        let c = try await Self.stored(harness, username: "bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let reply = try await bob.post("/api/v1/conversations/\(c.id)/abort", #"{"reason":"  stuck in a loop  "}"#)
            #expect(reply.status == .ok)
            let json = try reply.json
            #expect(json["status"].string == "aborted")
            #expect(json["end_reason"].string == "stuck in a loop")
            #expect(json["ended_by"].string == "bob")
            #expect(json["next_step"].isNull)
            #expect(json["revision"].int == 2)
            let notice = json["transcript"][2]
            #expect(notice["direction"].string == "outbound")
            #expect(notice["text"].string == Hub.abortNotice(responder: "report"))
            let noticeID = try #require(notice["message_id"].string)

            let again = try await bob.post("/api/v1/conversations/\(c.id)/abort", #"{"reason":"twice"}"#)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "conversation_finished")
            #expect(try await bob.get("/api/v1/conversations/\(c.id)").json["end_reason"].string == "stuck in a loop")

            await harness.hub.dispatcher.drain()
            let sent = harness.tester.sent(to: .sms("+4712345678"))
            #expect(sent.map(\.messageID) == [noticeID], "one notice, and the refused second abort sent nothing")
            #expect(sent.first?.sender == "connector:tester")
            #expect(sent.first?.text.contains("stuck") == false, "the operator's reason is not told to the party")
        }
        let stored = try #require(try await harness.store.conversation(id: c.id))
        #expect(stored.status == .aborted && stored.endedBy == "bob" && stored.revision == 2)
        let record = try await harness.store.message(id: try await harness.store.wholeTranscript(conversationID: c.id).last?.messageID ?? "")
        #expect(record?.deliveries.first?.pinnedConnector == "tester", "the notice leaves on the conversation's connector")
    }

    @Test func anAdminEndsAnyonesAndBadReasonsChangeNothing() async throws {
        let harness = try await Harness()
        let c = try await Self.stored(harness, username: "bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let refusals: [(String, HTTPResponse.Status, String)] = [
                (#"{"reason":"   "}"#, .unprocessableContent, "invalid_reason"),
                (#"{"reason":"\#(String(repeating: "x", count: 501))"}"#, .unprocessableContent, "invalid_reason"),
                (#"{}"#, .badRequest, "invalid_json"),
                (#"{"reason":"ok","why":"extra"}"#, .badRequest, "unknown_field"),
                (#"{"reason":null}"#, .badRequest, "invalid_json"),
            ]
            for (body, status, code) in refusals {
                let reply = try await admin.post("/api/v1/conversations/\(c.id)/abort", body)
                #expect(reply.status == status, "\(body.prefix(40)): \(reply.text)")
                #expect(reply.errorCode == code, "\(body.prefix(40)): \(reply.text)")
            }
            #expect(try await admin.post("/api/v1/conversations/missing/abort", #"{"reason":"x"}"#).status == .notFound)
            #expect(try await harness.store.conversation(id: c.id)?.revision == 1, "refused aborts changed nothing")
            let reply = try await admin.post("/api/v1/conversations/\(c.id)/abort", #"{"reason":"operator cleanup"}"#)
            #expect(try reply.json["ended_by"].string == "admin")
        }
    }
}
