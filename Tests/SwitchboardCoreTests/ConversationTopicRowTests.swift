import Foundation
import SwitchboardTesting
import Testing

@testable import SwitchboardCore

/// A step's `.topicRow` effect: posted after its turn commits, through the topic's pipeline,
/// under an id made from the conversation and the step, so posting it again adds nothing.
@Suite("Conversations: topic rows")
struct ConversationTopicRowTests {
    struct Reporter: Responder {
        let name = "incident"
        let summary = "one-line incident"
        let help = "incident TEXT"
        let keywords = ["incident"]
        let firstStep = "only"
        func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
            session.perform(.topicRow(topic: "incidents", values: ["what": .string(session.text), "hurt": .string("3")]))
            session.reply("Posted.")
            session.complete()
        }
    }

    static let incidents = TopicDefinition(
        name: "incidents",
        columns: [TopicColumn(name: "what", type: .text), TopicColumn(name: "hurt", type: .integer)]
    )

    @Test func aStepsRowIsPostedOnceAfterItsTurnCommitted() async throws {
        let hub = makeConversationHub(responders: [Reporter()])
        let topics = TopicHub(topics: [Self.incidents], store: hub.memory)
        let posts = StepLog()
        let engine = try #require(hub.conversations)
        engine.topicPoster = { topic, rowID, values in
            posts.append(rowID)
            try await topics.postConversationRow(topic: topic, rowID: rowID, values: values)
        }
        try await ConversationScript(hub: hub).run("+4712345678 > incident Flood at the quay\n< Posted.")

        let conversation = try #require(try await hub.conversations(of: .sms("+4712345678")).first)
        let rowID = try #require(posts.all.first)
        #expect(posts.all.count == 1 && rowID.hasPrefix(conversation.id))
        let rows = try await hub.memory.history(of: Self.incidents, query: TopicQuery(), limit: 10).rows
        #expect(rows.map(\.id) == [rowID])
        #expect(rows.first?["what"] == .text("incident Flood at the quay") && rows.first?["hurt"] == .integer(3))
        #expect(rows.first?.user == "conversations")

        // Posted again (the hub died after posting, before it knew): the row is not doubled.
        let again = try await topics.postConversationRow(topic: "incidents", rowID: rowID, values: ["what": .string("x")])
        #expect(again == nil)
        #expect(try await hub.memory.history(of: Self.incidents, query: TopicQuery(), limit: 10).rows.count == 1)
    }

    @Test func withoutAPosterTheTurnStillCommits() async throws {
        let hub = makeConversationHub(responders: [Reporter()])
        try await ConversationScript(hub: hub).run("+4712345678 > incident Flood\n< Posted.")
        #expect(try await hub.conversations(of: .sms("+4712345678")).first?.status == .complete)
    }
}
