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

    /// What the handler acknowledged; written and read on the embedded channel's one thread.
    final class Acknowledged: @unchecked Sendable {
        var ids: [String] = []
    }

    /// Counts the flushes that pass the handler towards the socket, and what each carried.
    final class FlushCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var pending = ""
        var flushed: [String] = []
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            var buffer = unwrapOutboundIn(data)
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            context.write(data, promise: promise)
        }
        func flush(context: ChannelHandlerContext) {
            flushed.append(pending)
            pending = ""
            context.flush()
        }
    }

    static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"

    /// Each flush is a TLS record and a system call on both ends: a message leaves with its
    /// `<r/>` in one, and the answers to the stanzas of one read leave together.
    @Test func writesWhatOneEventOrOneReadCausesInOneFlush() throws {
        var machine = XMPPClientStateMachine(settings: .init(jid: JID("user@example.org")!, password: "pencil", resource: "hub", tls: .none))
        machine.makeNonce = { SCRAMVectors.clientNonce }
        let (_, continuation) = AsyncStream.makeStream(of: XMPPLinkEvent.self)
        let flushes = FlushCounter()
        let handler = XMPPClientHandler(
            machine: machine,
            limits: XMLStreamLimits(),
            timing: .init(setup: .seconds(30), pingInterval: .zero),
            tlsContext: nil,
            serverHostname: nil,
            events: continuation,
            acknowledged: { _ in }
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(flushes)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5222)).wait()
        func server(_ xml: String) throws { try channel.writeInbound(channel.allocator.buffer(string: xml)) }
        try server(
            XMPPServerScript.serverHeader
                + "<stream:features><mechanisms xmlns='\(Self.sasl)'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        )
        try server("<challenge xmlns='\(Self.sasl)'>\(XMPPServerScript.base64(SCRAMVectors.serverFirst))</challenge>")
        try server("<success xmlns='\(Self.sasl)'>\(XMPPServerScript.base64(SCRAMVectors.serverFinal))</success>")
        try server(
            XMPPServerScript.serverHeader
                + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>"
        )
        try server("<iq type='result' id='bind-1'/>")
        try server("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>")
        #expect(handler.isReadyForTests)
        #expect(flushes.flushed.last?.hasSuffix("<presence/>") == true, "roster get and presence: \(flushes.flushed)")
        let before = flushes.flushed.count
        channel.writeAndFlush(XMPPClientStateMachine.Event.send(id: "d1", .make("message", XMPPNamespace.client, [("id", "d1")])), promise: nil)
        #expect(flushes.flushed.dropFirst(before) == ["<message id='d1'/><r xmlns='urn:xmpp:sm:3'/>"])
        func ping(_ id: String) -> String { "<iq type='get' id='\(id)' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>" }
        try server(ping("p1") + ping("p2") + "<r xmlns='urn:xmpp:sm:3'/>")
        #expect(
            flushes.flushed.dropFirst(before + 1) == [
                "<iq type='result' id='p1' to='example.org'/><iq type='result' id='p2' to='example.org'/><a xmlns='urn:xmpp:sm:3' h='2'/>"
            ]
        )
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test func logsInOverTheChannelAndHoldsReadsWhileChatsWaitForTheSink() throws {
        var machine = XMPPClientStateMachine(settings: .init(jid: JID("user@example.org")!, password: "pencil", resource: "hub", tls: .none))
        machine.makeNonce = { SCRAMVectors.clientNonce }
        let (events, continuation) = AsyncStream.makeStream(of: XMPPLinkEvent.self)
        _ = events
        let counter = ReadCounter()
        let acks = Acknowledged()
        let handler = XMPPClientHandler(
            machine: machine,
            limits: XMLStreamLimits(),
            timing: .init(setup: .seconds(30), pingInterval: .zero),
            tlsContext: nil,
            serverHostname: nil,
            events: continuation,
            acknowledged: { acks.ids += $0 }
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
        // Without stream management a written message counts as sent, reported at once.
        channel.writeAndFlush(XMPPClientStateMachine.Event.send(id: "d1", .make("message", XMPPNamespace.client, [("id", "d1")])), promise: nil)
        #expect(try written() == "<message id='d1'/>")
        #expect(acks.ids == ["d1"])

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
