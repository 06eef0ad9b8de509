import NIOCore
import NIOWebSocket
import Testing

@testable import SwitchboardServer

/// Messages put together from client frames, as the topic socket reads them.
@Suite("Topic message assembly")
struct TopicMessageAssemblyTests {
    static func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
        // Client frames are masked; the assembly must read the unmasked bytes.
        let key = WebSocketMaskingKey([1, 2, 3, 4])!
        var data = ByteBuffer(string: text)
        data.webSocketMask(key)
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
    }

    @Test func oneFrameAndFragmentedMessagesReadTheSame() throws {
        var m = TopicMessageAssembly()
        #expect(try m.add(Self.frame(.text, "hello"), limit: 100) == .text("hello"))
        #expect(try m.add(Self.frame(.text, "hel", fin: false), limit: 100) == nil)
        #expect(try m.add(Self.frame(.continuation, "l", fin: false), limit: 100) == nil)
        #expect(try m.add(Self.frame(.continuation, "o"), limit: 100) == .text("hello"))
        #expect(try m.add(Self.frame(.text, "next"), limit: 100) == .text("next"), "a finished message leaves nothing behind")
    }

    @Test func aMessageOverTheLimitIsReportedWithItsSizeAndTheNextIsRead() throws {
        var m = TopicMessageAssembly()
        #expect(try m.add(Self.frame(.text, String(repeating: "x", count: 11)), limit: 10) == .tooLarge(11))
        #expect(try m.add(Self.frame(.text, "123456", fin: false), limit: 10) == nil)
        #expect(try m.add(Self.frame(.continuation, "789012", fin: false), limit: 10) == nil)
        #expect(try m.add(Self.frame(.continuation, "345"), limit: 10) == .tooLarge(15))
        #expect(try m.add(Self.frame(.text, "exactly 10"), limit: 10) == .text("exactly 10"))
    }

    @Test func binaryAndInvalidUTF8AreNamed() throws {
        var m = TopicMessageAssembly()
        #expect(try m.add(Self.frame(.binary, "{}"), limit: 100) == .binary)
        #expect(try m.add(Self.frame(.binary, "{", fin: false), limit: 100) == nil)
        #expect(try m.add(Self.frame(.continuation, "}"), limit: 100) == .binary)
        let key = WebSocketMaskingKey([9, 9, 9, 9])!
        var bad = ByteBuffer(bytes: [0x7B, 0xFF, 0x7D])
        bad.webSocketMask(key)
        #expect(try m.add(WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: bad), limit: 100) == .invalidUTF8)
    }

    @Test func continuationsOutOfOrderAreProtocolErrors() {
        var m = TopicMessageAssembly()
        #expect(throws: TopicMessageAssembly.ProtocolError.self) { try m.add(Self.frame(.continuation, "stray"), limit: 100) }
        var open = TopicMessageAssembly()
        _ = try? open.add(Self.frame(.text, "start", fin: false), limit: 100)
        #expect(throws: TopicMessageAssembly.ProtocolError.self) { try open.add(Self.frame(.text, "another"), limit: 100) }
    }
}
