/// A command a party typed (`/new report`, `/h list`): the prefix, a word, and what follows.
///
/// Only a prefix followed at once by a letter is a command, so an answer such as `/ 3` or
/// `//` stays an answer. The word may be any unique prefix of a command's name.
package struct ConversationCommand: Equatable, Sendable {
    /// What a party may ask for at any time, in or out of a conversation.
    package enum Name: String, CaseIterable, Sendable {
        case abort, replay, new, help, list

        /// One line of `/help`.
        var summary: String {
            switch self {
            case .abort: "end the current conversation"
            case .replay: "send the current conversation again, up to where you are"
            case .new: "start a conversation (NAME: which one), ending any current one"
            case .help: "this help, or help on a conversation or command (NAME)"
            case .list: "show a list (NAME), or the lists there are"
            }
        }

        var usage: String {
            switch self {
            case .abort, .replay: rawValue
            case .new, .help, .list: "\(rawValue) [NAME]"
            }
        }
    }

    /// The word as typed, without the prefix.
    package var word: String
    /// The rest of the message after the word, trimmed.
    package var argument: String

    /// Reads `text` as a command if it starts with `prefix` and a letter.
    package static func parse(_ text: String, prefix: String) -> ConversationCommand? {
        let trimmed = text.drop(while: \.isWhitespace)
        guard trimmed.hasPrefix(prefix) else { return nil }
        let body = trimmed.dropFirst(prefix.count)
        guard let first = body.first, first.isLetter else { return nil }
        let word = body.prefix(while: { !$0.isWhitespace })
        let rest = body.dropFirst(word.count)
        return ConversationCommand(word: String(word), argument: rest.trimmingWhitespace())
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
