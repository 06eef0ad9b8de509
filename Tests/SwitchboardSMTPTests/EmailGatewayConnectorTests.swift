import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

@Suite("email-to-SMS gateway", .enabled(if: AioSMTPServer.available, "needs python3 with aiosmtpd"), .serialized)
struct EmailGatewayConnectorTests {
    func sms(_ text: String, to number: String = "+4712345678") -> Outbound {
        let message = Message(text: text)
        return Outbound(delivery: Delivery(messageID: message.id, address: .sms(number), channel: .sms), message: message)
    }

    @Test("an sms delivery becomes a mail to the gateway: the number as subject, the text as body")
    func sendsThroughNamedRelay() async throws {
        let directory = SMTPConnectorDirectory()
        try await AioSMTPServer.with { server in
            var c = SMTPConnector.Configuration(host: "127.0.0.1", port: server.port, tls: .none, from: try MailAddress("nav@example.org"))
            c.timeout = .seconds(10)
            let relay = SMTPConnector(name: "relay", configuration: c, directory: directory)
            let gateway = EmailGatewayConnector(
                name: "sms-mail",
                configuration: .init(smtp: "relay", to: try MailAddress("sms@gw.example.org")),
                directory: directory
            )
            let out = sms("Switch sw-1 is down. Lørdag.")
            let receipt = try await gateway.send(out)
            await relay.shutdown()
            #expect(receipt.id == "<\(out.delivery.id)@example.org>")
            #expect(try server.envelope("001").rcpt_tos == ["sms@gw.example.org"])
            let mail = try server.check("001")
            #expect(mail.subject == "+4712345678")
            #expect(mail.text?.trimmingCharacters(in: .newlines) == "Switch sw-1 is down. Lørdag.")
            #expect(mail.tree.type == "text/plain" && mail.attachments.isEmpty)
        }
    }

    @Test("a relay name that is no smtp connector is a permanent error naming the ones there are")
    func unknownRelay() async throws {
        let directory = SMTPConnectorDirectory()
        let other = SMTPConnector(
            name: "mail",
            configuration: .init(host: "127.0.0.1", tls: .none, from: try MailAddress("a@example.org")),
            directory: directory
        )
        let gateway = EmailGatewayConnector(
            name: "sms-mail",
            configuration: .init(smtp: "kannel", to: try MailAddress("sms@gw.example.org")),
            directory: directory
        )
        let error = await #expect(throws: ConnectorError.self) { try await gateway.send(sms("x")) }
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("'kannel' is not an smtp connector") == true && error?.message.contains("mail") == true)
        _ = other
    }

    @Test("an email delivery is refused permanently")
    func onlySMS() async throws {
        let gateway = EmailGatewayConnector(
            name: "g",
            configuration: .init(smtp: "relay", to: try MailAddress("sms@gw.example.org")),
            directory: SMTPConnectorDirectory()
        )
        let message = Message(text: "x")
        let out = Outbound(delivery: Delivery(messageID: message.id, address: .email("a@example.org"), channel: .email), message: message)
        let error = await #expect(throws: ConnectorError.self) { try await gateway.send(out) }
        #expect(error?.kind == .permanent)
    }
}
