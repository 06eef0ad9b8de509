import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import SwitchboardModem

/// The handler carrying out the state machine's actions on a channel: bytes out, promises
/// completed, the one timer, unsolicited codes handed on.
@Suite struct ModemChannelHandlerTests {
    final class Collected: Sendable {
        let urcs = Mutex<[ModemURC]>([])
    }

    /// What a future on the embedded loop holds now (nil while it is pending).
    static func now<T: Sendable>(_ future: EventLoopFuture<T>) -> Result<T, any Error>? {
        let box = Mutex<Result<T, any Error>?>(nil)
        future.whenComplete { r in box.withLock { $0 = r } }
        return box.withLock { $0 }
    }

    struct Rig {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
        let ready: EventLoopPromise<Void>
        let closed: EventLoopPromise<ModemError>
        let collected: Collected

        init() throws {
            loop = EmbeddedEventLoop()
            channel = EmbeddedChannel(loop: loop)
            ready = loop.makePromise()
            closed = loop.makePromise()
            let collected = Collected()
            self.collected = collected
            try channel.pipeline.syncOperations.addHandler(
                ModemChannelHandler(
                    settings: ModemStateMachine.Settings(),
                    ready: ready,
                    closed: closed,
                    onURC: { urc in collected.urcs.withLock { $0.append(urc) } },
                    onUnexpected: { _ in }
                )
            )
            channel.pipeline.fireChannelActive()
        }

        /// The ESC start-up begins with, then `ATE0` once the modem had time to settle.
        func settle() throws {
            #expect(try written() == "\u{1B}")
            loop.advanceTime(by: .milliseconds(300))
        }

        func written() throws -> String {
            var out = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) { out += buffer.readString(length: buffer.readableBytes) ?? "" }
            return out
        }

        func answer(_ text: String) throws { try channel.writeInbound(ByteBuffer(string: text)) }

        func startUp() throws {
            try settle()
            for answer in ["OK", "OK", "+CPIN: READY\r\n\r\nOK", "OK", "OK", "OK"] {
                _ = try written()
                try self.answer("\r\n\(answer)\r\n")
            }
        }
    }

    @Test func startUpThenACommandAndItsAnswer() throws {
        let rig = try Rig()
        #expect(try rig.written() == "\u{1B}")
        rig.loop.advanceTime(by: .milliseconds(300))
        #expect(try rig.written() == "ATE0\r")
        for answer in ["OK", "OK", "+CPIN: READY\r\n\r\nOK", "OK", "OK", "OK"] {
            _ = try rig.written()
            try rig.answer("\r\n\(answer)\r\n")
        }
        #expect((try? Self.now(rig.ready.futureResult)?.get()) != nil)
        let promise = rig.loop.makePromise(of: [String].self)
        rig.channel.writeAndFlush(ModemRequest(command: ModemCommand("AT+CSQ"), promise: promise), promise: nil)
        #expect(try rig.written() == "AT+CSQ\r")
        try rig.answer("\r\n+CMTI: \"SM\",2\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
        #expect(try Self.now(promise.futureResult)?.get() == ["+CSQ: 21,99"])
        #expect(rig.collected.urcs.withLock { $0 } == [.messageStored(storage: "SM", index: 2)])
    }

    @Test func aCommandWithoutAnswerTimesOutClosesTheChannelAndFailsThePromise() throws {
        let rig = try Rig()
        try rig.startUp()
        _ = try rig.written()
        let promise = rig.loop.makePromise(of: [String].self)
        rig.channel.writeAndFlush(ModemRequest(command: ModemCommand("AT+CSQ", timeout: .seconds(3)), promise: promise), promise: nil)
        rig.loop.advanceTime(by: .milliseconds(2999))
        #expect(Self.now(promise.futureResult) == nil)
        rig.loop.advanceTime(by: .milliseconds(1))
        guard case .failure(let failure) = Self.now(promise.futureResult) else {
            Issue.record("the command did not fail")
            return
        }
        #expect((failure as? ModemError)?.message.contains("did not answer AT+CSQ") == true)
        #expect(try Self.now(rig.closed.futureResult)?.get().kind == .transient)
        #expect(!rig.channel.isActive)
    }

    @Test func aSendWithoutAPromptIsAbandonedWithESCBeforeTheChannelCloses() throws {
        let rig = try Rig()
        try rig.startUp()
        _ = try rig.written()
        let promise = rig.loop.makePromise(of: [String].self)
        let cmgs = ModemCommand("AT+CMGS=19", payload: "0021000A9174214365870000", timeout: .seconds(5))
        rig.channel.writeAndFlush(ModemRequest(command: cmgs, promise: promise), promise: nil)
        #expect(try rig.written() == "AT+CMGS=19\r")
        rig.loop.advanceTime(by: .seconds(5))
        #expect(try rig.written() == "\u{1B}")
        #expect(!rig.channel.isActive)
        #expect(Self.now(promise.futureResult).map { if case .failure = $0 { true } else { false } } == true)
    }

    @Test func closingTheChannelWhileThePromptIsAwaitedWritesESC() throws {
        let rig = try Rig()
        try rig.startUp()
        _ = try rig.written()
        let promise = rig.loop.makePromise(of: [String].self)
        rig.channel.writeAndFlush(ModemRequest(command: ModemCommand("AT+CMGS=19", payload: "00"), promise: promise), promise: nil)
        _ = try rig.written()
        try rig.channel.close().wait()
        #expect(try rig.written() == "\u{1B}")
        #expect(Self.now(promise.futureResult).map { if case .failure = $0 { true } else { false } } == true)
    }

    @Test func aStartUpThatGetsNoAnswerFailsTheReadyPromise() throws {
        let rig = try Rig()
        try rig.settle()
        rig.loop.advanceTime(by: .seconds(10))
        guard case .failure(let failure) = Self.now(rig.ready.futureResult) else {
            Issue.record("start-up did not fail")
            return
        }
        #expect((failure as? ModemError)?.message.contains("ATE0") == true)
    }
}
