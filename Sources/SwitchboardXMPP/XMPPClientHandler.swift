import NIOCore
import NIOSSL
import NIOTLS

/// What a connection tells its connector, in the order it happened.
enum XMPPLinkEvent: Sendable {
    case ready(resumed: Bool)
    case receive(XMPPClientStateMachine.Chat)
    case presence(JID, available: Bool)
    case subscriptionRequest(JID)
    case receipt(String)
    case bounced(String, reason: String)
    /// The connection is over; `resumption` is what the next one may resume.
    case closed(reason: String, resumption: XMPPClientStateMachine.Resumption?)
}

/// Carries out `XMPPClientStateMachine`'s actions on a channel: feeds bytes through the
/// tokenizer and stanza assembler, writes what the machine says, adds TLS for STARTTLS, keeps
/// the setup timeout and the ping timer, and reports to the connector through `events`.
///
/// Pipeline: `[NIOSSLClientHandler]` → `QuickAckHandler` → this. Keeps no protocol state of its own beyond the XML
/// reader: every decision is the state machine's. Loop-bound, one per connection.
final class XMPPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = XMPPClientStateMachine.Event
    typealias OutboundOut = ByteBuffer

    struct Timing: Sendable {
        /// Connecting up to a ready session.
        var setup: TimeAmount
        var pingInterval: TimeAmount
    }

    private var machine: XMPPClientStateMachine
    private let limits: XMLStreamLimits
    private var tokenizer: XMLStreamTokenizer
    private var assembler = XMLStanzaAssembler()
    /// Bumped by every parser reset, so bytes read for the old stream are dropped.
    private var generation = 0
    private let timing: Timing
    private let tlsContext: NIOSSLContext?
    private let serverHostname: String?
    private let events: AsyncStream<XMPPLinkEvent>.Continuation
    /// Acknowledgements go straight to the waiting sends, not through `events`: a receipt or a
    /// slow commit queued before them must not hold a send (and its `sent`) back.
    private let acknowledged: @Sendable ([String]) -> Void
    private var setupTimer: Scheduled<Void>?
    private var pingTimer: Scheduled<Void>?
    private var closeReason: String?
    private var finished = false
    /// Chats handed to the connector and not yet committed. At `maxUnhandledChats` the handler
    /// stops reading the socket until the sink catches up, so a flood waits in TCP, not in memory.
    private var unhandledChats = 0
    static let maxUnhandledChats = 64
    private var readHeld = false
    /// Written since the last flush.
    private var unflushed = false

    init(
        machine: XMPPClientStateMachine,
        limits: XMLStreamLimits,
        timing: Timing,
        tlsContext: NIOSSLContext?,
        serverHostname: String?,
        events: AsyncStream<XMPPLinkEvent>.Continuation,
        acknowledged: @escaping @Sendable ([String]) -> Void
    ) {
        self.acknowledged = acknowledged
        self.machine = machine
        self.limits = limits
        tokenizer = XMLStreamTokenizer(limits: limits)
        self.timing = timing
        self.tlsContext = tlsContext
        self.serverHostname = serverHostname
        self.events = events
    }

    func channelActive(context: ChannelHandlerContext) {
        setupTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timing.setup) { [self] in
            perform(machine.event(.timeout), context)
        }
        perform(machine.event(.connected), context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        tokenizer.feed(buffer.readableBytesView)
        let current = generation
        // Whatever the stanzas of one read make us write leaves in one flush.
        defer { flushWrites(context) }
        while current == generation, !finished {
            let output: XMLStanzaAssembler.Output?
            do {
                output = try assembler.next(from: &tokenizer)
            } catch {
                perform(machine.event(.parseError(error)), context, flush: false)
                return
            }
            guard let output else { return }
            switch output {
            case .streamOpen(let tag): perform(machine.event(.streamOpen(tag)), context, flush: false)
            case .stanza(let stanza): perform(machine.event(.stanza(stanza)), context, flush: false)
            case .streamClose: perform(machine.event(.streamClose), context, flush: false)
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let event = unwrapOutboundIn(data)
        // Flushed by the caller's flush (`writeAndFlush`, or several writes then `flush()`).
        perform(machine.event(event), context, flush: false)
        promise?.succeed()
        if case .handled = event {
            unhandledChats = max(0, unhandledChats - 1)
            if readHeld, unhandledChats < Self.maxUnhandledChats {
                readHeld = false
                context.read()
            }
        }
    }

    func flush(context: ChannelHandlerContext) {
        unflushed = false
        context.flush()
    }

    var isReadyForTests: Bool { machine.isReady }

    func read(context: ChannelHandlerContext) {
        guard unhandledChats < Self.maxUnhandledChats else {
            readHeld = true
            return
        }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { perform(machine.event(.tlsEstablished), context) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if closeReason == nil { closeReason = Self.describe(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        _ = machine.event(.closed)
        setupTimer?.cancel()
        pingTimer?.cancel()
        if !finished {
            finished = true
            events.yield(.closed(reason: closeReason ?? "the connection closed", resumption: machine.nextResumption))
            events.finish()
        }
        context.fireChannelInactive()
    }

    /// Carries out `actions`. Writes are buffered and flushed once at the end (with `flush`;
    /// otherwise by the caller, `channelRead` after the whole read): a message and its `<r/>`,
    /// or the answers to several stanzas of one read, leave in one TLS record and one system
    /// call, not one each. Anything that closes or starts TLS flushes what is buffered first.
    private func perform(_ actions: [XMPPClientStateMachine.Action], _ context: ChannelHandlerContext, flush: Bool = true) {
        defer { if flush { flushWrites(context) } }
        for action in actions {
            switch action {
            case .write(let text):
                context.write(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
                unflushed = true
            case .startTLS:
                flushWrites(context)
                startTLS(context)
            case .resetParser:
                generation += 1
                tokenizer = XMLStreamTokenizer(limits: limits)
                assembler = XMLStanzaAssembler()
            case .ready(let resumed):
                setupTimer?.cancel()
                setupTimer = nil
                startPinging(context)
                events.yield(.ready(resumed: resumed))
            case .acknowledged(let ids): acknowledged(ids)
            case .receive(let chat):
                unhandledChats += 1
                events.yield(.receive(chat))
            case .presence(let jid, let available): events.yield(.presence(jid, available: available))
            case .subscriptionRequest(let jid): events.yield(.subscriptionRequest(jid))
            case .receipt(let id): events.yield(.receipt(id))
            case .bounced(let id, let reason): events.yield(.bounced(id, reason: reason))
            case .close(let reason):
                flushWrites(context)
                if closeReason == nil { closeReason = reason }
                finished = true
                let resumption = machine.nextResumption
                events.yield(.closed(reason: reason, resumption: resumption))
                events.finish()
                context.close(promise: nil)
            }
        }
    }

    private func flushWrites(_ context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        context.flush()
    }

    private func startTLS(_ context: ChannelHandlerContext) {
        guard let tlsContext else {
            perform(machine.close("TLS is not configured"), context)
            return
        }
        do {
            let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
            try context.pipeline.syncOperations.addHandler(tls, position: .first)
        } catch {
            perform(machine.close("could not start TLS: \(error)"), context)
        }
    }

    /// One tick per interval: a ping goes out, and one still unanswered at the next tick closes the stream.
    private func startPinging(_ context: ChannelHandlerContext) {
        guard timing.pingInterval > .zero, !finished else { return }
        pingTimer?.cancel()
        pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timing.pingInterval) { [self] in
            perform(machine.event(.pingTick), context)
            startPinging(context)
        }
    }

    /// TLS and socket errors in words a person can act on.
    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOSSLError {
            switch e {
            case .handshakeFailed(let inner): return "TLS handshake failed: \(inner)"
            default: return "TLS error: \(e)"
            }
        }
        if let e = error as? NIOSSLExtraError { return "TLS error: \(e)" }
        return "\(error)"
    }
}
