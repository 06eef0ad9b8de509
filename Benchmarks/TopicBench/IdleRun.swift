import BenchmarkSupport
import Foundation
import NIOCore
import NIOPosix

enum IdleRun {
    /// The server's resident memory growth per idle subscriber, with the clients in a child
    /// process (this program again) so their memory is not counted. Freed heap pages are
    /// returned before each reading, so the growth is memory held by the connections.
    static func run(port: Int, connections: Int) async throws -> (connections: Int, bytesPerConnection: Double, before: Int, after: Int) {
        ProcessFacts.trim()
        let before = ProcessFacts.resident()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--idle-clients", String(connections), "--port", String(port)]
        let out = Pipe()
        let input = Pipe()
        child.standardOutput = out
        child.standardInput = input
        try child.run()
        defer {
            child.terminate()
            child.waitUntilExit()
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchFailure("the idle-client process ended early") }
            line.append(chunk)
        }
        guard String(decoding: line, as: UTF8.self).hasPrefix("live \(connections)") else {
            throw BenchFailure("idle clients: \(String(decoding: line, as: UTF8.self))")
        }
        try await Task.sleep(for: .seconds(1))
        ProcessFacts.trim()
        let after = ProcessFacts.resident()
        return (connections, Double(after - before) / Double(connections), before, after)
    }
}

enum IdleClients {
    /// The child process: opens `count` subscribers, prints `live N` once every one has its
    /// `ready` frame, and holds them until its standard input closes.
    static func run(count: Int, port: Int) async throws {
        FileLimit.raise()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let live = Subscriber(sampled: false, messages: 0)
        let channels = try await Connect.many(count) { _ in
            try await LeanWebSocketClient.connect(group: group, port: port, path: "/topics/bench?_limit=0") { live.onTextCountingReady($0) }
        }
        try await Wait.until("\(count) idle subscribers", timeout: .seconds(300)) { live.readyCount.load(ordering: .relaxed) >= count }
        FileHandle.standardOutput.write(Data("live \(channels.count)\n".utf8))
        _ = FileHandle.standardInput.readDataToEndOfFile()
    }
}
