import NIOCore
import NIOEmbedded
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

/// The client pipeline (decoder, encoder, handler) on an `EmbeddedChannel`: the server's
/// bytes go in one at a time, the commands written are read back, time is advanced by hand.
@Suite("SMTP client handler")
struct SMTPClientHandlerTests {
    struct Pipeline {
        let channel = EmbeddedChannel()
        let session: EventLoopPromise<SMTPCapabilities>

        init(timeout: TimeAmount = .seconds(30)) throws {
            session = channel.eventLoop.makePromise()
            let settings = SMTPClientStateMachine.Settings(clientName: "hub.test", tls: .none)
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(SMTPReplyDecoder()), MessageToByteHandler(SMTPCommandEncoder()),
                SMTPClientHandler(settings: settings, timeout: timeout, tlsContext: nil, serverHostname: nil, sessionPromise: session),
            ])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        }

        /// The server says `text`, one byte at a time.
        func server(_ text: String) throws {
            for byte in text.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        }

        /// Everything the client wrote since the last call.
        func client() throws -> String {
            var out = ""
            while let b = try channel.readOutbound(as: ByteBuffer.self) { out += String(buffer: b) }
            return out
        }
    }

    @Test("a scripted session: greeting, EHLO, one message to two recipients, one refused")
    func scripted() throws {
        let p = try Pipeline()
        try p.server("220 mx ESMTP\r\n")
        #expect(try p.client() == "EHLO hub.test\r\n")
        try p.server("250-mx\r\n250-SIZE 100000\r\n250 8BITMIME\r\n")
        #expect(try p.session.futureResult.wait().sizeLimit == 100000)

        let result = p.channel.eventLoop.makePromise(of: SMTPClientStateMachine.TransactionResult?.self)
        let envelope = SMTPClientStateMachine.Envelope(
            from: "a@hub.test",
            recipients: ["x@example.org", "y@example.org"],
            message: Array("Subject: s\r\n\r\n.dot\r\n".utf8)
        )
        try p.channel.writeOutbound(SMTPRequest(kind: .send(envelope), promise: result))
        #expect(try p.client() == "MAIL FROM:<a@hub.test> SIZE=\(envelope.size)\r\n")
        try p.server("250 ok\r\n")
        #expect(try p.client() == "RCPT TO:<x@example.org>\r\n")
        try p.server("550 5.1.1 unknown\r\n")
        #expect(try p.client() == "RCPT TO:<y@example.org>\r\n")
        try p.server("250 ok\r\n")
        #expect(try p.client() == "DATA\r\n")
        try p.server("354 go\r\n")
        #expect(try p.client() == "Subject: s\r\n\r\n..dot\r\n.\r\n")
        try p.server("250 queued\r\n")
        let r = RecipientResult.results(try #require(try result.futureResult.wait()))
        #expect(r["x@example.org"]?.error?.kind == .permanent && r["y@example.org"]?.isAccepted == true)
    }

    @Test("no greeting within the timeout fails the session transiently and closes the connection")
    func greetingTimeout() throws {
        let p = try Pipeline(timeout: .seconds(5))
        p.channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(throws: ConnectorError.transient("no answer to the greeting within the timeout")) { try p.session.futureResult.wait() }
        #expect(!p.channel.isActive)
    }

    @Test("a request while another is under way is refused, not interleaved")
    func oneAtATime() throws {
        let p = try Pipeline()
        try p.server("220 mx\r\n250 mx\r\n")
        _ = try p.client()
        let first = p.channel.eventLoop.makePromise(of: SMTPClientStateMachine.TransactionResult?.self)
        let second = p.channel.eventLoop.makePromise(of: SMTPClientStateMachine.TransactionResult?.self)
        try p.channel.writeOutbound(SMTPRequest(kind: .noop, promise: first))
        try p.channel.writeOutbound(SMTPRequest(kind: .reset, promise: second))
        #expect(throws: ConnectorError.self) { try second.futureResult.wait() }
        #expect(try p.client() == "NOOP\r\n")
        try p.server("250 ok\r\n")
        #expect(try first.futureResult.wait() == nil)
    }
}
