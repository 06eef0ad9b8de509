import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The declared responders' texts through the real Mustache renderer: compiled at start with
/// every broken one reported by its key path and line, rendered as plain text over nested
/// data with missing names left empty.
@Suite("Declared responders: templates")
struct ResponderTemplateTests {
    static func definition(prompt: String, summary: String) -> DeclaredResponderDefinition {
        DeclaredResponderDefinition(
            name: "report",
            keywords: ["report"],
            steps: [DeclaredStep(name: "confirm", prompt: prompt, expect: .yesNo(yes: [], no: []), saveAs: DataPath(["answer", "ok"]))],
            completion: DeclaredCompletion(summary: summary),
            templates: [
                DeclaredTemplate(path: "conversations.responders.report.steps[0].prompt", mark: ConfigMark(line: 6, column: 19), source: prompt),
                DeclaredTemplate(path: "conversations.responders.report.on_complete.summary", mark: ConfigMark(line: 9, column: 18), source: summary),
            ]
        )
    }

    @Test func aResponderTemplateThatDoesNotCompileIsAProblemWithItsKeyAndLine() {
        var configuration = HubConfiguration()
        configuration.responders = [Self.definition(prompt: "{{what}}?", summary: "{{#what}} never closed")]
        let problems = configuration.templateProblems.map(\.description)
        #expect(
            problems == [
                "conversations.responders.report.on_complete.summary (line 9): the Mustache template does not compile: expectedSectionEnd at line 1, column 23"
            ]
        )
        configuration.responders = [Self.definition(prompt: "{{what}}?", summary: "{{#what}}closed{{/what}}")]
        #expect(configuration.templateProblems.isEmpty)
    }

    @Test func promptsAndSummariesRenderAsPlainTextOverNestedDataWithMissingNamesEmpty() async throws {
        var configuration = HubConfiguration()
        configuration.responders = [
            Self.definition(
                prompt: "{{incident.what}} at {{incident.place}}, {{hurt}} hurt{{#unknown}} (never){{/unknown}}. Right?",
                summary: "{{#answer.ok}}Sent{{/answer.ok}} by {{_from}}{{missing}}."
            )
        ]
        let responder = try #require(ResponderTemplates.responders(configuration, store: MemoryStore()).first)
        let data: [String: SwitchboardCore.JSONValue] = [
            "incident": .object(["what": .string("Fire at R&D <lab>"), "place": .string("Harbour")]), "hurt": .number(2),
        ]
        var conversation = Conversation(connector: "tester", address: .sms("+4712345678"), responder: "report", startedAt: Date(), data: data)
        let start = ConversationSession(conversation: conversation, text: "report", receivedAt: Date(), replyOnly: false)
        try await responder.run(step: responder.firstStep, session: start, replyOnly: false)
        #expect(start.replies == ["Fire at R&D <lab> at Harbour, 2 hurt. Right?"])
        conversation.nextStep = "confirm"
        let confirm = ConversationSession(conversation: conversation, text: "yes", receivedAt: Date(), replyOnly: false)
        try await responder.run(step: "confirm", session: confirm, replyOnly: false)
        #expect(confirm.replies == ["Sent by sms:+4712345678."])
        #expect(confirm.outcome == .complete)
    }
}
