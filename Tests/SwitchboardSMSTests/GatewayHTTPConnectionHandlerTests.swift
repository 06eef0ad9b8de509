import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import SwitchboardSMS

/// The gateway client's pipeline (encoder, decoder, handler) on an `EmbeddedChannel`: the
/// gateway's bytes go in one at a time, the request written is read back, time is advanced
/// by hand.
@Suite struct GatewayHTTPConnectionHandlerTests {
    struct Pipeline {
        let channel = EmbeddedChannel()

        init(maxBodyBytes: Int = 1024) throws {
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(
                GatewayHTTPConnectionHandler(hostHeader: "gw.local:8080", maxBodyBytes: maxBodyBytes, idleTimeout: .seconds(60)) {}
            )
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        }

        /// Starts `request` with a deadline `timeout` from the embedded loop's clock.
        func start(_ request: GatewayHTTPRequest, timeout: TimeAmount = .seconds(10)) throws -> EventLoopFuture<GatewayHTTPResponse> {
            let exchange = GatewayHTTPConnectionHandler.Exchange(
                request: request,
                deadline: channel.eventLoop.now + timeout,
                promise: channel.eventLoop.makePromise()
            )
            try channel.pipeline.syncOperations.handler(type: GatewayHTTPConnectionHandler.self).start(exchange)
            return exchange.promise.futureResult
        }

        /// The gateway says `text`, one byte at a time.
        func gateway(_ text: String) throws {
            for byte in text.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        }

        /// Everything the client wrote since the last call.
        func written() throws -> String {
            var out = ""
            while case .byteBuffer(let b)? = try channel.readOutbound(as: IOData.self) { out += String(buffer: b) }
            return out
        }
    }

    static func failure(_ future: EventLoopFuture<GatewayHTTPResponse>) -> GatewayHTTPError.Code? {
        do {
            _ = try future.wait()
            return nil
        } catch {
            return (error as? GatewayHTTPError)?.code
        }
    }

    @Test func aPostCarriesHostAndLengthAndAnInformationalAnswerIsSkipped() throws {
        let p = try Pipeline()
        let answer = try p.start(
            GatewayHTTPRequest(method: .POST, target: "/sms?x=1", headers: ["User-Agent": "switchboard"], body: ByteBuffer(string: "to=1"))
        )
        #expect(try p.written() == "POST /sms?x=1 HTTP/1.1\r\nUser-Agent: switchboard\r\nHost: gw.local:8080\r\nContent-Length: 4\r\n\r\nto=1")
        try p.gateway("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 6\r\n\r\nid=417")
        let response = try answer.wait()
        #expect(response.status == 202 && String(buffer: response.body) == "id=417" && response.keepAlive)
        #expect(p.channel.isActive)
    }

    @Test func aRequestOnAConnectionAlreadyClosedFailsBeforeAByteIsWritten() throws {
        let p = try Pipeline()
        try p.channel.close().wait()
        let answer = try p.start(GatewayHTTPRequest(target: "/"))
        #expect(Self.failure(answer) == .closedBeforeWrite)
        #expect(try p.written() == "")
    }

    @Test func aConnectionLostAfterTheRequestWasWrittenIsNotRetryable() throws {
        let p = try Pipeline()
        let answer = try p.start(GatewayHTTPRequest(target: "/"))
        #expect(try p.written().hasPrefix("GET / HTTP/1.1\r\n"))
        try p.gateway("HTTP/1.1 200 OK\r\nContent-Len")
        p.channel.pipeline.fireChannelInactive()
        #expect(Self.failure(answer) == .connectionLost)
    }

    @Test func theDeadlineFailsTheRequestAndClosesTheConnection() throws {
        let p = try Pipeline()
        let answer = try p.start(GatewayHTTPRequest(target: "/"), timeout: .seconds(5))
        var ended = false
        answer.assumeIsolated().whenComplete { _ in ended = true }
        p.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(!ended, "the deadline fired a second early on the embedded clock")
        p.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(Self.failure(answer) == .deadlineExceeded)
        #expect(!p.channel.isActive)
    }

    /// A request that waited for a connection until its deadline had passed is never written:
    /// its sender has given up, so the gateway must not act on it.
    @Test func aRequestWhoseDeadlinePassedBeforeItsTurnIsNotWritten() throws {
        let p = try Pipeline()
        let answer = try p.start(GatewayHTTPRequest(target: "/"), timeout: .zero)
        #expect(Self.failure(answer) == .deadlineExceeded)
        #expect(try p.written() == "")
        #expect(p.channel.isActive)
    }

    @Test func theAnswerEndingInTimeCancelsTheDeadline() throws {
        let p = try Pipeline()
        let answer = try p.start(GatewayHTTPRequest(target: "/"), timeout: .seconds(5))
        try p.gateway("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n")
        p.channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(String(buffer: try answer.wait().body) == "OK")
        #expect(p.channel.isActive)
        let second = try p.start(GatewayHTTPRequest(target: "/again"))
        #expect(try p.written().contains("GET /again HTTP/1.1\r\n"))
        try p.gateway("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        #expect(try second.wait().keepAlive == false)
        #expect(!p.channel.isActive)
    }

    @Test func aBodyOverTheLimitFailsAndClosesTheConnection() throws {
        let p = try Pipeline(maxBodyBytes: 8)
        let answer = try p.start(GatewayHTTPRequest(target: "/"))
        try p.gateway("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789")
        #expect(Self.failure(answer) == .responseTooLarge)
        #expect(!p.channel.isActive)
    }

    @Test func anAnswerNobodyAskedForClosesTheConnection() throws {
        let p = try Pipeline()
        try p.gateway("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(!p.channel.isActive)
    }
}
