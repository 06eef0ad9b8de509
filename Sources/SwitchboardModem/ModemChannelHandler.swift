import NIOCore

/// What the link asks of its handler: one command, answered on `promise` (information lines).
struct ModemRequest: Sendable {
    var command: ModemCommand
    var promise: EventLoopPromise<[String]>
}

/// Carries out `ModemStateMachine`'s actions on the serial channel: writes bytes, keeps the
/// one command timer, completes request promises, hands unsolicited codes to `onURC`.
///
/// Keeps no protocol state of its own: every decision is the state machine's.
final class ModemChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ModemRequest
    typealias OutboundOut = ByteBuffer

    private var machine: ModemStateMachine
    private var promises: [UInt64: EventLoopPromise<[String]>] = [:]
    private var nextID: UInt64 = 0
    private var timer: Scheduled<Void>?
    /// Each completed once (a promise must not be completed twice): set to nil when done.
    private var ready: EventLoopPromise<Void>?
    private var closed: EventLoopPromise<ModemError>?
    private let onURC: @Sendable (ModemURC) -> Void
    private let onUnexpected: @Sendable (String) -> Void

    init(
        settings: ModemStateMachine.Settings,
        ready: EventLoopPromise<Void>,
        closed: EventLoopPromise<ModemError>,
        onURC: @escaping @Sendable (ModemURC) -> Void,
        onUnexpected: @escaping @Sendable (String) -> Void
    ) {
        machine = ModemStateMachine(settings: settings)
        self.ready = ready
        self.closed = closed
        self.onURC = onURC
        self.onUnexpected = onUnexpected
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.event(.start), context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { perform(machine.event(.start), context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        perform(machine.event(.received(bytes)), context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        nextID += 1
        promises[nextID] = request.promise
        perform(machine.event(.submit(request.command, id: nextID)), context)
        promise?.succeed()
    }

    /// Our side closes the device: a send still waiting for its prompt is abandoned with ESC
    /// first. The machine's own `.close` is left out: this close is the one under way.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        perform(machine.event(.closing).filter { if case .close = $0 { false } else { true } }, context)
        context.close(mode: mode, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.event(.closed), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.event(.closed), context)
        let gone = ModemError(.transient, "the modem's device was closed")
        for promise in promises.values { promise.fail(gone) }
        promises = [:]
        ready?.fail(gone)
        ready = nil
        closed?.succeed(gone)
        closed = nil
        context.fireChannelInactive()
    }

    private func perform(_ actions: [ModemStateMachine.Action], _ context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .write(let bytes, let timeout):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                timer?.cancel()
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                timer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    let (handler, context) = loopBound.value
                    handler.perform(handler.machine.event(.timeout), context)
                }
            case .cancelTimer:
                timer?.cancel()
                timer = nil
            case .escape:
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: [0x1B])), promise: nil)
            case .ready:
                ready?.succeed()
                ready = nil
            case .startupFailed(let error):
                ready?.fail(error)
                ready = nil
            case .completed(let id, let result):
                guard let promise = promises.removeValue(forKey: id) else { continue }
                switch result {
                case .success(let lines): promise.succeed(lines)
                case .failure(let error): promise.fail(error)
                }
            case .urc(let urc):
                onURC(urc)
            case .unexpected(let line):
                onUnexpected(line)
            case .close(let error):
                timer?.cancel()
                timer = nil
                closed?.succeed(error)
                closed = nil
                context.close(promise: nil)
            }
        }
    }
}
