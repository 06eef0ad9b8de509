import Foundation
import NIOSSL
import Testing

/// A self-signed certificate for `localhost` and 127.0.0.1, made with `openssl req` for one
/// test, and the TLS contexts built on it.
struct GatewayTestCertificate {
    let certificate: NIOSSLCertificate
    let key: NIOSSLPrivateKey

    /// Made with `openssl` (scripts/test.sh installs it); without it the https tests fail,
    /// never skip.
    static func make() throws -> GatewayTestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certFile = directory.appendingPathComponent("cert.pem").path
        let keyFile = directory.appendingPathComponent("key.pem").path
        let result = try run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        try #require(result.status == 0, "openssl failed: \(result.output)")
        let certificate = try #require(try NIOSSLCertificate.fromPEMFile(certFile).first, "no certificate in \(certFile)")
        return GatewayTestCertificate(
            certificate: certificate,
            key: try NIOSSLPrivateKey(file: keyFile, format: .pem)
        )
    }

    func serverContext() throws -> NIOSSLContext {
        try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        )
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
