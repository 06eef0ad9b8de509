import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Topic configuration")
struct TopicConfigTests {
    @Test func readsAFullTopic() throws {
        let parsed = ConfigTestEngines.parse(
            """
            topics:
              chat:
                path: /ws/chat
                columns: {body: TEXT, recipient: text, topic: TEXT, length: INTEGER, urgent: BOOLEAN, due: TIMESTAMP}
                read: {roles: [user, admin], anonymous: true}
                write: {users: [alice]}
                history_limit: 50
                message_default:
                  POST: {length: $length.body, recipient: all}
                open: {recipient: $user.id, "timestamp>=": "2023-04"}
                prepare:
                  - require: [body]
                  - max_length: {body: 280}
                    message: too long
                  - restrict: {field: topic, values: [alerts], roles: [ops]}
                    message: only ops may post alerts
                modify: {shout: $field.body}
                alert:
                  to: ["{{recipient}}@example.org"]
                  subject: "Message: {{body}}"
                  text: "{{user}}: {{body}}"
                  methods: [POST, DELETE]
            """
        )
        #expect(parsed.problems == [])
        let t = try #require(parsed.configuration?.topics.first)
        #expect(t.path == "/ws/chat" && t.table == "chat" && t.historyLimit == 50)
        #expect(t.columns.map(\.type) == [.text, .text, .text, .integer, .boolean, .timestamp])
        #expect(t.read.anonymous && t.write == TopicAccess(users: ["alice"]))
        #expect(t.defaults[.post]?.map(\.field) == ["length", "recipient"])
        #expect(t.defaults[.post]?.first?.source == .length("body"))
        #expect(
            t.open == [
                TopicFilterTemplate(column: "recipient", op: .equal, source: .userID),
                TopicFilterTemplate(column: "timestamp", op: .greaterOrEqual, source: .constant("2023-04")),
            ]
        )
        #expect(t.prepare.count == 3 && t.groupRoles == ["ops"])
        #expect(t.alert?.methods == [.post, .delete])
    }

    @Test func reportsEveryMistakeWithItsPath() {
        let parsed = ConfigTestEngines.parse(
            """
            topics:
              chat:
                table: "bad name"
                columns: {id: TEXT, body: BLOB, _x: TEXT}
                message_default:
                  PATCH: {}
                  POST: {nope: $now, body: $eval(1)}
                prepare:
                  - require: [missing]
                  - sometimes: true
                colour: blue
            """
        )
        let paths = Set(parsed.problems.map(\.path))
        for p in [
            "topics.chat.table", "topics.chat.columns.id", "topics.chat.columns.body", "topics.chat.columns._x",
            "topics.chat.message_default.PATCH", "topics.chat.message_default.POST.nope", "topics.chat.message_default.POST.body",
            "topics.chat.prepare[0].require", "topics.chat.prepare[1]", "topics.chat.colour",
        ] {
            #expect(paths.contains(p), "expected a problem at \(p); got \(parsed.problems)")
        }
    }

    @Test func readsQueueAndFrameLimitsWithSaneDefaults() throws {
        let bad = ConfigTestEngines.parse("topics:\n  bad: {columns: {body: TEXT}, max_queued_frames: 0, max_frame_bytes: 100}\n")
        #expect(Set(bad.paths) == ["topics.bad.max_queued_frames", "topics.bad.max_frame_bytes"], "\(bad.problems)")
        let news = try #require(ConfigTestEngines.parse("topics:\n  news: {columns: {body: TEXT}}\n").configuration?.topics.first)
        #expect(news.maxQueuedFrames == 5_000 && news.maxFrameBytes == 65_536)
        let feed = try #require(
            ConfigTestEngines.parse("topics:\n  feed: {columns: {body: TEXT}, max_queued_frames: 50, max_frame_bytes: 2048}\n")
                .configuration?.topics.first
        )
        #expect(feed.maxQueuedFrames == 50 && feed.maxFrameBytes == 2_048)
    }

    @Test func readsDurabilityAndPingInterval() throws {
        let news = try #require(ConfigTestEngines.parse("topics:\n  news: {columns: {body: TEXT}}\n").configuration?.topics.first)
        #expect(news.durability == .flush)
        let chat = try #require(ConfigTestEngines.parse("topics:\n  chat: {columns: {body: TEXT}, durability: commit}\n").configuration?.topics.first)
        #expect(chat.durability == .commit)
        let bad = ConfigTestEngines.parse("topics:\n  chat: {columns: {body: TEXT}, durability: later, ping_interval: 0}\n")
        #expect(
            Set(bad.paths) == ["topics.chat.durability", "topics.chat.ping_interval"] && "\(bad.problems)".contains("flush, commit"),
            "\(bad.problems)"
        )
        #expect(news.pingInterval == 30)
    }

    @Test func defaultsToLoggedInReadersAndWriters() throws {
        let t = try #require(ConfigTestEngines.parse("topics:\n  news:\n    columns: {body: TEXT}\n").configuration?.topics.first)
        #expect(t.path == "/topics/news" && t.read == .loggedIn && t.write == .loggedIn && t.historyLimit == 100)
    }
}

@Suite("Topic filters")
struct TopicFilterTests {
    let topic = TopicDefinition(name: "t", columns: [TopicColumn(name: "n", type: .integer), TopicColumn(name: "body", type: .text)])

    @Test func parsesEveryOperator() throws {
        let q = try TopicQuery.parse("n=1&n=2&n!=3&n>=0&n<=9&n>-1&n<10&body~=a+b%26c&_limit=5&token=secret", for: topic)
        #expect(q.limit == 5)
        #expect(q.filters.contains(TopicFilter(column: "n", op: .equal, values: [.integer(1), .integer(2)])))
        #expect(q.filters.contains(TopicFilter(column: "n", op: .notEqual, values: [.integer(3)])))
        #expect(q.filters.contains(TopicFilter(column: "n", op: .greater, values: [.integer(-1)])))
        #expect(q.filters.contains(TopicFilter(column: "body", op: .contains, values: [.text("a b&c")])))
        #expect(q.filters.count == 7)
    }

    @Test func refusesUnknownColumnsAndBadValues() {
        #expect(throws: TopicError.self) { try TopicQuery.parse("colour=red", for: topic) }
        #expect(throws: TopicError.self) { try TopicQuery.parse("n=abc", for: topic) }
        #expect(throws: TopicError.self) { try TopicQuery.parse("_limit=-1", for: topic) }
        #expect(throws: TopicError.self) { try TopicQuery.parse("n", for: topic) }
    }

    @Test func nullPassesNoCondition() {
        let row = TopicRow(["n": .null])
        for op in TopicFilter.Operator.allCases { #expect(!TopicFilter(column: "n", op: op, values: [.integer(1)]).matches(row)) }
    }
}
