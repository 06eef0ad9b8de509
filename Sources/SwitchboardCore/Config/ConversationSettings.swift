import Foundation

/// How the conversation engine and its sweeper behave (`conversations:` in the configuration).
///
/// Timeouts are kept as seconds: they become deadlines stored with the conversation
/// (`expiresAt`, sign-out rows), never timers in memory, so they survive a restart.
package struct ConversationSettings: Sendable, Equatable {
    /// What starts a command (`/abort`, `/help`, …) unless the connector sets its own.
    package var commandPrefix: String = "/"
    /// The prefix of each connector that sets `command_prefix` (some phones make `/` awkward).
    package var connectorPrefixes: [String: String] = [:]
    /// How long an ongoing conversation waits for the party when its responder sets no
    /// timeout of its own; then it expires and the party is told.
    package var idleTimeout: TimeInterval = 30 * 60
    /// How long after a party signed out (XMPP presence) their ongoing conversations are
    /// aborted unless they are back.
    package var signOutTimeout: TimeInterval = 5 * 60
    /// Finished conversations are deleted this long after they ended.
    package var retention: TimeInterval = 30 * 86_400
    /// The sweeper looks at the store at least this often, besides waking for the next
    /// deadline it knows of.
    package var sweepInterval: TimeInterval = 30

    package init() {}

    /// The command prefix on `connector`.
    package func commandPrefix(for connector: String) -> String {
        connectorPrefixes[connector] ?? commandPrefix
    }

    /// A prefix is 1-8 characters, none of them white space or a letter or digit (a word
    /// would make ordinary answers look like commands).
    package static func prefixProblem(_ prefix: String) -> String? {
        if prefix.isEmpty || prefix.count > 8 { return "must be 1-8 characters" }
        if prefix.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.isAlphabetic || ("0"..."9").contains($0) }) {
            return "must not contain white space, letters or digits (an answer must not look like a command)"
        }
        return nil
    }
}
