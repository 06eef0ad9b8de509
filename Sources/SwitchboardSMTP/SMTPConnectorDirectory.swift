import Synchronization

/// The SMTP connectors of this process, by name.
///
/// Why: an engine is made from its own configuration keys only, and a connector may not hold
/// another connector's target, yet the email-to-SMS gateway sends through a named SMTP
/// connector (`smtp: mailrelay`). Every `SMTPConnector` registers itself here when it is made,
/// and the gateway looks its relay up when it sends. Entries are weak: a connector the hub
/// dropped (a reloaded or only-checked configuration) disappears, and a newer one with the
/// same name replaces the old.
package final class SMTPConnectorDirectory: Sendable {
    private struct Entry: Sendable { weak var connector: SMTPConnector? }

    /// The directory the built-in engines use.
    package static let shared = SMTPConnectorDirectory()

    private let entries = Mutex<[String: Entry]>([:])

    package init() {}

    package func register(_ connector: SMTPConnector) {
        entries.withLock { $0[connector.name] = Entry(connector: connector) }
    }

    /// The live SMTP connector called `name`, if one was made.
    package func connector(named name: String) -> SMTPConnector? {
        entries.withLock { $0[name]?.connector }
    }

    /// Names of the live SMTP connectors, sorted (for error messages).
    package var names: [String] {
        entries.withLock { $0.compactMap { $0.value.connector == nil ? nil : $0.key }.sorted() }
    }
}
