import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Message template configuration")
struct TemplateConfigTests {
    @Test func readsInlineTemplatesAndFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("alarm.html")
        try Data("<p>{{what}}</p>\n".utf8).write(to: html)
        let parsed = ConfigTestEngines.parse(
            """
            templates:
              alarm:
                subject: "Alarm: {{what}}"
                text: "{{what}} at {{where}}"
                html_file: \(html.path)
              short:
                text: "{{what}}"
            """
        )
        #expect(parsed.problems == [])
        let templates = try #require(parsed.configuration?.templates)
        #expect(
            templates == [
                MessageTemplateSettings(name: "alarm", subject: "Alarm: {{what}}", text: "{{what}} at {{where}}", html: "<p>{{what}}</p>\n"),
                MessageTemplateSettings(name: "short", text: "{{what}}"),
            ]
        )
    }

    @Test func everyProblemIsNamedByItsKey() {
        let parsed = ConfigTestEngines.parse(
            """
            templates:
              no-text:
                subject: s
              both:
                text: a
                text_file: /etc/hostname
              gone:
                text: a
                html_file: /no/such/template.html
              typo:
                txt: a
                text: b
              Bad Name:
                text: a
            """
        )
        let paths = Set(parsed.problems.map(\.path))
        #expect(
            paths == ["templates.no-text.text", "templates.both.text_file", "templates.gone.html_file", "templates.typo.txt", "templates.Bad Name"]
        )
        #expect(parsed.problems.first { $0.path == "templates.gone.html_file" }?.message.contains("/no/such/template.html") == true)
        #expect(parsed.configuration == nil)
    }
}
