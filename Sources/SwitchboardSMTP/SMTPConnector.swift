import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwitchboardCore

/// Sends email through an SMTP relay (a submission server on 587/465, or a local MTA on 25).
///
/// Why its own SMTP client: there is no SMTP package in the dependency set, and the hub needs
/// control over exactly the parts that decide whether a message is lost or sent twice:
///
/// | what happened                                          | error       |
/// | ------------------------------------------------------ | ----------- |
/// | cannot connect, timeout, TLS failure, 4xx, 421          | transient   |
/// | 5xx to the greeting, AUTH, MAIL FROM, RCPT TO or DATA    | permanent   |
/// | message larger than the server's SIZE                    | permanent (refused locally) |
/// | AUTH asked for without TLS to a host that is not loopback | permanent (and a config problem) |
///
/// One delivery is one recipient (`send(_ outbound:)`); `send(_:to:)` hands one message to
/// several recipients in one transaction and reports each recipient's fate. Certificates are
/// always verified (system roots plus `ca_file`); the server name for SNI and verification is
/// `host`. Sessions are pooled (`pool_size`) and proved with RSET before reuse.
///
/// Every SMTP connector registers itself in an `SMTPConnectorDirectory` by name, so engines
/// made before it (the email-to-SMS gateway) can find it at send time.
package final class SMTPConnector: Connector {
    package let name: String
    package let engine = "smtp"
    package let channels: [ChannelName]
    package let configuration: Configuration

    private let pool: SMTPConnectionPool?
    private let setupError: String?
    /// `host:port` for error messages.
    private let endpoint: String

    package init(
        name: String,
        channels: [ChannelName] = [.email],
        configuration: Configuration,
        directory: SMTPConnectorDirectory? = .shared,
        group: (any EventLoopGroup)? = nil
    ) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        endpoint = "smtp \(configuration.host):\(configuration.port)"
        var tlsContext: NIOSSLContext?
        var setupError: String?
        if configuration.tls != .none {
            do { tlsContext = try configuration.makeTLSContext() } catch { setupError = "cannot set up TLS: \(error)" }
        }
        self.setupError = setupError
        if setupError == nil {
            let settings = SMTPClientStateMachine.Settings(
                clientName: configuration.clientName,
                tls: configuration.tls,
                username: configuration.username,
                password: configuration.password,
                allowAuthWithoutTLS: configuration.tls == .none && SMTPConnection.isLoopback(configuration.host)
            )
            let ep = SMTPConnection.Endpoint(
                host: configuration.host,
                port: configuration.port,
                settings: settings,
                tlsContext: tlsContext,
                timeout: TimeAmount(configuration.timeout)
            )
            pool = SMTPConnectionPool(endpoint: ep, size: configuration.poolSize, group: group ?? MultiThreadedEventLoopGroup.singleton)
        } else {
            pool = nil
        }
        directory?.register(self)
    }

    /// The `smtp` engine; keys are documented on `Configuration` and in `switchboard.example.yaml`.
    package static let engine = engine(directory: .shared)

    /// The `smtp` engine registering its connectors in `directory` (tests use their own).
    package static func engine(directory: SMTPConnectorDirectory) -> ConnectorEngine {
        ConnectorEngine(name: "smtp") { settings, reader, environment in
            guard let configuration = Configuration.read(reader, environment: environment) else { return nil }
            return SMTPConnector(name: settings.name, channels: settings.channels, configuration: configuration, directory: directory)
        }
    }

    /// Sends one delivery to its one email address; the receipt is the mail's Message-ID,
    /// which is the same for every attempt of a delivery (`<delivery-id@from-domain>`).
    package func send(_ outbound: Outbound) async throws -> Receipt {
        guard case .email(let recipient) = outbound.address else {
            throw ConnectorError.permanent("smtp connector \(name) sends only to email addresses, not \(outbound.address)")
        }
        let mail: MIMEMessage
        do {
            mail = try MIMEMessage(outbound: outbound, from: configuration.from, to: MailAddress(recipient))
        } catch {
            throw ConnectorError.permanent("cannot build the mail: \(error.message)")
        }
        let results = try await send(mail, to: [recipient])
        switch results[recipient] {
        case .accepted: return Receipt(id: mail.messageID)
        case .refused(let error): throw error
        case nil: throw ConnectorError.transient("\(endpoint): no result for \(recipient)")
        }
    }

    /// Hands `mail` to the server for every address in `recipients` in one transaction.
    ///
    /// Returns each recipient's result: some may be accepted while others are refused (each
    /// refusal transient or permanent by its reply code). Throws `ConnectorError` only when
    /// the whole transaction failed: no connection, TLS or AUTH failure, MAIL FROM refused,
    /// or a message larger than the server's SIZE.
    package func send(_ mail: MIMEMessage, to recipients: [String]) async throws -> [String: RecipientResult] {
        var results: [String: RecipientResult] = [:]
        var valid: [String] = []
        /// Envelope address (domain lower-cased) to the spelling the caller gave.
        var given: [String: String] = [:]
        for r in recipients where results[r] == nil && !given.values.contains(r) {
            do {
                let address = try MailAddress(r).address
                if given[address] == nil {
                    valid.append(address)
                    given[address] = r
                }
            } catch {
                results[r] = .refused(.permanent("invalid recipient: \(error.message)"))
            }
        }
        guard !valid.isEmpty else { return results }
        let bytes: [UInt8]
        do { bytes = try mail.renderedBytes() } catch { throw ConnectorError.permanent("cannot build the mail: \(error.message)") }
        guard let pool else { throw ConnectorError.permanent("\(endpoint): \(setupError ?? "not set up")") }
        let envelope = SMTPClientStateMachine.Envelope(from: configuration.from.address, recipients: valid, message: bytes)
        let transaction: SMTPClientStateMachine.TransactionResult
        do {
            transaction = try await pool.withConnection { connection throws(ConnectorError) in try await connection.send(envelope) }
        } catch {
            throw ConnectorError(error.kind, "\(endpoint): \(error.message)")
        }
        for (address, result) in RecipientResult.results(transaction) {
            let key = given[address] ?? address
            switch result {
            case .accepted: results[key] = result
            case .refused(let e): results[key] = .refused(ConnectorError(e.kind, "\(endpoint): \(e.message)"))
            }
        }
        return results
    }

    /// Waits for the hub to stop, then closes the pooled sessions with QUIT.
    package func run(sink: any InboundSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await shutdown()
    }

    /// Closes pooled sessions; later sends fail transiently. For hosts and tests that never call `run(sink:)`.
    package func shutdown() async { await pool?.shutdown() }

    /// Sessions waiting in the pool (tests prove reuse with it).
    var idleConnections: Int { pool?.idleCount ?? 0 }
}
