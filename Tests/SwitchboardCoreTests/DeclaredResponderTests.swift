import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A declared responder run turn by turn through `ConversationSession`, as the engine runs
/// it: the questions in order, answers that do not fit, next by answer, what completion asks
/// for, `/replay`, and lists.
@Suite("Declared responders: running")
struct DeclaredResponderTests {
    static func responders(_ yaml: String, store: MemoryStore? = nil) throws -> [DeclaredResponder] {
        let parsed = ConfigLoader.parse(yaml: yaml, engines: [ConfigTestEngines.bucket], environment: ConfigEnvironment(variables: [:]))
        #expect(parsed.problems == [])
        let configuration = try #require(parsed.configuration)
        return configuration.responders.map {
            DeclaredResponder(definition: $0, render: ResponderDriver.render, directory: store, topicStore: store, topics: configuration.topics)
        }
    }

    /// The example file's `report`.
    static func report() throws -> DeclaredResponder {
        let parsed = ConfigLoader.parse(
            path: ConfigYAMLTests.examplePath,
            engines: [ConfigTestEngines.bucket],
            environment: ConfigEnvironment(variables: [:])
        )
        let definition = try #require(parsed.configuration?.responders.first { $0.name == "report" })
        return DeclaredResponder(definition: definition, render: ResponderDriver.render)
    }

    @Test func theExampleReportRunsFromKeywordToForm() async throws {
        var d = ResponderDriver(try Self.report())
        #expect(try await d.say("report") == ["What happened?"])
        #expect(d.conversation.nextStep == "what")
        #expect(try await d.say("Fire in the boathouse") == ["Where did it happen?"])
        #expect(d.conversation.listShortcut == "places")
        #expect(try await d.say("Harbour") == ["How many people are hurt? (a number)"])
        #expect(try await d.say("two") == ["Please answer with a number from 0 to 1000."])
        #expect(d.conversation.nextStep == "hurt" && d.conversation.status == .ongoing)
        #expect(try await d.say(" 2 ") == ["Fire in the boathouse at Harbour, 2 hurt. Is that right? (yes/no)"])
        #expect(d.effects.isEmpty)
        #expect(try await d.say("JA") == ["Thank you. Reported: Fire in the boathouse at Harbour, 2 hurt."])
        #expect(d.conversation.status == .complete)
        #expect(
            d.conversation.data == [
                "what": .string("Fire in the boathouse"), "place": .string("Harbour"), "hurt": .number(2), "confirm": .bool(true),
            ]
        )
        #expect(
            d.effects == [
                .form(
                    formID: "incident-report",
                    fields: [("what", "Fire in the boathouse"), ("place", "Harbour"), ("hurt", "2"), ("confirm", "true")]
                )
            ]
        )
    }

    @Test func aNoAtTheConfirmationGoesBackToTheFirstQuestion() async throws {
        var d = ResponderDriver(try Self.report())
        for answer in ["report", "Flood", "School", "0"] { _ = try await d.say(answer) }
        #expect(try await d.say("nei") == ["What happened?"])
        #expect(d.conversation.nextStep == "what" && d.conversation.status == .ongoing && d.effects.isEmpty)
        _ = try await d.say("Flooded cellar")
        _ = try await d.say("Town hall")
        _ = try await d.say("1")
        #expect(try await d.say("y") == ["Thank you. Reported: Flooded cellar at Town hall, 1 hurt."])
    }

    @Test func theLastAnswerThatDoesNotFitAbortsWithTheConfiguredMessage() async throws {
        var d = ResponderDriver(try Self.report())
        for answer in ["report", "Fire", "Harbour"] { _ = try await d.say(answer) }
        #expect(try await d.say("many") == ["Please answer with a number from 0 to 1000."])
        #expect(try await d.say("1001") == ["Please answer with a number from 0 to 1000."])
        #expect(try await d.say("-1") == ["The report was cancelled. Send REPORT to start again."])
        #expect(d.conversation.status == .aborted)
        #expect(d.conversation.endReason == "no answer to 'hurt' fitted in 3 tries")
        #expect(d.effects.isEmpty)
    }

    @Test func skipMovesOnWithoutAnAnswerAndDefaultMessagesSayWhatFits() async throws {
        let r = try Self.responders(
            """
            conversations:
              responders:
                visit:
                  keywords: [visit]
                  steps:
                    - {name: day, prompt: Which day?, expect: date, tries: 2, when_exhausted: skip, next: {"2026-12-24": eve, default: time}}
                    - {name: eve, prompt: Christmas Eve!, end: true}
                    - {name: time, prompt: What time?, expect: time, tries: 1}
                  on_complete: {summary: "Day {{day}} at {{time}}"}
            """
        )
        var d = ResponderDriver(r[0])
        #expect(try await d.say("visit") == ["Which day?"])
        #expect(try await d.say("31.02.2026") == ["Please answer with a date, e.g. 24.12.2026 or 2026-12-24."])
        #expect(try await d.say("soon") == ["What time?"])
        #expect(d.conversation.data == [:])
        #expect(try await d.say("noon") == ["That answer did not fit either; this conversation has ended. Send VISIT to start again."])
        #expect(d.conversation.status == .aborted)

        var again = ResponderDriver(r[0])
        _ = try await again.say("visit")
        #expect(try await again.say("24/12/2026") == ["Christmas Eve!"])
        #expect(try await again.say("anything") == ["Day 2026-12-24 at "])
        var other = ResponderDriver(r[0])
        _ = try await other.say("visit")
        _ = try await other.say("2026-12-25")
        #expect(try await other.say("2:30 pm") == ["Day 2026-12-25 at 14:30"])
    }

    @Test func aChoiceLeadsByItsAnswerAndSavesWhereToldAndCompletionSendsAndPostsARow() async throws {
        let r = try Self.responders(
            """
            topics:
              incidents: {columns: {kind: TEXT, hurt: INTEGER, ok: BOOLEAN}}
            conversations:
              responders:
                alarm:
                  steps:
                    - {name: kind, prompt: "1 Fire, 2 Flood, 3 Other?", expect: choice, options: [Fire, Flood, Other], save_as: incident.kind,
                       next: {fire: hurt, default: end}}
                    - {name: hurt, prompt: Hurt?, expect: integer, save_as: incident.hurt}
                  on_complete:
                    summary: "{{incident.kind}}"
                    send: {to: [group:field-team], subject: "Alarm: {{incident.kind}}", text: "{{_from}}: {{incident.kind}}, {{incident.hurt}} hurt"}
                    topic_row: {topic: incidents, values: {kind: "{{incident.kind}}", hurt: "{{incident.hurt}}", ok: "true"}}
            """
        )
        var fire = ResponderDriver(r[0])
        _ = try await fire.say("/new alarm")
        #expect(try await fire.say("fi") == ["Hurt?"])
        #expect(try await fire.say("3") == ["Fire"])
        #expect(fire.conversation.data == ["incident": .object(["kind": .string("Fire"), "hurt": .number(3)])])
        #expect(
            fire.effects == [
                .send(SendRequest(to: ["group:field-team"], text: "sms:+4712345678: Fire, 3 hurt", subject: "Alarm: Fire")),
                .topicRow(topic: "incidents", values: ["kind": .string("Fire"), "hurt": .number(3), "ok": .bool(true)]),
            ]
        )
        var flood = ResponderDriver(r[0])
        _ = try await flood.say("alarm")
        #expect(try await flood.say("2") == ["Flood"])
        #expect(flood.conversation.status == .complete)
        var other = ResponderDriver(r[0])
        _ = try await other.say("alarm")
        #expect(try await other.say("f") == ["Please answer with one of: 1 Fire, 2 Flood, 3 Other."])
        #expect(try await other.say("OTHER") == ["Other"])
    }

    @Test func aReplayRepeatsEveryReplyAndChangesNothing() async throws {
        var d = ResponderDriver(try Self.report())
        var said: [String] = []
        for answer in ["report", "Fire", "Harbour", "x", "y", "4", "yes"] { said += try await d.say(answer) }
        #expect(d.conversation.status == .complete)
        let replay = try await d.replay()
        #expect(replay.replies == said)
        #expect(replay.effects.isEmpty)
        #expect(replay.data.allSatisfy { $0 == d.conversation.data })
    }

    @Test func aStepNoLongerDeclaredEndsTheConversationClearly() async throws {
        let report = try Self.report()
        var d = ResponderDriver(report)
        _ = try await d.say("report")
        d.conversation.nextStep = "removed"
        #expect(try await d.say("x") == ["This conversation cannot go on: the hub's configuration changed. Send REPORT to start again."])
        #expect(d.conversation.status == .aborted)
    }

    @Test func listsShowOptionsAGroupsMembersAndATopicsLatestRows() async throws {
        let store = MemoryStore()
        let r = try Self.responders(
            """
            topics:
              incidents: {columns: {what: TEXT, place: TEXT}}
            conversations:
              responders:
                lists:
                  steps: [{name: a, prompt: p}]
                  lists:
                    places: {options: [Harbour, School]}
                    team: {group: field-team}
                    gone: {group: no-such-group}
                    recent: {topic: incidents, limit: 2}
                    latest: {topic: incidents, limit: 1, text: "{{what}} at {{place}}"}
            """,
            store: store
        )
        let topic = TopicDefinition(name: "incidents", columns: [TopicColumn(name: "what", type: .text), TopicColumn(name: "place", type: .text)])
        try await store.prepareTopics([topic])
        for (i, (what, place)) in [("Fire", "Harbour"), ("Flood", "School"), ("Storm", "Pier")].enumerated() {
            let row = TopicRow([
                "id": .text("r\(i)"), "user": .null, "timestamp": .text(TopicTime.format(Date())), "what": .text(what), "place": .text(place),
            ])
            _ = try await store.insert(row, into: topic)
        }
        try await store.createGroup(ContactGroup(name: "field-team"))
        for name in ["bo", "Anna"] {
            let contact = Contact(name: name)
            try await store.createContact(contact)
            try await store.addMember(group: "field-team", contactID: contact.id)
        }
        let responder = r[0]
        #expect(responder.lists == ["places", "team", "gone", "recent", "latest"])
        #expect(try await responder.list("places", session: nil) == ["Harbour", "School"])
        #expect(try await responder.list("team", session: nil) == ["Anna", "bo"])
        #expect(try await responder.list("recent", session: nil) == ["Storm, Pier", "Flood, School"])
        #expect(try await responder.list("latest", session: nil) == ["Storm at Pier"])
        #expect(try await responder.list("nope", session: nil) == [])
        await #expect(throws: SwitchboardError.notFound("group_not_found", "list 'gone' shows group 'no-such-group', which does not exist")) {
            try await responder.list("gone", session: nil)
        }
    }
}

@Suite("Declared responders: groups")
struct DeclaredResponderGroupTests {
    @Test func groupsThatDoNotExistAreNamedWithTheirResponderAndPlace() async throws {
        let store = MemoryStore()
        let responders = try DeclaredResponderTests.responders(
            """
            conversations:
              responders:
                r:
                  steps: [{name: a, prompt: p}]
                  lists:
                    team: {group: field-team}
                    night: {group: night-shift}
                  on_complete:
                    send: {to: [group:night-shift, group:field-team, "sms:+4712345678"], text: x}
            """
        ).map(\.definition)
        try await store.createGroup(ContactGroup(name: "field-team"))
        #expect(
            try await DeclaredResponderDefinition.missingGroups(responders, in: store) == [
                "conversations.responders.r.lists.night: group 'night-shift' does not exist",
                "conversations.responders.r.on_complete.send.to: group 'night-shift' does not exist",
            ]
        )
        try await store.createGroup(ContactGroup(name: "night-shift"))
        #expect(try await DeclaredResponderDefinition.missingGroups(responders, in: store) == [])
    }
}
