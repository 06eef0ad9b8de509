import Foundation
import Logging

// The commands a party may send at any time: /abort, /replay, /new, /help, /list (the seed's
// base handler commands). Names may be shortened to any unique prefix.
extension ConversationEngine {
    func run(_ command: ConversationCommand, _ party: Party, ongoing: Conversation?) async throws -> TurnDraft {
        let prefix = settings.commandPrefix(for: party.connector)
        let names = ConversationCommand.Name.allCases.map(\.rawValue)
        switch PrefixMatch.resolve(command.word, among: names) {
        case .none:
            let all = names.map { prefix + $0 }.joined(separator: ", ")
            return try await answerOnly("Unknown command \(prefix)\(command.word). Commands: \(all); \(prefix)help NAME tells more.", party)
        case .ambiguous(let candidates):
            return try await answerOnly("\(prefix)\(command.word) could be: \(candidates.map { prefix + $0 }.joined(separator: ", ")).", party)
        case .found(let name):
            switch ConversationCommand.Name(rawValue: name)! {
            case .abort: return try await abort(ongoing, party, prefix: prefix)
            case .replay: return try await replay(ongoing, party)
            case .new: return try await new(command.argument, ongoing, party, prefix: prefix)
            case .help: return try await answerOnly(help(command.argument, prefix: prefix), party)
            case .list: return try await list(command.argument, ongoing, party, prefix: prefix)
            }
        }
    }

    /// A turn that only answers (no conversation changes).
    func answerOnly(_ text: String, _ party: Party) async throws -> TurnDraft {
        var draft = TurnDraft(routing: party.message.id)
        _ = try await reply(text, party, into: &draft)
        return draft
    }

    func abort(_ ongoing: Conversation?, _ party: Party, prefix: String) async throws -> TurnDraft {
        guard var conversation = ongoing else { return try await answerOnly("There is no conversation to end.", party) }
        var draft = TurnDraft(routing: party.message.id)
        var entries = [Self.entry(party)]
        conversation.finish(.aborted, reason: "aborted by \(prefix)abort", by: "party", at: now())
        if let entry = try await reply("Ended \(conversation.responder).", party, into: &draft) { entries.append(entry) }
        draft.write(conversation, expected: ongoing!.revision, appending: entries)
        return draft
    }

    /// Runs every step so far again in reply-only mode, each fed the party's answer from the
    /// transcript, and sends what they say, interleaved with the answers, as one message. The
    /// only command that reads the whole transcript.
    func replay(_ ongoing: Conversation?, _ party: Party) async throws -> TurnDraft {
        guard let conversation = ongoing else { return try await answerOnly("There is no conversation to replay.", party) }
        guard let responder = responders[conversation.responder] else {
            return try await answerOnly("This conversation (\(conversation.responder)) is no longer available.", party)
        }
        var lines: [String] = []
        let answers = try await store.wholeTranscript(conversationID: conversation.id).filter { $0.direction == .inbound && $0.step != nil }
        for (number, said) in answers.enumerated() {
            guard let step = said.step else { continue }
            lines.append("> \(said.text)")
            // The step sees the conversation as it was when it ran, as far as the store tells.
            var then = conversation
            then.stepCount = number
            let session = ConversationSession(conversation: then, text: said.text, receivedAt: said.at, replyOnly: true)
            do {
                try await responder.run(step: step, session: session, replyOnly: true)
                lines += session.replies
            } catch {
                logger.warning("a step failed in /replay", metadata: ["responder": "\(responder.name)", "step": "\(step)", "error": "\(error)"])
            }
        }
        return try await answerOnly(lines.joined(separator: "\n"), party)
    }

    func new(_ argument: String, _ ongoing: Conversation?, _ party: Party, prefix: String) async throws -> TurnDraft {
        let word = argument.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        if word.isEmpty {
            if responders.all.count == 1 { return try await start(responders.all[0], party, replacing: ongoing) }
            return try await answerOnly(responderMenu(prefix: prefix), party)
        }
        switch PrefixMatch.resolve(word, among: responders.names) {
        case .found(let name): return try await start(responders[name]!, party, replacing: ongoing)
        case .ambiguous(let candidates): return try await answerOnly("'\(word)' could be: \(candidates.joined(separator: ", ")).", party)
        case .none: return try await answerOnly("There is no conversation called '\(word)'. \(responderMenu(prefix: prefix))", party)
        }
    }

    func responderMenu(prefix: String) -> String {
        guard !responders.isEmpty else { return "There are no conversations to start." }
        let items = responders.all.map { "\($0.name) (\($0.summary))" }.joined(separator: ", ")
        return "Start one with \(prefix)new NAME: \(items)."
    }

    func help(_ argument: String, prefix: String) -> String {
        let commands = ConversationCommand.Name.allCases
        let word = argument.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        guard !word.isEmpty else {
            var lines = commands.map { "\(prefix)\($0.usage): \($0.summary)" }
            for responder in responders.all {
                let keywords = responder.keywords.isEmpty ? "" : " (send \(responder.keywords.joined(separator: " or ")))"
                lines.append("\(responder.name)\(keywords): \(responder.summary)")
            }
            return lines.joined(separator: "\n")
        }
        let word2 = word.hasPrefix(prefix) ? String(word.dropFirst(prefix.count)) : word
        switch PrefixMatch.resolve(word2, among: responders.names + commands.map(\.rawValue)) {
        case .found(let name):
            if let responder = responders[name] { return responder.help }
            let command = ConversationCommand.Name(rawValue: name)!
            return "\(prefix)\(command.usage): \(command.summary)"
        case .ambiguous(let candidates):
            return "'\(word)' could be: \(candidates.joined(separator: ", "))."
        case .none:
            let all = (commands.map { prefix + $0.rawValue } + responders.names).joined(separator: ", ")
            return "No help on '\(word)'. Ask about: \(all)."
        }
    }

    func list(_ argument: String, _ ongoing: Conversation?, _ party: Party, prefix: String) async throws -> TurnDraft {
        let offered = responders.lists(preferring: ongoing?.responder)
        let word = argument.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        let names = offered.map(\.list)
        let menu = names.isEmpty ? "There are no lists." : "Lists: \(names.joined(separator: ", ")); send \(prefix)list NAME."
        guard !word.isEmpty else {
            if let ongoing, let shortcut = ongoing.listShortcut, let responder = responders[ongoing.responder] {
                return try await answerOnly(await lines(of: shortcut, responder, ongoing, party), party)
            }
            return try await answerOnly(menu, party)
        }
        switch PrefixMatch.resolve(word, among: names) {
        case .found(let name):
            let responder = offered.first { $0.list == name }!.responder
            return try await answerOnly(await lines(of: name, responder, ongoing, party), party)
        case .ambiguous(let candidates):
            return try await answerOnly("'\(word)' could be: \(candidates.joined(separator: ", ")).", party)
        case .none:
            return try await answerOnly("There is no list called '\(word)'. \(menu)", party)
        }
    }

    /// The lines of a list, one a line; the current conversation is given to its own responder.
    func lines(of list: String, _ responder: any Responder, _ ongoing: Conversation?, _ party: Party) async -> String {
        let session = ongoing.flatMap { c in
            c.responder == responder.name
                ? ConversationSession(conversation: c, text: party.message.text, receivedAt: party.message.createdAt, replyOnly: true) : nil
        }
        let lines: [String]
        do {
            lines = try await responder.list(list, session: session)
        } catch {
            logger.error("a list could not be read", metadata: ["responder": "\(responder.name)", "list": "\(list)", "error": "\(error)"])
            return "The list \(list) cannot be read just now."
        }
        return lines.isEmpty ? "The list \(list) is empty." : lines.joined(separator: "\n")
    }
}
