import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

/// Builds `webhook` connectors the way the hub does: through the engine, from keys.
enum Webhook {
    static let secret = "webhook-secret-0123456789"

    static func make(_ keys: KeyValuePairs<String, String>, env: [String: String] = ["HOOK_SECRET": secret]) -> (WebhookConnector?, [ConfigProblem]) {
        let node = ConfigNode.mapping(keys.map { ($0.key, .scalar($0.value, nil)) })
        let reader = ConfigReader(node: node, path: "connectors.hook")
        let settings = ConnectorSettings(name: "hook", engine: "webhook", channels: [.im], settings: node)
        let connector = WebhookConnector.engine.make(settings, reader, ConfigEnvironment(variables: env))
        reader.rejectUnknownKeys()
        return (connector as? WebhookConnector, reader.problems)
    }

    static func with<T>(_ keys: KeyValuePairs<String, String>, _ body: (WebhookConnector) async throws -> T) async throws -> T {
        try await withConnector(make(keys), shutdown: { await $0.shutdown() }, body)
    }

    static func outbound(_ text: String = "Router gw1 down") -> Outbound {
        let message = Message(
            subject: "Alarm",
            text: text,
            html: "<p>\(text)</p>",
            attachments: [Attachment(filename: "log.txt", contentType: "text/plain", data: Data("line 1\n".utf8))],
            severity: .critical,
            sender: "nav"
        )
        return Outbound(delivery: Delivery(messageID: message.id, address: .sms("+4712345678"), channel: .sms), message: message)
    }

    static func failure(_ connector: WebhookConnector, _ outbound: Outbound = outbound()) async -> ConnectorError? {
        do {
            _ = try await connector.send(outbound)
            return nil
        } catch { return error as? ConnectorError ?? .transient("not a ConnectorError: \(error)") }
    }
}

@Suite struct WebhookSending {
    @Test func aDeliveryIsPostedAsSignedJSONThatTheSecretVerifies() async throws {
        try await TestHTTPServer.with(reply: .init(status: 204, body: "")) { server in
            try await Webhook.with(["url": "\(server.baseURL)/hooks/in?token=abc", "secret_env": "HOOK_SECRET"]) { hook in
                let out = Webhook.outbound("Alarm & \"co\" </p> ÆØÅ")
                _ = try await hook.send(out)
                let request = try #require(server.requests.first)
                #expect(request.method == "POST" && request.uri == "/hooks/in?token=abc")
                #expect(request.headers["Content-Type"] == ["application/json"])
                #expect(request.headers["X-Switchboard-Delivery"] == [out.delivery.id])
                let header = try #require(request.headers["X-Switchboard-Signature"].first)
                let proof = try WebhookSignature(secret: Webhook.secret).verify(
                    header: header,
                    body: Array(request.body.utf8),
                    now: request.received,
                    tolerance: 5
                )
                #expect(abs(proof.timestamp.timeIntervalSinceNow) < 5)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(json["id"] as? String == out.delivery.id)
                #expect(json["message_id"] as? String == out.message.id)
                #expect(json["to"] as? String == "sms:+4712345678" && json["channel"] as? String == "sms")
                #expect(json["text"] as? String == "Alarm & \"co\" </p> ÆØÅ" && json["subject"] as? String == "Alarm")
                #expect(json["severity"] as? String == "critical" && json["sender"] as? String == "nav")
                let created = try #require(json["created_at"] as? String)
                let parsed = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(created)
                #expect(abs(parsed.timeIntervalSince(out.message.createdAt)) < 0.001)
                #expect(json["html"] as? String == "<p>Alarm & \"co\" </p> ÆØÅ</p>")
                let files = try #require(json["attachments"] as? [[String: Any]])
                #expect(files.first?["filename"] as? String == "log.txt")
                #expect(files.first?["data"] as? String == Data("line 1\n".utf8).base64EncodedString())
                #expect(
                    Set(json.keys) == [
                        "id", "message_id", "to", "channel", "subject", "text", "html", "severity", "sender", "created_at", "attachments",
                    ]
                )
                // Signed with another secret, the same request would not verify.
                #expect(throws: SwitchboardError.self) {
                    try WebhookSignature(secret: "another-secret-012345").verify(
                        header: header,
                        body: Array(request.body.utf8),
                        now: request.received,
                        tolerance: 5
                    )
                }
            }
        }
    }

    @Test(arguments: [
        (200, nil), (202, nil), (500, ConnectorError.Kind.transient), (503, .transient), (408, .transient), (429, .transient),
        (400, .permanent), (401, .permanent), (404, .permanent), (410, .permanent), (422, .permanent), (302, .permanent),
    ])
    func theAnswerDecidesBetweenSentTryAgainAndNever(_ status: Int, _ expected: ConnectorError.Kind?) async throws {
        try await TestHTTPServer.with(reply: .init(status: status, body: "nope")) { server in
            // The answer is what is tested, not the time it takes: in a full parallel `swift test`
            // on two cores, two cases once got no answer within the default 10 s.
            let keys: KeyValuePairs = ["url": "\(server.baseURL)/secret-path-token", "secret_env": "HOOK_SECRET", "timeout": "60s"]
            try await Webhook.with(keys) { hook in
                let failure = await Webhook.failure(hook)
                #expect(failure?.kind == expected, "\(failure?.message ?? "sent")")
                if let failure {
                    #expect(failure.message.contains("HTTP \(status)"))
                    #expect(!failure.message.contains("secret-path-token"), "the URL's path can hold a token")
                }
            }
        }
    }

    @Test func aRefusedConnectionOrNoAnswerInTimeIsTransient() async throws {
        // A port nothing listens on: bind one, note it, let it go.
        let port = try await TestHTTPServer.with { $0.port }
        try await Webhook.with(["url": "http://127.0.0.1:\(port)/x", "secret_env": "HOOK_SECRET", "timeout": "2s"]) { hook in
            #expect(await Webhook.failure(hook)?.kind == .transient)
        }
        try await TestHTTPServer.with(reply: .init(status: 200, body: "late", delay: .seconds(3))) { server in
            try await Webhook.with(["url": "\(server.baseURL)/x", "secret_env": "HOOK_SECRET", "timeout": "500ms"]) { hook in
                let failure = await Webhook.failure(hook)
                #expect(failure?.kind == .transient && failure?.message.contains("no answer within") == true, "\(String(describing: failure))")
            }
        }
    }

    @Test func withoutAURLTheConnectorOnlyReceives() async throws {
        try await Webhook.with(["secret_env": "HOOK_SECRET"]) { hook in
            let failure = await Webhook.failure(hook)
            #expect(failure?.kind == .permanent && failure?.message.contains("only receives") == true)
        }
    }

    @Test func configurationProblemsAreNamedByKeyAndTheSecretIsNeverPrinted() throws {
        let (_, missing) = Webhook.make(["url": "http://127.0.0.1/x"])
        #expect(missing.map(\.path) == ["connectors.hook.secret_env"])
        let (_, unset) = Webhook.make(["secret_env": "NOT_SET"], env: [:])
        #expect(unset.first?.message.contains("NOT_SET is not set") == true)
        let (_, short) = Webhook.make(["secret_env": "S"], env: ["S": "short"])
        #expect(short.map(\.path) == ["connectors.hook.secret_env"] && short[0].message.contains("at least 16"))
        #expect(!short[0].message.contains("short"))
        let (_, bad) = Webhook.make(["url": "ftp://x/y", "secret_env": "HOOK_SECRET", "tolerance": "0s", "timeout": "0s", "wat": "1"])
        #expect(Set(bad.map(\.path)) == ["connectors.hook.url", "connectors.hook.tolerance", "connectors.hook.timeout", "connectors.hook.wat"])
        let (made, none) = Webhook.make([
            "url": "https://chat.example.org/hooks/T0KEN", "secret_env": "HOOK_SECRET", "tolerance": "2m", "max_body_bytes": "2048",
        ])
        #expect(none.isEmpty)
        let hook = try #require(made)
        #expect(hook.configuration.tolerance == 120 && hook.maxInboundBytes == 2048)
        let printed = String(describing: hook.configuration)
        #expect(!printed.contains(Webhook.secret) && !printed.contains("T0KEN") && printed.contains("secret=***"))
    }
}
