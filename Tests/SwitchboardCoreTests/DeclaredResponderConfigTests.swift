import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `conversations.responders`: a good declaration becomes the definition the responder runs,
/// and a bad one is refused with every problem, each with its key path and line.
@Suite("Declared responders: configuration")
struct DeclaredResponderConfigTests {
    static func parse(_ yaml: String) -> ParsedConfiguration {
        ConfigLoader.parse(yaml: yaml, engines: [ConfigTestEngines.bucket], environment: ConfigEnvironment(variables: [:]))
    }

    static func problems(_ yaml: String) -> [String] { parse(yaml).problems.map(\.description) }

    @Test func theExampleFilesResponderReadsAsDeclared() throws {
        let parsed = ConfigLoader.parse(
            path: ConfigYAMLTests.examplePath,
            engines: [ConfigTestEngines.bucket],
            environment: ConfigEnvironment(variables: [:])
        )
        #expect(parsed.problems == [])
        let report = try #require(parsed.configuration?.responders.first)
        #expect(report.name == "report" && report.keywords == ["report"] && report.idleTimeout == 1800)
        #expect(report.steps.map(\.name) == ["what", "where", "hurt", "confirm"])
        #expect(report.steps[0].expect == .text(maxLength: 160))
        #expect(report.steps[0].next == .step("where"))
        #expect(report.steps[1].saveAs == DataPath(["place"]) && report.steps[1].list == "places")
        #expect(report.steps[2].expect == .integer(min: 0, max: 1000))
        #expect(report.steps[2].whenExhausted == .abort(message: "The report was cancelled. Send REPORT to start again."))
        #expect(report.steps[3].expect == .yesNo(yes: ["ja"], no: ["nei"]))
        #expect(report.steps[3].next == .byAnswer(["yes": .end, "no": .step("what")], otherwise: nil))
        #expect(report.lists == [DeclaredList(name: "places", source: .options(["Harbour", "School", "Town hall"]))])
        #expect(report.completion.formID == "incident-report")
        #expect(report.completion.summary == "Thank you. Reported: {{what}} at {{place}}, {{hurt}} hurt.")
        // Every template with its key path, for the server to compile.
        #expect(report.templates.map(\.path).contains("conversations.responders.report.steps[3].prompt"))
        #expect(report.templates.first { $0.path.hasSuffix("on_complete.summary") }?.mark?.line != nil)
    }

    @Test func everyKindOfAnswerAndCompletionIsRead() throws {
        let parsed = Self.parse(
            """
            topics:
              incidents: {columns: {what: TEXT, hurt: INTEGER}}
            conversations:
              responders:
                all:
                  keywords: [All, tout]
                  steps:
                    - {name: d, prompt: p, expect: decimal, min: -1.5, max: 2}
                    - {name: c, prompt: p, expect: choice, options: [Fire, Flood], next: {fire: t, flood: end}}
                    - {name: t, prompt: p, expect: time, save_as: when.time, when_exhausted: skip, next: {"14:00": e, default: e}}
                    - {name: e, prompt: p, expect: email, tries: 1}
                    - {name: ph, prompt: p, expect: phone, country_code: "47"}
                    - {name: da, prompt: p, expect: date, day_first: false, save_as: when.day}
                    - {name: pa, prompt: p, expect: pattern, pattern: "[A-Z]{3}", end: true}
                  lists:
                    team: {group: field-team}
                    recent: {topic: incidents, limit: 5, text: "{{what}}"}
                  on_complete:
                    send: {to: [group:field-team, "sms:+4712345678"], text: "{{what}}", subject: s}
                    topic_row: {topic: incidents, values: {what: "{{c}}", hurt: "1"}}
            """
        )
        #expect(parsed.problems == [])
        let r = try #require(parsed.configuration?.responders.first)
        #expect(r.keywords == ["all", "tout"])
        #expect(
            r.steps.map(\.expect) == [
                .decimal(min: -1.5, max: 2), .choice(["Fire", "Flood"]), .time, .email, .phone(countryCode: "47"), .date(dayFirst: false),
                .pattern("[A-Z]{3}"),
            ]
        )
        #expect(r.steps[1].next == .byAnswer(["fire": .step("t"), "flood": .end], otherwise: nil))
        #expect(r.steps[2].next == .byAnswer(["14:00": .step("e")], otherwise: .step("e")))
        #expect(r.steps[2].saveAs == DataPath(["when", "time"]) && r.steps[2].whenExhausted == .skip)
        #expect(r.steps[3].tries == 1 && r.steps[3].next == .step("ph"))
        #expect(r.steps[6].next == .end)
        #expect(
            r.lists == [
                DeclaredList(name: "team", source: .group("field-team")),
                DeclaredList(name: "recent", source: .topic("incidents", text: "{{what}}", limit: 5)),
            ]
        )
        #expect(r.completion.send == .init(to: ["group:field-team", "sms:+4712345678"], text: "{{what}}", subject: "s"))
        #expect(r.completion.topicRow == .init(topic: "incidents", values: [("what", "{{c}}"), ("hurt", "1")]))
    }

    @Test func badDeclarationsAreAllReportedWithKeyPathAndLine() {
        let problems = Self.problems(
            """
            conversations:
              responders:
                one:
                  keywords: [report, "two words"]
                  steps:
                    - {name: a, prompt: p, next: nowhere}
                    - {name: a, prompt: p, expect: choice, options: []}
                    - {name: b, prompt: p, expect: integer, min: 5, max: 1}
                    - {name: c, prompt: p, expect: pattern, pattern: "(unclosed"}
                    - {name: d, prompt: p, expect: colour}
                    - {name: e, prompt: p, max_length: 5, expect: integer}
                    - {name: f, prompt: p, expect: choice, options: [x, y], next: {x: end}}
                    - {name: g, prompt: p, expect: yes_no, next: {maybe: end, default: end}, list: nolist}
                    - {name: _h, prompt: p, save_as: a.b}
                  on_complete:
                    topic_row: {topic: nosuch, values: {x: y}}
                two:
                  keywords: [Report]
                  lists:
                    l: {topic: nosuch}
                  steps:
                    - {name: a}
            """
        )
        #expect(
            problems == [
                "conversations.responders.one.keywords (line 4): 'two words' is not a single word",
                "conversations.responders.one.steps[0].next (line 6): unknown step 'nowhere'; steps: a, a, b, c, d, e, f, g, _h, or end",
                "conversations.responders.one.steps[1].name (line 7): step 'a' is declared twice",
                "conversations.responders.one.steps[1].options (line 7): must list at least one option",
                "conversations.responders.one.steps[2].max (line 8): 1 is less than min 5",
                "conversations.responders.one.steps[3].pattern (line 9): " + Self.regexProblem("(unclosed"),
                "conversations.responders.one.steps[4].expect (line 10): 'colour' is not one of: text, integer, decimal, choice, yes_no, date, time, phone, email, pattern",
                "conversations.responders.one.steps[5].max_length (line 11): applies only to expect: text",
                "conversations.responders.one.steps[6].next (line 12): add a default: the step to go to for answers not listed (a step name, or end)",
                "conversations.responders.one.steps[7].next.maybe (line 13): 'maybe' is not an answer step 'g' accepts",
                "conversations.responders.one.steps[7].list (line 13): unknown list 'nolist'; this responder's lists: none",
                "conversations.responders.one.steps[8].name (line 14): step name must be 1-64 characters of a-z, 0-9, '_' or '-', not starting with '_', and not 'end'",
                "conversations.responders.one.steps[8].save_as (line 14): 'a.b' overlaps 'a', where step 'a' saves; one would overwrite the other",
                "conversations.responders.one.on_complete.topic_row.topic (line 16): unknown topic 'nosuch'; configured topics: none",
                "conversations.responders.two.keywords (line 18): 'report' is already a keyword of responder 'one'",
                "conversations.responders.two.lists.l.topic (line 20): unknown topic 'nosuch'; configured topics: none",
                "conversations.responders.two.steps[0].prompt (line 22): missing",
            ]
        )
    }

    @Test func listNamesAreUniqueAcrossRespondersAndAListHasOneSource() {
        let problems = Self.problems(
            """
            conversations:
              responders:
                one:
                  steps: [{name: a, prompt: p}]
                  lists:
                    places: {options: [x]}
                    both: {options: [x], group: g}
                    stray: {group: g, limit: 3}
                two:
                  steps: [{name: a, prompt: p, expect: time, when_exhausted: skip, next: {"25:00": end}}]
                  lists:
                    places: {options: [y]}
                three: {}
            """
        )
        #expect(
            problems == [
                "conversations.responders.one.lists.both (line 7): give exactly one of options, group or topic",
                "conversations.responders.one.lists.stray.limit (line 8): applies only to a list of a topic's rows",
                "conversations.responders.two.steps[0].next.25:00 (line 10): '25:00' is not an answer step 'a' accepts",
                "conversations.responders.two.steps[0].next (line 10): add a default: the step to go to for answers not listed (a step name, or end)",
                "conversations.responders.two.steps[0].when_exhausted (line 10): skip needs next.default: the step to go to when no answer fitted",
                "conversations.responders.two.lists (line 12): list 'places' is already declared by responder 'one'; /list names one list",
                "conversations.responders.three.steps (line 13): missing; list the questions, each with a name and a prompt",
            ]
        )
    }

    @Test func anUnknownKeyInAStepOrUnderConversationsIsRefused() {
        let problems = Self.problems(
            """
            conversations:
              responders:
                one:
                  steps: [{name: a, prompt: p, promt: q}]
              responder: {}
            """
        )
        #expect(
            problems == [
                "conversations.responders.one.steps[0].promt (line 4): unknown key",
                "conversations.responder (line 5): unknown key",
            ]
        )
    }

    static func regexProblem(_ source: String) -> String {
        do {
            _ = try Regex(source)
            return "compiles"
        } catch {
            return "'\(source)' is not a regular expression: \(error)"
        }
    }
}
