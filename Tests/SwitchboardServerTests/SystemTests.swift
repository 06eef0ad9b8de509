import Foundation
import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardSQLite
import Testing
import Yams

@testable import SwitchboardServer

@Suite struct SystemTests {
    @Test func healthAnswersWithoutLogin() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("/health")
            #expect(reply.status == .ok)
            #expect(try reply.json == .object(["status": .string("ok")]))
        }
    }

    @Test func metricsAreForAdminsAndCountAcceptedMessages() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let refused = try await anonymous.get("/metrics")
            #expect(refused.status == .unauthorized)
            #expect(refused.errorCode == "unauthorized")
            let user = try await anonymous.login("bob", "user-secret-1").get("/metrics")
            #expect(user.status == .forbidden)
            #expect(!user.text.contains("switchboard_"))

            let api = try await anonymous.loginAdmin()
            let before = Self.value(of: "switchboard_messages_accepted_total", in: try await api.get("/metrics").text) ?? 0
            #expect(try await api.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "count me"}"#).status == .accepted)
            let metrics = try await api.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let after = try #require(Self.value(of: "switchboard_messages_accepted_total", in: metrics.text))
            #expect(after >= before + 1)  // other tests in this process may send too
        }
    }

    /// The value of an unlabelled sample in Prometheus text format.
    static func value(of metric: String, in text: String) -> Double? {
        text.split(separator: "\n").lazy
            .filter { $0.hasPrefix(metric + " ") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .first
    }

    @Test func openAPIDocumentIsServedWithoutLogin() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("/api/v1/openapi.yaml")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let document = try #require(try Yams.load(yaml: reply.text) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
        }
    }

    /// Every route the router serves is documented with the same method, and every
    /// documented operation is served: the document cannot drift from the code.
    @Test func routesAndOpenAPIDocumentAgree() throws {
        let documented = Set(try Self.documentedOperations().map(\.key))
        let harness = try RouterOnly()
        // The web pages (HTML for people) are not API operations.
        let api = harness.router.routes.filter { !APIEnvironment.webPaths.contains($0.path.description) }
        let registered = Set(api.map { "\($0.method.rawValue) \($0.path.description)" })
        #expect(registered.subtracting(documented).isEmpty, "served but not documented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not served: \(documented.subtracting(registered).sorted())")
        #expect(registered.count > 30)
    }

    /// Every operation the document does not mark `security: []` answers 401 without
    /// credentials, and the public ones do not: the document's security is the code's.
    @Test func everyOperationButThePublicOnesRequiresALogin() async throws {
        let operations = try Self.documentedOperations()
        let harness = try await Harness()
        try await harness.run { anonymous in
            for (operation, isPublic) in operations {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let method = try #require(HTTPRequest.Method(String(parts[0])))
                let path = parts[1].replacingOccurrences(of: #"\{[^}]+\}"#, with: "1", options: .regularExpression)
                let reply = try await anonymous.call(method, path)
                if isPublic {
                    #expect(reply.status != .unauthorized, "\(operation) should be public")
                } else {
                    #expect(reply.status == .unauthorized, "\(operation) answered \(reply.status.code) without credentials")
                    // A webhook's proof is its signature, and the code says that is what is missing.
                    #expect(reply.errorCode == (operation.hasSuffix("/webhook") ? "missing_signature" : "unauthorized"), "\(operation)")
                }
            }
            let publicOnes = operations.filter(\.value).map(\.key).sorted()
            #expect(publicOnes == ["GET /api/v1/openapi.yaml", "GET /health", "GET /widget.js", "POST /api/v1/session"])
        }
    }

    /// `"METHOD /path"` of every operation in the shipped document, and whether it is public.
    static func documentedOperations() throws -> [String: Bool] {
        let bytes = try #require(APIEnvironment.loadOpenAPIDocument(logger: Logger(label: "test")), "the bundle lacks openapi.yaml")
        let document = try #require(try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var out: [String: Bool] = [:]
        for (path, item) in paths {
            let operations = try #require(item as? [String: Any])
            for (method, operation) in operations where methods.contains(method) {
                let security = (operation as? [String: Any])?["security"] as? [Any]
                out["\(method.uppercased()) \(path)"] = security?.isEmpty ?? false
            }
        }
        return out
    }

    @Test func testerSentListsAndClearsWhatTheBucketSent() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            #expect(
                try await bob.post("/api/v1/messages", #"{"to": ["sms:+4712345678", "mailto:ops@example.org"], "text": "hello"}"#).status == .accepted
            )
            await harness.hub.dispatcher.drain()

            let all = try await bob.get("/api/v1/tester/sent").json["items"]
            #expect(all.array.count == 2)
            let toPhone = try await bob.get("/api/v1/tester/sent?connector=tester&to=sms:%2B4712345678").json["items"]
            #expect(toPhone.array.count == 1)
            #expect(toPhone[0]["to"].string == "sms:+4712345678")
            #expect(toPhone[0]["text"].string == "hello")
            #expect(toPhone[0]["receipt_id"].string != nil)

            #expect(try await bob.get("/api/v1/tester/sent?connector=nope").errorCode == "unknown_connector")
            #expect(try await bob.get("/api/v1/tester/sent?to=sms:1").errorCode == "invalid_address")
            #expect(try await bob.delete("/api/v1/tester/sent?connector=tester").status == .noContent)
            #expect(try await bob.get("/api/v1/tester/sent").json["items"].array.isEmpty)
            #expect(harness.tester.sent().isEmpty)
        }
    }

    @Test func testerRefusesBadInboundAndStoresNothing() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let badFrom = try await api.post("/api/v1/tester/inbound", #"{"from": "4798765432", "text": "hi"}"#)
            #expect(badFrom.status == .unprocessableContent)
            #expect(badFrom.errorCode == "invalid_address")
            let badConnector = try await api.post("/api/v1/tester/inbound", #"{"connector": "kannel", "from": "sms:+4798765432", "text": "hi"}"#)
            #expect(badConnector.errorCode == "unknown_connector")
            #expect(try await api.get("/api/v1/inbox").json["items"].array.isEmpty)
        }
    }
}

/// The router alone, for inspecting its routes.
struct RouterOnly {
    let router: Router<SwitchboardRequestContext>
    init() throws {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        let store = try SQLiteStore.inMemory()
        let hub = Hub(configuration: configuration, store: store, connectors: [])
        router = buildRouter(
            APIEnvironment(
                hub: hub,
                accounts: Accounts(store: store, bcryptCost: 4),
                registry: TestMetrics.registry,
                openAPIDocument: nil
            )
        )
    }
}
