import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

/// The SMTP connector against a real server (aiosmtpd), the received mail read back with
/// Python's `email` package.
@Suite(
    "SMTP connector against aiosmtpd",
    .enabled(if: AioSMTPServer.available, "needs python3 with aiosmtpd, and openssl"),
    .serialized
)
struct SMTPConnectorIntegrationTests {
    static let from = try! MailAddress(parsing: "Switchboard Alerts <alerts@hub.example.org>")

    func connector(
        _ server: AioSMTPServer,
        tls: SMTPTLSMode = .none,
        caFile: String? = nil,
        user: String? = nil,
        password: String? = nil,
        host: String = "127.0.0.1",
        port: Int? = nil
    ) -> SMTPConnector {
        var c = SMTPConnector.Configuration(host: host, port: port ?? server.port, tls: tls, from: Self.from)
        c.caFile = caFile
        c.username = user
        c.password = password
        c.timeout = .seconds(10)
        c.clientName = "hub.test"
        return SMTPConnector(name: "mail", configuration: c, directory: nil)
    }

    func outbound(_ message: Message, to: String) -> Outbound {
        Outbound(delivery: Delivery(messageID: message.id, address: .email(to), channel: .email), message: message)
    }

    static let pdf = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })

    @Test("STARTTLS with ca_file and AUTH: HTML, plain alternative, attachment and non-ASCII subject arrive intact")
    func richMailOverSTARTTLS() async throws {
        let cert = try TestCertificate.make()
        defer { cert.remove() }
        let options = AioSMTPServer.Options(tls: "starttls", user: "hub", password: "correct horse")
        try await AioSMTPServer.with(options, certificate: cert) { server in
            let smtp = connector(server, tls: .starttls, caFile: cert.certFile, user: "hub", password: "correct horse", host: "localhost")
            let text = "Vannstanden stiger ved Årnes.\n.\n..dots stay\nEnd."
            let message = Message(
                subject: "Flomvarsel: evakuer Østfløyen nå – 避難",
                text: text,
                html: "<p>Vannstanden <b>stiger</b> ved Årnes.</p>",
                attachments: [
                    Attachment(filename: "kart over Årnes.pdf", contentType: "application/pdf", data: Self.pdf),
                    Attachment(filename: "notes.txt", contentType: "text/plain", data: Data("a\nb\n".utf8)),
                ]
            )
            let out = outbound(message, to: "kari@example.org")
            let receipt = try await smtp.send(out)
            await smtp.shutdown()

            #expect(server.received == ["001"])
            let envelope = try server.envelope("001")
            #expect(envelope.mail_from == "alerts@hub.example.org" && envelope.rcpt_tos == ["kari@example.org"])
            let mail = try server.check("001")
            #expect(mail.defects.isEmpty)
            #expect(mail.ascii_only && mail.max_line <= 78)
            #expect(mail.subject == "Flomvarsel: evakuer Østfløyen nå – 避難")
            #expect(mail.from == "Switchboard Alerts <alerts@hub.example.org>")
            #expect(mail.message_id == receipt.id && receipt.id == "<\(out.delivery.id)@hub.example.org>")
            #expect(mail.mime_version == "1.0")
            #expect(mail.tree.type == "multipart/mixed")
            #expect(mail.tree.parts?.map(\.type) == ["multipart/alternative", "application/pdf", "text/plain"])
            #expect(mail.tree.parts?.first?.parts?.map(\.type) == ["text/plain", "text/html"])
            #expect(
                mail.text?.replacingOccurrences(of: "\r\n", with: "\n") == text + "\n"
                    || mail.text?.replacingOccurrences(of: "\r\n", with: "\n") == text
            )
            #expect(mail.html?.contains("<b>stiger</b> ved Årnes") == true)
            #expect(mail.attachments.count == 2)
            #expect(mail.attachments[0].filename == "kart over Årnes.pdf")
            #expect(mail.attachments[0].content_type == "application/pdf")
            #expect(mail.attachments[0].size == Self.pdf.count)
            #expect(mail.attachments[0].sha256 == Self.sha256(Self.pdf))
            #expect(mail.attachments[1].filename == "notes.txt" && mail.attachments[1].size == 4)
        }
    }

    @Test("three recipients in one transaction, one refused with 550: two get the mail, each has its result")
    func perRecipientResults() async throws {
        try await AioSMTPServer.with(.init(refuse: ["nobody@example.org"])) { server in
            let smtp = connector(server)
            let mail = MIMEMessage(from: Self.from, to: [try MailAddress("team@example.org")], subject: "Drill", text: "This is a drill")
            let results = try await smtp.send(mail, to: ["a@example.org", "nobody@example.org", "c@Example.ORG"])
            await smtp.shutdown()
            #expect(results.count == 3)
            #expect(results["a@example.org"]?.isAccepted == true)
            #expect(results["c@Example.ORG"]?.isAccepted == true, "results are keyed by the caller's spelling")
            let refused = try #require(results["nobody@example.org"]?.error)
            #expect(refused.kind == .permanent)
            #expect(refused.message.contains("550") && refused.message.contains("nobody@example.org"))
            if case .accepted(let reply) = results["a@example.org"] { #expect(reply.description.contains("queued as 001")) }
            #expect(server.received == ["001"])
            #expect(try server.envelope("001").rcpt_tos == ["a@example.org", "c@example.org"])
        }
    }

    @Test("a wrong password is a permanent error")
    func wrongPassword() async throws {
        let cert = try TestCertificate.make()
        defer { cert.remove() }
        try await AioSMTPServer.with(.init(tls: "starttls", user: "hub", password: "right"), certificate: cert) { server in
            let smtp = connector(server, tls: .starttls, caFile: cert.certFile, user: "hub", password: "wrong")
            let error = await #expect(throws: ConnectorError.self) {
                try await smtp.send(outbound(Message(text: "x"), to: "kari@example.org"))
            }
            #expect(error?.kind == .permanent)
            #expect(error?.message.contains("authentication failed") == true)
            #expect(error?.message.contains("wrong") == false, "the password never appears in an error")
            #expect(server.received.isEmpty)
        }
    }

    @Test("AUTH LOGIN over implicit TLS when the server offers no PLAIN")
    func implicitTLSWithLogin() async throws {
        let cert = try TestCertificate.make()
        defer { cert.remove() }
        try await AioSMTPServer.with(.init(tls: "implicit", user: "hub", password: "pw", noPlain: true), certificate: cert) { server in
            let smtp = connector(server, tls: .implicit, caFile: cert.certFile, user: "hub", password: "pw")
            _ = try await smtp.send(outbound(Message(subject: "Implicit", text: "over TLS"), to: "kari@example.org"))
            await smtp.shutdown()
            #expect(try server.check("001").subject == "Implicit")
        }
    }

    @Test("a certificate not trusted (no ca_file) is a transient TLS failure and nothing is sent")
    func untrustedCertificate() async throws {
        let cert = try TestCertificate.make()
        defer { cert.remove() }
        try await AioSMTPServer.with(.init(tls: "starttls"), certificate: cert) { server in
            let smtp = connector(server, tls: .starttls)
            let error = await #expect(throws: ConnectorError.self) {
                try await smtp.send(outbound(Message(text: "x"), to: "kari@example.org"))
            }
            #expect(error?.kind == .transient)
            #expect(error?.message.contains("TLS") == true)
            #expect(server.received.isEmpty)
        }
    }

    @Test("a server that is not there is a transient error")
    func nobodyListening() async throws {
        var port = 0
        try await AioSMTPServer.with { server in port = server.port }  // a port that was just free and is closed again
        var c = SMTPConnector.Configuration(host: "127.0.0.1", port: port, tls: .none, from: Self.from)
        c.timeout = .seconds(5)
        let smtp = SMTPConnector(name: "mail", configuration: c, directory: nil)
        let error = await #expect(throws: ConnectorError.self) {
            try await smtp.send(outbound(Message(text: "x"), to: "kari@example.org"))
        }
        #expect(error?.kind == .transient)
        // Refused outright, or reset by a server still shutting down on that port: either way
        // the message names the server and nothing was sent.
        #expect(error?.message.contains("127.0.0.1:\(port)") == true, "\(String(describing: error))")
    }

    @Test("a message larger than the server's SIZE is refused before it is sent, permanently")
    func sizeLimit() async throws {
        try await AioSMTPServer.with(.init(size: 4000)) { server in
            let smtp = connector(server)
            let message = Message(
                text: "big",
                attachments: [Attachment(filename: "big.bin", contentType: "application/octet-stream", data: Self.pdf)]
            )
            let error = await #expect(throws: ConnectorError.self) { try await smtp.send(outbound(message, to: "kari@example.org")) }
            #expect(error?.kind == .permanent && error?.message.contains("SIZE") == true)
            // The session is still good: a small mail goes through.
            _ = try await smtp.send(outbound(Message(text: "small"), to: "kari@example.org"))
            await smtp.shutdown()
            #expect(server.received == ["001"])
        }
    }

    @Test("sessions are reused: several sends in a row use one connection")
    func poolReuse() async throws {
        try await AioSMTPServer.with { server in
            let smtp = connector(server)
            for i in 1...4 { _ = try await smtp.send(outbound(Message(text: "n\(i)"), to: "kari@example.org")) }
            #expect(smtp.idleConnections == 1)
            await smtp.shutdown()
            #expect(server.received.count == 4)
            #expect(server.connections == 1)
        }
    }

    @Test("concurrent sends use at most pool_size sessions and all arrive")
    func poolConcurrency() async throws {
        try await AioSMTPServer.with { server in
            let smtp = connector(server)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 1...6 {
                    group.addTask { _ = try await smtp.send(outbound(Message(text: "c\(i)"), to: "k\(i)@example.org")) }
                }
                try await group.waitForAll()
            }
            await smtp.shutdown()
            #expect(server.received.count == 6)
            #expect(server.connections <= 2)
        }
    }

    @Test("an sms delivery is refused permanently by the smtp connector")
    func wrongAddressKind() async throws {
        try await AioSMTPServer.with { server in
            let smtp = connector(server)
            let message = Message(text: "x")
            let out = Outbound(delivery: Delivery(messageID: message.id, address: .sms("+4712345678"), channel: .sms), message: message)
            let error = await #expect(throws: ConnectorError.self) { try await smtp.send(out) }
            #expect(error?.kind == .permanent)
        }
    }

    static func sha256(_ data: Data) -> String {
        let r = try! AioSMTPServer.run([
            "python3", "-c", "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())",
            data.map { String(format: "%02x", $0) }.joined(),
        ])
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
