import Foundation
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardSMTP

/// Keeps what the listener hands over; can be told to fail, as a store that is down would.
final class RecordingSink: InboundSink {
    let received = Mutex<[InboundMessage]>([])
    let failing = Mutex(false)
    func receive(_ inbound: InboundMessage) async throws -> InboundResult {
        if failing.withLock({ $0 }) { throw ConnectorError.transient("store down") }
        received.withLock { $0.append(inbound) }
        return InboundResult(messageID: Identifier.make(), disposition: .handled)
    }
    var messages: [InboundMessage] { received.withLock { $0 } }
    /// The addresses the directory knows; `nil` knows everyone.
    let directory = Mutex<Set<Address>?>(nil)
    func knowsRecipient(_ address: Address) async throws -> Bool {
        directory.withLock { $0?.contains(address) ?? true }
    }
}

@Suite("inbound SMTP/LMTP listener", .serialized)
struct SMTPInboundConnectorTests {
    /// Runs the listener on a free loopback port while `body` runs, then stops it.
    func withListener(
        _ kind: SMTPInboundProtocol = .smtp,
        maxSize: Int = 1 << 20,
        _ body: (Int, RecordingSink) async throws -> Void
    ) async throws {
        var c = SMTPInboundConnector.Configuration(domains: ["alerts.example.org"])
        c.port = 0
        c.protocolKind = kind
        c.maxSize = maxSize
        let listener = SMTPInboundConnector(name: "mailin", configuration: c)
        let sink = RecordingSink()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.run(sink: sink) }
            var port: Int?
            for _ in 0..<200 {
                port = listener.localPort
                if port != nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            do {
                try await body(try #require(port), sink)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    func client(_ port: Int) throws -> SMTPConnector {
        var c = SMTPConnector.Configuration(host: "127.0.0.1", port: port, tls: .none, from: try MailAddress("hub@example.org"))
        c.timeout = .seconds(10)
        return SMTPConnector(name: "out", configuration: c, directory: nil)
    }

    @Test("our own SMTP client's mail arrives as one inbound message per accepted recipient, 550 for other domains")
    func roundTrip() async throws {
        try await withListener { port, sink in
            let smtp = try client(port)
            let mail = MIMEMessage(
                from: try MailAddress("kari@example.org", name: "Kari"),
                to: [],
                subject: "Status – ok",
                text: "All fine.\n.\nBye",
                html: "<p>All fine</p>",
                attachments: [Attachment(filename: "log.txt", contentType: "text/plain", data: Data("x\ny".utf8))]
            )
            let results = try await smtp.send(mail, to: ["ops@alerts.example.org", "kari@elsewhere.org", "duty@alerts.example.org"])
            await smtp.shutdown()
            #expect(results["ops@alerts.example.org"]?.isAccepted == true && results["duty@alerts.example.org"]?.isAccepted == true)
            #expect(results["kari@elsewhere.org"]?.error?.kind == .permanent)
            let got = sink.messages
            #expect(got.map(\.to) == [.email("ops@alerts.example.org"), .email("duty@alerts.example.org")])
            let first = try #require(got.first)
            #expect(first.connector == "mailin" && first.from == .email("hub@example.org"))
            #expect(first.subject == "Status – ok" && first.text == "All fine.\n.\nBye" && first.html == "<p>All fine</p>")
            #expect(first.attachments == [Attachment(filename: "log.txt", contentType: "text/plain", data: Data("x\ny".utf8))])
        }
    }

    @Test(
        "a mail built by Python's email package: 2047 subject, alternative bodies and a 2231 file name are read",
        .enabled(if: AioSMTPServer.available)
    )
    func pythonClient() async throws {
        try await withListener { port, sink in
            let r = try AioSMTPServer.run([
                AioSMTPServer.python, AioSMTPServer.resources.appendingPathComponent("send_mail.py").path,
                String(port), "smtp", "kare@example.org", "ops@alerts.example.org,x@other.org",
            ])
            #expect(r.output.contains("\"x@other.org\": [550"), "\(r.output)")
            let m = try #require(sink.messages.first)
            #expect(sink.messages.count == 1)
            #expect(m.subject == "Svar: flom ved Årnes – 避難")
            #expect(m.text == "Vi er trygge.\n.\nMvh Kåre\n")
            #expect(m.html?.contains("<b>trygge</b>") == true)
            #expect(m.attachments.first?.filename == "bilde fra Årnes.png")
            #expect(m.attachments.first?.contentType == "image/png")
            #expect(m.attachments.first?.data == Data(Array(0...255).map(UInt8.init)).repeated(8))
        }
    }

    @Test("LMTP answers each recipient after the data", .enabled(if: AioSMTPServer.available))
    func lmtp() async throws {
        try await withListener(.lmtp) { port, sink in
            let r = try AioSMTPServer.run([
                AioSMTPServer.python, AioSMTPServer.resources.appendingPathComponent("send_mail.py").path,
                String(port), "lmtp", "kare@example.org", "a@alerts.example.org,b@alerts.example.org",
            ])
            #expect(r.output.contains("{\"refused\": {}}"), "\(r.output)")
            #expect(sink.messages.map(\.to) == [.email("a@alerts.example.org"), .email("b@alerts.example.org")])
        }
    }

    @Test("a recipient no user or contact has is refused with 550 at RCPT, and nothing is handed over")
    func unknownRecipient() async throws {
        try await withListener { port, sink in
            sink.directory.withLock { $0 = [.email("ops@alerts.example.org")] }
            let smtp = try client(port)
            let mail = MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "s", text: "t")
            let results = try await smtp.send(mail, to: ["nobody@alerts.example.org", "ops@alerts.example.org"])
            #expect(results["nobody@alerts.example.org"]?.error?.kind == .permanent)
            #expect(results["nobody@alerts.example.org"]?.error?.message.contains("550") == true)
            #expect(results["ops@alerts.example.org"]?.isAccepted == true)
            // Alone, the refusal ends the transaction before DATA; either way it is permanent.
            let alone: ConnectorError?
            do { alone = try await smtp.send(mail, to: ["nobody@alerts.example.org"])["nobody@alerts.example.org"]?.error } catch let e
                as ConnectorError
            { alone = e }
            #expect(alone?.kind == .permanent)
            await smtp.shutdown()
            #expect(sink.messages.map(\.to) == [.email("ops@alerts.example.org")])
        }
    }

    @Test("when the hub cannot commit, the sender gets 451 (transient) and may retry")
    func sinkFailure() async throws {
        try await withListener { port, sink in
            sink.failing.withLock { $0 = true }
            let smtp = try client(port)
            let results = try await smtp.send(
                MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "s", text: "t"),
                to: ["ops@alerts.example.org"]
            )
            await smtp.shutdown()
            #expect(results["ops@alerts.example.org"]?.error?.kind == .transient)
            #expect(results["ops@alerts.example.org"]?.error?.message.contains("451") == true)
        }
    }

    /// A session left open would hold the listener for its idle timeout (300 s), far past the
    /// time limit: the test fails by that event, not by a stopwatch with a margin.
    @Test("stopping the listener ends sessions still open, so the hub's shutdown is not held up", .timeLimit(.minutes(1)))
    func stopsWithOpenSessions() async throws {
        let smtp = try await withListenerReturning { port in
            let smtp = try client(port)
            _ = try await smtp.send(
                MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "s", text: "t"),
                to: ["o@alerts.example.org"]
            )
            #expect(smtp.idleConnections == 1, "the client keeps its session open")
            return smtp
        }
        await smtp.shutdown()
    }

    func withListenerReturning<T: Sendable>(_ body: (Int) async throws -> T) async throws -> T {
        var result: T?
        try await withListener { port, _ in result = try await body(port) }
        return result!
    }

    /// That the body grows in place is held exactly by the decoder's test that counts storage
    /// moves; this one sends a 10 MB mail through the real listener. The limit is only a
    /// backstop against a hang (a debug build on a busy 2-core machine takes over a minute).
    @Test("a 10 MB mail through the listener arrives whole", .timeLimit(.minutes(5)))
    func largeMail() async throws {
        try await withListener(maxSize: 12 << 20) { port, sink in
            let smtp = try client(port)
            let line = String(repeating: "x", count: 997) + "\n"
            let text = String(repeating: line, count: (10 << 20) / 999)
            let mail = MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "big", text: text)
            let results = try await smtp.send(mail, to: ["ops@alerts.example.org"])
            await smtp.shutdown()
            #expect(results["ops@alerts.example.org"]?.isAccepted == true)
            let got = try #require(sink.messages.first)
            #expect(got.text.utf8.count == text.utf8.count && got.text == text)
        }
    }

    /// The hub (not the listener) puts U+FFFD where a NUL was; the listener must hand the
    /// text over whole for that, not cut at the NUL.
    @Test("a mail whose text holds NUL arrives whole")
    func nulInText() async throws {
        try await withListener { port, sink in
            let smtp = try client(port)
            let mail = MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "s", text: "before\u{0}after")
            let results = try await smtp.send(mail, to: ["ops@alerts.example.org"])
            await smtp.shutdown()
            #expect(results["ops@alerts.example.org"]?.isAccepted == true)
            // (Sent base64-encoded, the text part comes back with a final line break.)
            #expect(sink.messages.first.map { Array($0.text.trimmingCharacters(in: .newlines).utf8) } == Array("before\u{0}after".utf8))
        }
    }

    @Test("a mail over max_size gets 552: the client refuses it from SIZE before sending")
    func sizeLimit() async throws {
        try await withListener(maxSize: 2048) { port, sink in
            let smtp = try client(port)
            let big = MIMEMessage(from: try MailAddress("a@example.org"), to: [], subject: "s", text: String(repeating: "x\n", count: 3000))
            let error = await #expect(throws: ConnectorError.self) { try await smtp.send(big, to: ["ops@alerts.example.org"]) }
            #expect(error?.kind == .permanent)
            await smtp.shutdown()
            #expect(sink.messages.isEmpty)
        }
    }
}

extension Data {
    func repeated(_ n: Int) -> Data { Data((0..<n).flatMap { _ in self }) }
}
