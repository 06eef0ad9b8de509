import Foundation
import Hummingbird
import Logging
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// A send request that names a template: rendered into subject, text and HTML, the HTML with
/// the data escaped; unknown templates and missing data are 400 and queue nothing.
@Suite struct TemplateTests {
    static let templates = [
        MessageTemplateSettings(
            name: "road-closed",
            subject: "Road closed: {{road}}",
            text: "{{road}} is closed at km {{km}}.{{#detour}} Detour: {{detour}}.{{/detour}}",
            html: "<p><b>{{road}}</b> is closed at km {{km}}.</p>{{#detour}}<p>Detour: {{detour}}</p>{{/detour}}"
        ),
        MessageTemplateSettings(name: "plain", text: "Hello {{name}}"),
    ]

    static func harness() async throws -> Harness {
        try await Harness { $0.templates = templates }
    }

    @Test func theTemplateIsRenderedIntoPlainTextAndEscapedHTML() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post(
                "/api/v1/messages",
                #"""
                {"to": ["mailto:ops@example.org"], "template": "road-closed",
                 "data": {"road": "R&D <road> \"4\"", "km": 12, "detour": "E6 & Rv 35"}}
                """#
            )
            #expect(reply.status == .accepted, "\(reply.text)")
            let id = try #require(try reply.json["id"].string)
            let message = try #require(try await harness.store.message(id: id)?.message)
            #expect(message.subject == "Road closed: R&D <road> \"4\"")
            #expect(message.text == "R&D <road> \"4\" is closed at km 12. Detour: E6 & Rv 35.")
            #expect(message.html == "<p><b>R&amp;D &lt;road&gt; &quot;4&quot;</b> is closed at km 12.</p><p>Detour: E6 &amp; Rv 35</p>")
            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent().first?.text == message.text)
        }
    }

    @Test func aSubjectInTheRequestWinsAndFalseHidesAnOptionalSection() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post(
                "/api/v1/messages",
                #"""
                {"to": ["sms:+4712345678"], "template": "road-closed", "subject": "Urgent",
                 "data": {"road": "Rv 4", "km": 3, "detour": false}}
                """#
            )
            #expect(reply.status == .accepted, "\(reply.text)")
            let id = try #require(try reply.json["id"].string)
            let message = try #require(try await harness.store.message(id: id)?.message)
            #expect(message.subject == "Urgent" && message.text == "Rv 4 is closed at km 3.")
        }
    }

    /// swift-mustache shows a section for any value but `false`, `null` and an empty list: an
    /// empty string opens it (and renders as nothing inside), so the docs say `false` or `null`.
    @Test(arguments: [
        (JSONValue.bool(false), "Rv 4 is closed at km 3."), (.null, "Rv 4 is closed at km 3."), (.array([]), "Rv 4 is closed at km 3."),
        (.string(""), "Rv 4 is closed at km 3. Detour: ."), (.string("E6"), "Rv 4 is closed at km 3. Detour: E6."),
    ])
    func onlyFalseNullOrAnEmptyListHideAnOptionalSection(detour: JSONValue, text: String) throws {
        let data = JSONValue.object(["road": .string("Rv 4"), "km": .number("3"), "detour": detour])
        #expect(try MessageTemplates(Self.templates).render("road-closed", data: data).text == text)
    }

    static let refusals: [BadInputTests.Case] = [
        .init(
            name: "unknown template",
            body: #"{"to": ["sms:+4712345678"], "template": "nope", "data": {}}"#,
            status: .badRequest,
            code: "unknown_template",
            mentions: "road-closed"
        ),
        .init(
            name: "no data",
            body: #"{"to": ["sms:+4712345678"], "template": "plain"}"#,
            status: .badRequest,
            code: "missing_data",
            mentions: "'data'"
        ),
        .init(
            name: "data not an object",
            body: #"{"to": ["sms:+4712345678"], "template": "plain", "data": ["x"]}"#,
            status: .badRequest,
            code: "missing_data",
            mentions: "an array"
        ),
        .init(
            name: "a name not in data",
            body: #"{"to": ["sms:+4712345678"], "template": "road-closed", "data": {"road": "Rv 4"}}"#,
            status: .badRequest,
            code: "missing_data",
            mentions: "'km', 'detour'"
        ),
        .init(
            name: "text with a template",
            body: #"{"to": ["sms:+4712345678"], "template": "plain", "data": {"name": "x"}, "text": "hi"}"#,
            status: .badRequest,
            code: "template_conflict",
            mentions: "'text'"
        ),
        .init(
            name: "data without a template",
            body: #"{"to": ["sms:+4712345678"], "text": "hi", "data": {"name": "x"}}"#,
            status: .badRequest,
            code: "unexpected_data",
            mentions: "'template'"
        ),
    ]

    @Test(arguments: refusals)
    func aBadTemplateRequestIs400AndQueuesNothing(_ c: BadInputTests.Case) async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post("/api/v1/messages", c.body)
            #expect(reply.status == c.status, "\(reply.text)")
            #expect(reply.errorCode == c.code, "\(reply.text)")
            #expect(reply.errorMessage.contains(c.mentions), "\(reply.errorMessage)")
        }
        try await harness.expectNothingQueued()
    }

    @Test func aTemplateThatDoesNotCompileIsAProblemNamedByItsKey() {
        var broken = MessageTemplateSettings(name: "broken", text: "{{#open}} never closed")
        broken.marks["text"] = ConfigMark(line: 7, column: 11)
        let problems = MessageTemplates.problems([broken]).map(\.description)
        #expect(problems == ["templates.broken.text (line 7): the Mustache template does not compile: expectedSectionEnd at line 1, column 23"])
        let html = MessageTemplates.problems([MessageTemplateSettings(name: "b", text: "ok", html: "<p>\n{{/x}}</p>")]).map(\.description)
        #expect(html.count == 1 && html[0].hasPrefix("templates.b.html: ") && html[0].contains("line 2"), "\(html)")
        #expect(MessageTemplates.problems(Self.templates).isEmpty)
    }

    /// `serve` refuses such a configuration before the application is built; an alert
    /// template that still reaches `TopicAlerts` stops the process instead of leaving the
    /// topic's alerts silently off.
    @Test func topicAlertsStopOnATemplateThatDoesNotCompile() async throws {
        await #expect(processExitsWith: .failure) {
            var chat = TopicDefinition(name: "chat", table: "chat")
            chat.alert = TopicAlertSettings(to: ["ops@example.org"], text: "{{body}")
            let hub = try await Harness().hub
            _ = TopicAlerts(hub: hub, topics: [chat], logger: Logger(label: "test"))
        }
        var chat = TopicDefinition(name: "chat", table: "chat")
        chat.alert = TopicAlertSettings(to: ["{{recipient}}"], subject: "{{user}}", text: "{{body}}", html: "<b>{{body}}</b>")
        let alerts = TopicAlerts(
            hub: try await Harness().hub,
            topics: [chat, TopicDefinition(name: "quiet", table: "quiet")],
            logger: Logger(label: "test")
        )
        #expect(alerts.templates.keys.sorted() == ["chat"])
    }

    @Test func aTopicAlertTemplateThatDoesNotCompileIsAProblemWithItsKeyAndLine() {
        var alert = TopicAlertSettings(to: ["ops@example.org", "{{#who}}"], subject: "{{user}} wrote", text: "{{body}", html: "<p>{{/body}}</p>")
        alert.marks = ["to[1]": ConfigMark(line: 5, column: 9), "text": ConfigMark(line: 7, column: 13), "html": ConfigMark(line: 8, column: 13)]
        var chat = TopicDefinition(name: "chat", table: "chat")
        chat.alert = alert
        var configuration = HubConfiguration()
        configuration.topics = [chat, TopicDefinition(name: "quiet", table: "quiet")]
        let problems = configuration.templateProblems.map(\.description)
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.first?.hasPrefix("topics.chat.alert.to[1] (line 5): the Mustache template does not compile: ") == true, "\(problems)")
        #expect(problems.dropFirst().first?.hasPrefix("topics.chat.alert.text (line 7): the Mustache template does not compile: ") == true)
        #expect(problems.last?.hasPrefix("topics.chat.alert.html (line 8): the Mustache template does not compile: ") == true)
        // A good alert, and templates beside it, pass.
        chat.alert = TopicAlertSettings(to: ["{{recipient}}"], subject: "{{user}}", text: "{{user}}: {{body}}", html: "<b>{{body}}</b>")
        configuration.topics = [chat]
        configuration.templates = Self.templates
        #expect(configuration.templateProblems.isEmpty)
    }
}
