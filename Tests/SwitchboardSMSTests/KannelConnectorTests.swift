import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

/// Builds `kannel` connectors the way the hub does: through the engine, from keys.
enum Kannel {
    static let secret = "inbound-Secret_0123456789"
    static let password = "pa ss&word=1%"
    static let env = ["KANNEL_PASSWORD": password, "KANNEL_SECRET": secret]

    static func make(_ keys: KeyValuePairs<String, Gateway.Value>, env: [String: String] = Kannel.env) -> (KannelConnector?, [ConfigProblem]) {
        let node = ConfigNode.mapping(keys.map { ($0.key, $0.value.node) })
        let reader = ConfigReader(node: node, path: "connectors.kannel")
        let settings = ConnectorSettings(name: "kannel", engine: "kannel", channels: [.sms], settings: node)
        let connector = KannelConnector.engine.make(settings, reader, ConfigEnvironment(variables: env))
        reader.rejectUnknownKeys()
        return (connector as? KannelConnector, reader.problems)
    }

    static func keys(_ base: String, dlr: Bool = true) -> KeyValuePairs<String, Gateway.Value> {
        dlr
            ? [
                "url": .text("\(base)/cgi-bin/sendsms"), "username": "switchboard", "password_env": "KANNEL_PASSWORD", "from": "Ops & Co",
                "dlr_url": "http://127.0.0.1:8080/", "inbound_secret_env": "KANNEL_SECRET",
            ]
            : ["url": .text("\(base)/cgi-bin/sendsms"), "username": "switchboard", "password_env": "KANNEL_PASSWORD"]
    }

    static func with<T>(_ base: String, dlr: Bool = true, _ body: (KannelConnector) async throws -> T) async throws -> T {
        try await withConnector(make(keys(base, dlr: dlr)), shutdown: { await $0.shutdown() }, body)
    }

    static func value(_ request: TestHTTPServer.Request, _ name: String) -> String? {
        request.query.first { $0.name == name }?.value
    }
}

@Suite struct KannelSending {
    @Test func gsmTextGoesAsUTF8WithCredentialsSenderAndADeliveryReportURL() async throws {
        try await TestHTTPServer.with(reply: .init(status: 202, body: "0: Accepted for delivery")) { server in
            try await Kannel.with(server.baseURL) { kannel in
                let out = Gateway.outbound("Alarm & co=1 #3 +4 100%")
                let receipt = try await kannel.send(out)
                #expect(receipt.id == nil)  // Kannel gives none: reports carry our delivery id
                let request = try #require(server.requests.first)
                #expect(request.method == "GET" && request.uri.hasPrefix("/cgi-bin/sendsms?"))
                #expect(request.query.map(\.name) == ["username", "password", "to", "text", "charset", "from", "dlr-mask", "dlr-url"])
                #expect(Kannel.value(request, "username") == "switchboard")
                #expect(Kannel.value(request, "password") == Kannel.password)
                #expect(Kannel.value(request, "to") == "+4712345678")
                #expect(Kannel.value(request, "text") == "Alarm & co=1 #3 +4 100%")
                #expect(Kannel.value(request, "charset") == "UTF-8")
                #expect(Kannel.value(request, "from") == "Ops & Co")
                #expect(Kannel.value(request, "dlr-mask") == "31")
                // One parameter value; Kannel decodes it once and fills in %d and %A.
                #expect(
                    Kannel.value(request, "dlr-url")
                        == "http://127.0.0.1:8080/api/v1/connectors/kannel/dlr?delivery=\(out.delivery.id)&status=%d&detail=%A&secret=\(Kannel.secret)"
                )
            }
        }
    }

    @Test func textOutsideGSMIsSentWithCoding2() async throws {
        try await TestHTTPServer.with(reply: .init(status: 202, body: "0: Accepted for delivery")) { server in
            try await Kannel.with(server.baseURL) { kannel in
                _ = try await kannel.send(Gateway.outbound("Snø ☃ 😀"))
                _ = try await kannel.send(Gateway.outbound("Snø og is"))  // ø is GSM 03.38
                let (ucs2, gsm) = (server.requests[0], server.requests[1])
                #expect(Kannel.value(ucs2, "coding") == "2")
                #expect(Kannel.value(ucs2, "charset") == "UTF-8")
                #expect(Kannel.value(ucs2, "text") == "Snø ☃ 😀")
                #expect(Kannel.value(gsm, "coding") == nil)
            }
        }
    }

    @Test func decomposedTextIsSentComposedSoItStaysGSM() async throws {
        try await TestHTTPServer.with(reply: .init(status: 202, body: "0: Accepted for delivery")) { server in
            try await Kannel.with(server.baseURL, dlr: false) { kannel in
                _ = try await kannel.send(Gateway.outbound("Caf\u{65}\u{301}"))
                let request = try #require(server.requests.first)
                #expect(Kannel.value(request, "text")?.unicodeScalars.map(\.value) == "Café".unicodeScalars.map(\.value))
                #expect(Kannel.value(request, "coding") == nil)
                #expect(Kannel.value(request, "dlr-url") == nil && Kannel.value(request, "dlr-mask") == nil)
                #expect(Kannel.value(request, "from") == nil)
            }
        }
    }

    @Test func refusalsArePermanentAndOutagesTransientAsForAnyGateway() async throws {
        try await TestHTTPServer.with(reply: .init(status: 403, body: "Authorization failed for sendsms")) { server in
            try await Kannel.with(server.baseURL) { kannel in
                let refused = await failure(kannel)
                #expect(refused?.kind == .permanent)
                #expect(refused?.message.contains("Authorization failed") == true)
                server.reply(.init(status: 503, body: "Sending failed."))
                #expect(await failure(kannel)?.kind == .transient)
                server.reply(.init(status: 202, body: "3: Queued for later delivery"))
                #expect(await failure(kannel) == nil)
            }
        }
    }

    @Test func secretsNeverAppearInErrorsOrTheDescription() async throws {
        let echoed = [
            Kannel.password, GatewayTemplate.percentEncode(Kannel.password), Kannel.secret,
            GatewayTemplate.percentEncode(GatewayTemplate.percentEncode(Kannel.secret)),
        ].joined(separator: " | ")
        try await TestHTTPServer.with(reply: .init(status: 500, body: "cannot handle \(echoed)")) { server in
            try await Kannel.with(server.baseURL) { kannel in
                let message = try #require(await failure(kannel)?.message)
                for secret in [Kannel.password, "pa ss", "word=1", Kannel.secret, GatewayTemplate.percentEncode(Kannel.password)] {
                    #expect(!message.contains(secret), "\(secret) leaked into \(message)")
                }
                #expect(message.contains("***"))
                let description = kannel.configuration.description
                #expect(!description.contains(Kannel.secret) && !description.contains("pa ss") && !description.contains("word=1"))
                #expect(!"\(kannel.gsm.configuration)".contains("word=1") && !"\(kannel.gsm.configuration)".contains("pa%20ss"))
            }
        }
    }

    func failure(_ kannel: KannelConnector) async -> ConnectorError? {
        do {
            _ = try await kannel.send(Gateway.outbound("hi"))
            return nil
        } catch { return error as? ConnectorError }
    }
}

@Suite struct KannelConfiguration {
    @Test func theMinimalConfigurationNeedsURLUserAndPassword() {
        let (kannel, problems) = Kannel.make([:])
        #expect(kannel == nil)
        #expect(Set(problems.map(\.path)) == ["connectors.kannel.url", "connectors.kannel.username", "connectors.kannel.password_env"])
        let (ok, none) = Kannel.make(Kannel.keys("http://127.0.0.1:13013", dlr: false))
        #expect(none.isEmpty && ok?.callbackSecret == nil && ok?.configuration.dlrMask == 31)
    }

    @Test func mistakesAreReportedByKey() {
        let (kannel, problems) = Kannel.make(
            [
                "url": "http://127.0.0.1:13013/cgi-bin/sendsms?to={to}", "username": "u", "password_env": "KANNEL_PASSWORD",
                "dlr_url": "ftp://hub", "dlr_mask": "64", "inbound_secret_env": "SHORT", "method": "POST",
            ],
            env: Kannel.env.merging(["SHORT": "abc"]) { a, _ in a }
        )
        #expect(kannel == nil)
        let byKey = Dictionary(grouping: problems, by: { $0.path.replacingOccurrences(of: "connectors.kannel.", with: "") })
        #expect(Set(byKey.keys) == ["url", "dlr_url", "dlr_mask", "inbound_secret_env", "method"])
        #expect(problems.allSatisfy { !$0.message.contains("abc") })
    }

    @Test func deliveryReportsNeedTheInboundSecret() {
        let (_, problems) = Kannel.make([
            "url": "http://k/cgi-bin/sendsms", "username": "u", "password_env": "KANNEL_PASSWORD",
            "dlr_url": "http://hub:8080",
        ])
        #expect(problems.map(\.path) == ["connectors.kannel.dlr_url"])
    }
}

/// Kannel's callbacks as the connector reads them (`KannelCallback`).
@Suite struct KannelCallbacks {
    static let kannel = Kannel.make(Kannel.keys("http://127.0.0.1:13013")).0!

    static func parameters(_ query: String) throws -> CallbackParameters {
        var p = CallbackParameters()
        try p.add(urlEncoded: Array(query.utf8))
        return p
    }

    @Test(arguments: ["%2B4798765432", "004798765432", "4798765432", "+4798765432", "47+98+76+54+32"])
    func senderNumbersInAnyInternationalFormBecomeE164(_ from: String) throws {
        let inbound = try Self.kannel.inboundMessage(from: Self.parameters("from=\(from)&to=2222&text=hi"), receivedAt: Date())
        #expect(inbound.from == .sms("+4798765432"))
        #expect(inbound.to == .sms("2222"))  // a short code, kept as given
        #expect(inbound.connector == "kannel" && inbound.text == "hi")
    }

    @Test(arguments: [
        ("to=4712345678&text=x", "missing_from"), ("from=+++&text=x", "missing_from"), ("from=Tele%00nor&text=x", "invalid_from"),
        ("from=\(String(repeating: "A", count: 65))&text=x", "invalid_from"), ("from=%2B1234567890123456&text=x", "invalid_from"),
        ("from=4712345678", "missing_text"), ("from=4712345678&to=a%1Fb&text=x", "invalid_to"),
        ("from=4712345678&text=%FF", "invalid_text"), ("from=4712345678&text=x&coding=1", "binary_message"),
    ])
    func badParametersAreRefusedWithAClearCode(_ query: String, _ code: String) throws {
        let error = #expect(throws: SwitchboardError.self) { try Self.kannel.inboundMessage(from: Self.parameters(query), receivedAt: Date()) }
        #expect(error?.code == code)
        #expect(error?.kind == .invalid)
    }

    @Test(arguments: [
        ("555123", Address.sms("555123"), SMSNumberKind.shortCode), ("2222", .sms("2222"), .shortCode),
        ("26112", .sms("26112"), .shortCode), ("Telenor", .sms("Telenor"), .alphanumeric), ("DNB+Bank", .sms("DNB Bank"), .alphanumeric),
        ("012345678", .sms("012345678"), .national), ("004712345678", .sms("+4712345678"), .international),
    ])
    func everySenderIsKeptAsTheGatewayGaveItWithItsKind(_ from: String, _ address: Address, _ kind: SMSNumberKind) throws {
        let inbound = try Self.kannel.inboundMessage(from: Self.parameters("from=\(from)&text=hi"), receivedAt: Date())
        #expect(inbound.from == address)
        #expect(inbound.from.smsKind == kind)
    }

    @Test func aNationalSenderBecomesInternationalWhenTheCountryIsConfigured() throws {
        let numbers = SMSNumberFormat(style: .e164, countryCode: "44")
        #expect(try numbers.sender("07700900123") == .sms("+447700900123"))
        let norway = SMSNumberFormat(style: .national, countryCode: "47", trunkPrefix: "")
        #expect(try norway.sender("41234567") == .sms("+4741234567"))
        #expect(try norway.sender("2222") == .sms("2222"))
    }

    @Test func ucs2TextArrivesAsUTF16BEBytes() throws {
        let encoded = "Blåbær 👍".data(using: .utf16BigEndian)!.map { String(format: "%%%02X", $0) }.joined()
        let inbound = try Self.kannel.inboundMessage(
            from: Self.parameters("from=4798765432&to=%2B4790000000&text=\(encoded)&coding=2&charset=UTF-16BE"),
            receivedAt: Date()
        )
        #expect(inbound.text == "Blåbær 👍")
        #expect(inbound.to == .sms("+4790000000"))
    }

    @Test(arguments: [(1, DeliveryReport.Status.delivered), (2, .failed), (4, .buffered), (8, .submitted), (16, .failed)])
    func dlrTypesMapToReportStatuses(_ type: Int, _ status: DeliveryReport.Status) throws {
        let report = try Self.kannel.deliveryReport(from: Self.parameters("delivery=d-1&status=\(type)&detail=NACK%2F0x45"))
        #expect(report == DeliveryReport(deliveryID: "d-1", status: status, detail: report.detail))
        #expect(report.detail?.hasPrefix("DLR \(type), ") == true && report.detail?.hasSuffix(": NACK/0x45") == true)
    }

    @Test func aRepeatedParameterIsRefused() {
        #expect(throws: SwitchboardError.self) { try Self.parameters("from=1&from=2") }
    }
}
