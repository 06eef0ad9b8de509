import NIOCore
import NIOEmbedded
import Testing

@testable import SwitchboardXMPP

/// The handler on a channel: bytes in through the tokenizer, the machine's writes out, and reads
/// held while the connector has too many chats still to commit.
@Suite struct XMPPClientHandlerTests {
    /// Counts the reads that pass the handler towards the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"

    @Test func logsInOverTheChannelAndHoldsReadsWhileChatsWaitForTheSink() throws {
        var machine = XMPPClientStateMachine(settings: .init(jid: JID("user@example.org")!, password: "pencil", resource: "hub", tls: .none))
        machine.makeNonce = { SCRAMVectors.clientNonce }
        let (events, continuation) = AsyncStream.makeStream(of: XMPPLinkEvent.self)
        _ = events
        let counter = ReadCounter()
        let handler = XMPPClientHandler(
            machine: machine,
            limits: XMLStreamLimits(),
            timing: .init(setup: .seconds(30), pingInterval: .zero),
            tlsContext: nil,
            serverHostname: nil,
            events: continuation
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5222)).wait()
        func written() throws -> String {
            var out = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) { out += buffer.readString(length: buffer.readableBytes) ?? "" }
            return out
        }
        func server(_ xml: String) throws {
            for byte in xml.utf8 { try channel.writeInbound(channel.allocator.buffer(bytes: [byte])) }
        }
        #expect(try written().hasPrefix("<?xml version='1.0'?><stream:stream"))
        try server(
            XMPPServerScript.serverHeader
                + "<stream:features><mechanisms xmlns='\(Self.sasl)'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        )
        #expect(try written().contains(XMPPServerScript.base64(SCRAMVectors.clientFirst)))
        try server("<challenge xmlns='\(Self.sasl)'>\(XMPPServerScript.base64(SCRAMVectors.serverFirst))</challenge>")
        #expect(try written().contains(XMPPServerScript.base64(SCRAMVectors.clientFinal)))
        try server("<success xmlns='\(Self.sasl)'>\(XMPPServerScript.base64(SCRAMVectors.serverFinal))</success>")
        #expect(try written().contains("<stream:stream"))
        try server(XMPPServerScript.serverHeader + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")
        try server("<iq type='result' id='bind-1'/>")
        #expect(try written().hasSuffix("<presence/>"))
        #expect(handler.isReadyForTests)

        let chats = String(
            repeating: "<message type='chat' from='kari@example.org/phone'><body>flood</body></message>",
            count: XMPPClientHandler.maxUnhandledChats
        )
        try channel.writeInbound(channel.allocator.buffer(string: chats))
        let before = counter.reads
        channel.read()
        #expect(counter.reads == before, "no read while \(XMPPClientHandler.maxUnhandledChats) chats wait for the sink")
        channel.write(XMPPClientStateMachine.Event.handled(seq: 0), promise: nil)
        #expect(counter.reads == before + 1, "one chat committed: reading goes on")
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
