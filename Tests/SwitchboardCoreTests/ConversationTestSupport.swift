import Foundation
import Logging
import Synchronization

@testable import SwitchboardCore

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

/// The example: what happened → where → how many hurt (a whole number, asked again
/// until it is one) → a summary and a form.
struct ReportResponder: Responder {
    let name = "report"
    let summary = "report an incident"
    let help = "report: tell us what happened, where, and how many are hurt."
    let keywords = ["report", "incident"]
    let firstStep = "new"
    var idleTimeout: Duration? = nil
    let lists = ["places", "priorities"]
    /// Every step run, in order, with its mode: what the tests read to see what ran.
    let log = StepLog()

    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        log.append(replyOnly ? "replay:\(step)" : step)
        switch step {
        case "new":
            session.reply("What happened?")
            session.next("what")
        case "what":
            session.data["what"] = .string(session.text)
            session.reply("Where?")
            session.listShortcut = "places"
            session.next("where")
        case "where":
            session.data["where"] = .string(session.text)
            session.reply("How many are hurt?")
            session.next("hurt")
        case "hurt":
            guard let hurt = Int(session.text.trimmingCharacters(in: .whitespaces)) else {
                session.reply("Please answer with a number.")
                return
            }
            session.data["hurt"] = .number(Double(hurt))
            let what = session.data["what"]?.text ?? "?"
            let place = session.data["where"]?.text ?? "?"
            session.reply("Thanks: \(what) at \(place), \(hurt) hurt.")
            session.perform(.form(formID: "report", fields: [("what", what), ("where", place), ("hurt", "\(hurt)")]))
            session.complete()
        default:
            throw SwitchboardError.invalid("unknown_step", step)
        }
    }

    func list(_ name: String, session: ConversationSession?) async throws -> [String] {
        switch name {
        case "places": ["Oslo", "Bergen"]
        case "priorities": ["high", "low"]
        default: []
        }
    }
}

/// What a test responder ran, in order.
final class StepLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A one-step responder: answers once and completes.
struct OneShotResponder: Responder {
    let name: String
    var summary: String { "say \(name)" }
    var help: String { "\(name): one answer." }
    var keywords: [String] { [name] }
    let firstStep = "only"
    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        session.reply("\(name) done")
        session.complete()
    }
}

/// A hub with the conversation engine over `store` (a new `MemoryStore` by default).
func makeConversationHub(
    responders: [any Responder] = [ReportResponder()],
    store: MemoryStore = MemoryStore(),
    conversationStore: (any ConversationStore)? = nil,
    clock: TestClock = TestClock(),
    connectors: [any Connector] = [BucketConnector(name: "tester")],
    settings: (inout ConversationSettings) -> Void = { _ in }
) -> Hub {
    var configuration = HubConfiguration.embeddedDefault
    configuration.connectors = []
    let route = connectors.map(\.name)
    configuration.channels = [.sms: .init(route: route), .email: .init(route: route), .im: .init(route: route)]
    configuration.dispatcher.retryJitter = 0
    settings(&configuration.conversations)
    return Hub(
        configuration: configuration,
        store: store,
        connectors: connectors,
        responders: responders,
        conversationStore: conversationStore,
        logger: Logger(label: "test"),
        clock: clock.function
    )
}

extension Hub {
    var memory: MemoryStore { store as! MemoryStore }

    /// A conversation's whole transcript, as the store keeps it.
    func transcript(of conversation: Conversation) async throws -> [ConversationEntry] {
        try await (store as! MemoryStore).wholeTranscript(conversationID: conversation.id)
    }

    /// The steps that ran so far, in order (each on a message of the party's).
    func steps(of conversation: Conversation) async throws -> [String] {
        try await transcript(of: conversation).compactMap(\.step)
    }

    /// The party's conversations, newest first.
    func conversations(of address: Address) async throws -> [Conversation] {
        try await (store as! MemoryStore).conversations(ConversationQuery(address: address, limit: 100)).conversations
    }
}
