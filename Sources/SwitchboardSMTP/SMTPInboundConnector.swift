import Foundation
import Logging
import NIOCore
import NIOPosix
import SwitchboardCore
import Synchronization

/// Receives email: an SMTP (or LMTP) listener whose accepted mail goes to the hub's inbox.
///
/// Why: people answer alerts by email, and forms arrive by mail; an MTA (or the sender's
/// client) delivers to this listener, and each accepted recipient's copy becomes one
/// `InboundMessage` (`to: mailto:<recipient>`). The sender gets `250` only after the sink
/// returned, i.e. after the hub committed the message; a sink failure answers 451 so the
/// sender retries. A recipient is accepted at `RCPT TO` only if it is in `domains` and the
/// sink knows it (a contact has the address, or its local part is a username); others get
/// 550 before any data is sent, so the sending MTA bounces the mail to its author.
///
/// Each connection is a child task of `run(sink:)`; one bad client never stops the listener.
/// No TLS or AUTH is offered: listen on loopback behind an MTA, or on a trusted network.
package final class SMTPInboundConnector: Connector {
    package let name: String
    package let engine = "smtp-inbound"
    package let channels: [ChannelName]
    package let configuration: Configuration
    private let logger: Logger
    private let bound = Mutex<Int?>(nil)

    package init(
        name: String,
        channels: [ChannelName] = [.email],
        configuration: Configuration,
        logger: Logger = Logger(label: "switchboard.smtp-inbound")
    ) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        self.logger = logger
    }

    /// The `smtp-inbound` engine: keys `listen`, `protocol`, `domains`, `max_size`, `hostname`.
    package static let engine = ConnectorEngine(name: "smtp-inbound") { settings, reader, _ in
        guard let configuration = Configuration.read(reader) else { return nil }
        return SMTPInboundConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    /// The port actually listened on, once `run(sink:)` is listening (useful with `listen: …:0`).
    package var localPort: Int? { bound.withLock { $0 } }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        throw ConnectorError.permanent("smtp-inbound connector \(name) only receives; route outgoing email to an smtp connector")
    }

    package func run(sink: any InboundSink) async throws {
        let settings = SMTPServerStateMachine.Settings(
            hostname: configuration.hostname,
            protocolKind: configuration.protocolKind == .lmtp ? .lmtp : .smtp,
            domains: configuration.domains,
            maxSize: configuration.maxSize
        )
        let idle = TimeAmount(configuration.idleTimeout)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try child.pipeline.syncOperations.addHandler(CloseWhenIdle())
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPServerLineDecoder()))
                    return try NIOAsyncChannel<[UInt8], ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        bound.withLock { $0 = listener.channel.localAddress?.port }
        logger.info(
            "smtp-inbound listening",
            metadata: ["connector": "\(name)", "address": "\(listener.channel.localAddress.map { "\($0)" } ?? "?")"]
        )
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { connections in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        connections.addTask { await self.serve(connection, settings: settings, sink: sink) }
                    }
                }
            }
        } onCancel: {
            listener.channel.close(promise: nil)
        }
    }

    /// One client, from greeting to QUIT or disconnect; errors end only this connection.
    func serve(_ connection: NIOAsyncChannel<[UInt8], ByteBuffer>, settings: SMTPServerStateMachine.Settings, sink: any InboundSink) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var machine = SMTPServerStateMachine(settings: settings)
                var action = machine.event(.connected)
                var lines = inbound.makeAsyncIterator()
                while true {
                    switch action {
                    case .reply(let replies):
                        try await outbound.write(ByteBuffer(string: replies.map(\.wireText).joined()))
                    case .replyAndClose(let reply):
                        try await outbound.write(ByteBuffer(string: reply.wireText))
                        return
                    case .deliver(let mail):
                        action = machine.event(.delivered(await deliver(mail, sink: sink)))
                        continue
                    case .checkRecipient(let recipient):
                        action = machine.event(.recipientChecked(await check(recipient, sink: sink)))
                        continue
                    case .none:
                        break
                    }
                    guard let line = try await lines.next() else { return }
                    action = machine.event(.line(line))
                }
            }
        } catch {
            logger.debug("smtp-inbound connection ended", metadata: ["connector": "\(name)", "error": "\(error)"])
        }
    }

    /// Whether the hub has a user or contact for `recipient`; a failed look-up is not a "no".
    func check(_ recipient: String, sink: any InboundSink) async -> SMTPServerStateMachine.RecipientVerdict {
        guard let address = try? Address(parsing: "mailto:" + recipient) else { return .unknown }
        do {
            return try await sink.knowsRecipient(address) ? .known : .unknown
        } catch {
            logger.warning("recipient look-up failed", metadata: ["connector": "\(name)", "to": "\(recipient)", "error": "\(error)"])
            return .lookupFailed
        }
    }

    /// Hands each recipient's copy to the sink; true for each one the hub committed.
    func deliver(_ mail: SMTPServerStateMachine.Mail, sink: any InboundSink) async -> [Bool] {
        let parsed = ReceivedMail(parsing: mail.data)
        let from = Self.sender(envelope: mail.from, parsed: parsed, fallbackDomain: configuration.domains.sorted().first ?? "localhost")
        var results: [Bool] = []
        for recipient in mail.recipients {
            let message = InboundMessage(
                connector: name,
                from: from,
                to: try? Address(parsing: "mailto:" + recipient),
                text: parsed.text ?? parsed.html.map(HTMLText.plainText) ?? "",
                subject: parsed.subject,
                html: parsed.html,
                attachments: parsed.attachments
            )
            do {
                try await sink.receive(message)
                results.append(true)
            } catch {
                logger.warning("inbound mail not committed", metadata: ["connector": "\(name)", "to": "\(recipient)", "error": "\(error)"])
                results.append(false)
            }
        }
        return results
    }

    /// The envelope sender; for bounces (`MAIL FROM:<>`) the header From, else mailer-daemon.
    static func sender(envelope: String, parsed: ReceivedMail, fallbackDomain: String) -> Address {
        if !envelope.isEmpty, let a = try? Address(parsing: "mailto:" + envelope) { return a }
        if let header = parsed.header("From"), let m = try? MailAddress(parsing: header), let a = try? Address(parsing: "mailto:" + m.address) {
            return a
        }
        return .email("mailer-daemon@\(fallbackDomain)")
    }
}

/// Closes a connection whose client has said nothing for the idle timeout.
final class CloseWhenIdle: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
