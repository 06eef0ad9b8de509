import Foundation
import SwitchboardCore

/// Sends SMS through an email-to-SMS gateway (NAV smsd's mail dispatcher): each `sms`
/// delivery becomes a mail to one fixed gateway address, the phone number as subject and the
/// text as body, handed over by a named SMTP connector (`smtp: mailrelay`).
///
/// Why through another connector: the relay's host, TLS, credentials, pool and sender are
/// configured once, on the SMTP connector, and shared with ordinary email. Engines are made
/// one at a time from their own keys, so the relay is looked up by name in an
/// `SMTPConnectorDirectory` when a message is sent; a name that is no SMTP connector is a
/// permanent error naming the SMTP connectors that do exist.
///
/// Errors are the relay's: a refused gateway address is permanent, a relay that cannot be
/// reached transient.
package final class EmailGatewayConnector: Connector {
    package struct Configuration: Sendable, Equatable {
        /// The SMTP connector that carries the mail.
        package var smtp: String
        /// The gateway's address.
        package var to: MailAddress
        /// `{to}` (E.164 with +), `{to_digits}` (without +) and `{id}` (the delivery) are filled in.
        package var subject: String = "{to}"

        package init(smtp: String, to: MailAddress, subject: String = "{to}") {
            self.smtp = smtp
            self.to = to
            self.subject = subject
        }

        static let placeholders: Set<String> = ["to", "to_digits", "id"]

        /// Problems by key; the subject template may hold only known placeholders and no line breaks.
        package func problems() -> [(key: String, message: String)] {
            var out: [(String, String)] = []
            if smtp.isEmpty { out.append(("smtp", "must name an smtp connector")) }
            if subject.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) { out.append(("subject", "must be one line")) }
            for name in Self.placeholderNames(subject) where !Self.placeholders.contains(name) {
                out.append(("subject", "unknown placeholder {\(name)}; known: {to}, {to_digits}, {id}"))
            }
            return out
        }

        static func placeholderNames(_ template: String) -> [String] {
            template.matches(of: /\{([a-z_]+)\}/).map { String($0.output.1) }
        }

        func renderSubject(number: String, id: String) -> String {
            subject.replacingOccurrences(of: "{to_digits}", with: number.hasPrefix("+") ? String(number.dropFirst()) : number)
                .replacingOccurrences(of: "{to}", with: number)
                .replacingOccurrences(of: "{id}", with: id)
        }

        /// Reads the `email-gateway` keys: `smtp`, `to`, `subject`.
        package static func read(_ reader: ConfigReader) -> Configuration? {
            let before = reader.problems.count
            let smtp = reader.string("smtp", required: true)
            let toText = reader.string("to", required: true)
            let subject = reader.string("subject")
            var to: MailAddress?
            if let toText, !toText.isEmpty {
                do { to = try MailAddress(parsing: toText) } catch { reader.problem("to", error.message) }
            }
            guard let smtp, !smtp.isEmpty, let to, reader.problems.count == before else { return nil }
            var c = Configuration(smtp: smtp, to: to)
            if let subject { c.subject = subject }
            for p in c.problems() { reader.problem(p.key, p.message) }
            return reader.problems.count == before ? c : nil
        }
    }

    package let name: String
    package let engine = "email-gateway"
    package let channels: [ChannelName]
    package let configuration: Configuration
    private let directory: SMTPConnectorDirectory

    package init(name: String, channels: [ChannelName] = [.sms], configuration: Configuration, directory: SMTPConnectorDirectory = .shared) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        self.directory = directory
    }

    /// The `email-gateway` engine, finding relays among the connectors of the `smtp` engine.
    package static let engine = engine(directory: .shared)

    package static func engine(directory: SMTPConnectorDirectory) -> ConnectorEngine {
        ConnectorEngine(name: "email-gateway") { settings, reader, _ in
            guard let configuration = Configuration.read(reader) else { return nil }
            if configuration.smtp == settings.name {
                reader.problem("smtp", "names this connector itself; name an smtp connector")
                return nil
            }
            return EmailGatewayConnector(name: settings.name, channels: settings.channels, configuration: configuration, directory: directory)
        }
    }

    /// The relay, or a permanent error saying which SMTP connectors there are.
    func relay() throws(ConnectorError) -> SMTPConnector {
        if let relay = directory.connector(named: configuration.smtp) { return relay }
        let known = directory.names
        throw .permanent(
            "email-gateway \(name): smtp: '\(configuration.smtp)' is not an smtp connector of this hub"
                + (known.isEmpty ? " (none is declared)" : "; smtp connectors: \(known.joined(separator: ", "))")
        )
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        guard case .sms(let number) = outbound.address else {
            throw ConnectorError.permanent("email-gateway \(name) sends only to phone numbers, not \(outbound.address)")
        }
        let relay = try relay()
        let from = relay.configuration.from
        let id = outbound.delivery.id.isEmpty ? Identifier.make() : outbound.delivery.id
        var mail = MIMEMessage(
            from: from,
            to: [configuration.to],
            subject: configuration.renderSubject(number: number, id: id),
            text: outbound.message.text,
            messageID: MIMEMessage.makeMessageID(id: id, domain: from.domain)
        )
        mail.extraHeaders = [("Auto-Submitted", "auto-generated")]
        let results = try await relay.send(mail, to: [configuration.to.address])
        switch results[configuration.to.address] {
        case .accepted: return Receipt(id: mail.messageID)
        case .refused(let error): throw error
        case nil: throw ConnectorError.transient("email-gateway \(name): no result from smtp connector \(relay.name)")
        }
    }
}
