import NIOCore
import NIOEmbedded
import Testing

@testable import SwitchboardSMTP

@Suite("SMTP reply decoder")
struct SMTPReplyDecoderTests {
    /// Feeds `input` one byte at a time through an `EmbeddedChannel` and returns the replies read.
    func decodeByteByByte(_ input: String) throws -> [SMTPReply] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        var replies: [SMTPReply] = []
        for byte in input.utf8 {
            var buffer = channel.allocator.buffer(capacity: 1)
            buffer.writeInteger(byte)
            try channel.writeInbound(buffer)
            while let reply = try channel.readInbound(as: SMTPReply.self) { replies.append(reply) }
        }
        _ = try channel.finish()
        return replies
    }

    @Test("a multi-line EHLO reply fed byte by byte becomes one reply with every line")
    func multiLine() throws {
        let replies = try decodeByteByByte(
            "220 mx.example.org ESMTP\r\n250-mx.example.org Hello\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"
        )
        #expect(
            replies == [
                SMTPReply(220, "mx.example.org ESMTP"),
                SMTPReply(code: 250, lines: ["mx.example.org Hello", "SIZE 10240000", "STARTTLS", "AUTH PLAIN LOGIN"]),
            ]
        )
    }

    @Test("bare LF line ends and a code without text are accepted")
    func lenientLines() throws {
        #expect(try decodeByteByByte("250\n354 go\n") == [SMTPReply(250, ""), SMTPReply(354, "go")])
    }

    @Test("a line that is not a reply, or a code change inside a reply, is an error")
    func malformed() throws {
        for bad in ["hello\r\n", "250-a\r\n251 b\r\n", "250+x\r\n", "999 x\r\n"] {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
            #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(string: bad)) }
            _ = try? channel.finish()
        }
    }

    @Test("an endless line is refused instead of buffered")
    func lineLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        #expect(throws: SMTPProtocolError.self) {
            try channel.writeInbound(ByteBuffer(string: "250 " + String(repeating: "x", count: 5000)))
        }
        _ = try? channel.finish()
    }

    @Test("EHLO capabilities: keywords, AUTH= spelling, SIZE 0 means no limit")
    func capabilities() {
        let caps = SMTPCapabilities(ehlo: SMTPReply(code: 250, lines: ["mx", "AUTH=LOGIN", "auth plain", "SIZE 0", "smtputf8"]))
        #expect(caps.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(caps.sizeLimit == nil && caps.advertisesSize)
        #expect(caps.smtpUTF8 && !caps.startTLS)
    }
}
