import Foundation
import Testing

/// A real SMTP server for integration tests: aiosmtpd run from `Resources/smtp_server.py`
/// as a subprocess on 127.0.0.1, writing each received message to a temporary directory.
/// The received bytes are read back with Python's `email` package (`Resources/check_mail.py`),
/// a MIME reader independent of ours.
final class AioSMTPServer: @unchecked Sendable {
    struct Options {
        var tls: String = "none"
        var user: String?
        var password: String?
        var refuse: [String] = []
        var size: Int?
        var noPlain = false
    }

    /// What Python's email package made of one received message.
    struct Checked: Decodable {
        struct Tree: Decodable {
            var type: String
            var parts: [Tree]?
        }
        struct File: Decodable {
            var filename: String?
            var content_type: String
            var size: Int
            var sha256: String
        }
        var subject: String?
        var from: String
        var to: String
        var message_id: String
        var date: String
        var mime_version: String
        var tree: Tree
        var text: String?
        var html: String?
        var attachments: [File]
        var defects: [String]
        var max_line: Int
        var ascii_only: Bool
    }

    struct Envelope: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
    }
    private struct Ready: Decodable { var port: Int }

    let port: Int
    let directory: URL
    private let process: Process

    /// Whether python3 with aiosmtpd and openssl are here (scripts/test.sh installs them). In CI
    /// the tests run regardless, so a missing install fails loudly instead of skipping.
    static let available: Bool = {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return (try? run(["python3", "-c", "import aiosmtpd"]))?.status == 0 && (try? run(["openssl", "version"]))?.status == 0
    }()

    /// The folder holding the Python scripts, wherever the bundle puts `Resources`.
    static var resources: URL {
        Bundle.module.url(forResource: "smtp_server", withExtension: "py", subdirectory: "Resources")?.deletingLastPathComponent()
            ?? Bundle.module.url(forResource: "smtp_server", withExtension: "py")!.deletingLastPathComponent()
    }

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Runs `body` with a server listening; stops it and removes its files afterwards.
    static func with<T>(
        _ options: Options = .init(),
        certificate: TestCertificate? = nil,
        _ body: (AioSMTPServer) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var args = [resources.appendingPathComponent("smtp_server.py").path, "--outdir", directory.path, "--tls", options.tls]
        if let certificate { args += ["--cert", certificate.certFile, "--key", certificate.keyFile] }
        if let user = options.user { args += ["--user", user, "--password", options.password ?? ""] }
        for r in options.refuse { args += ["--refuse", r] }
        if let size = options.size { args += ["--size", String(size)] }
        if options.noPlain { args.append("--no-plain") }
        let process = Process()
        // The interpreter itself, not a launcher script, so that terminating it stops the server.
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line is {"port": N}, printed once the server listens.
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([10]) { line += byte }
        let server: AioSMTPServer
        do {
            guard let ready = try? JSONDecoder().decode(Ready.self, from: line) else {
                throw ServerDidNotStart(output: String(decoding: line, as: UTF8.self))
            }
            server = AioSMTPServer(port: ready.port, directory: directory, process: process)
        } catch {
            await stop(process, directory)
            throw error
        }
        let result: T
        do { result = try await body(server) } catch {
            await stop(process, directory)
            throw error
        }
        await stop(process, directory)
        return result
    }

    /// Kills the server without `waitUntilExit`, which spins on Linux when called off the main thread.
    private static func stop(_ process: Process, _ directory: URL) async {
        // `isRunning` is updated late on Linux, so signals go by pid: the test server needs no grace.
        kill(process.processIdentifier, SIGKILL)
        try? await Task.sleep(for: .milliseconds(20))
        try? FileManager.default.removeItem(at: directory)
    }

    /// The real python3 executable (pyenv and similar put a launcher script first on PATH).
    static let python: String = {
        let r = try? run(["python3", "-c", "import sys; print(sys.executable)"])
        let path = r?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return path.isEmpty ? "/usr/bin/python3" : path
    }()

    /// The received messages' base names (`001`, `002`, …), in order.
    var received: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }.sorted()
    }

    var connections: Int {
        ((try? String(contentsOf: directory.appendingPathComponent("connections.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").count
    }

    func envelope(_ name: String) throws -> Envelope {
        try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: directory.appendingPathComponent("\(name).json")))
    }

    func raw(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(name).eml"), encoding: .utf8)
    }

    func check(_ name: String) throws -> Checked {
        let result = try Self.run([
            "python3", Self.resources.appendingPathComponent("check_mail.py").path,
            directory.appendingPathComponent("\(name).eml").path,
        ])
        try #require(result.status == 0, "check_mail.py failed: \(result.output)")
        return try JSONDecoder().decode(Checked.self, from: Data(result.output.utf8))
    }

    @discardableResult
    static func run(_ command: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct ServerDidNotStart: Error { var output: String }

/// A self-signed certificate for `localhost` and 127.0.0.1, made with `openssl req` for one test.
struct TestCertificate {
    let directory: URL
    var certFile: String { directory.appendingPathComponent("cert.pem").path }
    var keyFile: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let c = TestCertificate(directory: directory)
        let result = try AioSMTPServer.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", c.keyFile, "-out", c.certFile,
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        try #require(result.status == 0, "openssl failed: \(result.output)")
        return c
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
