import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The guard in its place (probe, NIO's decoder and encoder, guard) on an `EmbeddedChannel`,
/// fed raw bytes; what it writes is read back as bytes.
@Suite("HTTP connection guard")
struct HTTPConnectionGuardTests {
    func channel(_ settings: TransportSettings = .init()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let sync = channel.pipeline.syncOperations
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
        var server = ServerSettings()
        server.transport = settings
        try HTTPTransport(server, descriptorLimit: nil).install(on: sync, logger: .init(label: "test"))
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
        var out = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { out += buffer.readString(length: buffer.readableBytes) ?? "" }
        return out
    }

    static let malformed: [String: (request: String, status: String)] = [
        "unknown method": ("BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n", "501"),
        "bare LF": ("GET /health HTTP/1.1\nHost: x\n\n", "400"),
        "folded header": ("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", "400"),
        "both lengths": ("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
        "long URL": ("GET /" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\n\r\n", "414"),
        "long header": ("GET / HTTP/1.1\r\nX-A: " + String(repeating: "a", count: 100_000) + "\r\n\r\n", "431"),
    ]

    @Test(arguments: malformed.keys.sorted())
    func answersWhatCannotBeParsedAndClosesItsSide(name: String) throws {
        let (request, status) = try #require(Self.malformed[name])
        let channel = try channel()
        // Short ones a byte at a time, so the probe sees lines split across reads; long
        // ones whole, so it sees a line end after the overflow.
        if request.utf8.count < 200 {
            for byte in request.utf8 { try? channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try? channel.writeInbound(ByteBuffer(string: request))
        }
        let answer = try written(channel)
        #expect(answer.hasPrefix("HTTP/1.1 \(status) "), "\(name): \(answer.prefix(80))")
        #expect(answer.contains("Connection: close"))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)
        _ = try? channel.finish()
    }

    @Test func aSlowHeadGets408WhenTheHeadTimeoutRunsOut() throws {
        var settings = TransportSettings()
        settings.requestHeadTimeout = 5
        let channel = try channel(settings)
        try channel.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(try written(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try written(channel).hasPrefix("HTTP/1.1 408 "))
        _ = try? channel.finish()
    }

    @Test func anIdleConnectionIsClosedWithoutAWord() throws {
        var settings = TransportSettings()
        settings.requestHeadTimeout = 5
        let channel = try channel(settings)
        channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(try written(channel).isEmpty)
        #expect(!channel.isActive)
    }

    @Test func aGoodRequestPassesThrough() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
        guard case .head(let head) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
            Issue.record("no head")
            return
        }
        #expect(head.uri == "/health")
        #expect(try written(channel).isEmpty && channel.isActive)
        _ = try? channel.finish()
    }
}
