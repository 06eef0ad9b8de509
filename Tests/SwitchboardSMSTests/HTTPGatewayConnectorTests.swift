import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct HTTPGatewaySending {
    static let nasty = "Alarm & co&text=evil#frag 1+1=2\nline two ÆØÅ €"

    @Test func getFillsTheURLTemplateSoAMessageCannotAddParameters() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/send?to={to}&text={text}&id={id}")]) { gw in
                let out = Gateway.outbound(Self.nasty)
                _ = try await gw.send(out)
                let request = try #require(server.requests.first)
                #expect(request.method == "GET")
                #expect(!request.uri.contains("#") && !request.uri.contains("\n"))
                #expect(request.query.map(\.name) == ["to", "text", "id"])
                #expect(request.query.map(\.value) == ["+4712345678", Self.nasty, out.delivery.id])
            }
        }
    }

    @Test func postSendsAFormBodyWithEncodedValues() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with([
                "url": .text("\(server.baseURL)/sms"), "method": "post", "from": "NAV",
                "body": "number={to_digits}&message={text}&sender={from}",
            ]) { gw in
                _ = try await gw.send(Gateway.outbound(Self.nasty))
                let request = try #require(server.requests.first)
                #expect(request.method == "POST" && request.uri == "/sms")
                #expect(request.headers["Content-Type"] == ["application/x-www-form-urlencoded"])
                #expect(request.form.map(\.name) == ["number", "message", "sender"])
                #expect(request.form.map(\.value) == ["4712345678", Self.nasty, "NAV"])
            }
        }
    }

    @Test func aJSONBodyGetsJSONEscaping() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with([
                "url": .text("\(server.baseURL)/api"), "method": "POST", "content_type": "application/json",
                "body": #"{"to": "{to}", "text": "{text}"}"#,
            ]) { gw in
                let text = Self.nasty + " \"quoted\" back\\slash\t"
                _ = try await gw.send(Gateway.outbound(text))
                let body = try #require(server.requests.first?.body)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
                #expect(json == ["to": "+4712345678", "text": text])
            }
        }
    }

    @Test func basicAuthIsSentAndThePasswordNeverAppearsInErrors() async throws {
        try await TestHTTPServer.with(reply: .init(status: 500, body: "bad login nav:s3cr&t:x")) { server in
            try await Gateway.with(
                ["url": .text("\(server.baseURL)/?to={to}"), "username": "nav", "password_env": "GW_PASS"],
                env: ["GW_PASS": "s3cr&t:x"]
            ) { gw in
                let failure = await Gateway.failure(gw, Gateway.outbound("hi"))
                let expected = "Basic " + Data("nav:s3cr&t:x".utf8).base64EncodedString()
                #expect(server.requests.first?.headers["Authorization"] == [expected])
                #expect(failure?.kind == .transient)
                #expect(failure?.message.contains("s3cr&t") == false)
                #expect(failure?.message.contains("***") == true)
                #expect(!gw.configuration.description.contains("s3cr&t"))
            }
        }
    }

    @Test func a2xxAnswerNotMatchingTheSuccessPatternIsARefusal() async throws {
        try await TestHTTPServer.with(reply: .init(status: 200, body: "ERR 17 invalid number")) { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}"), "success_pattern": "^OK"]) { gw in
                let failure = await Gateway.failure(gw, Gateway.outbound("hi"))
                #expect(failure?.kind == .permanent)
                #expect(failure?.message.contains("ERR 17 invalid number") == true)
                server.reply(.init(status: 200, body: "OK queued"))
                #expect(await Gateway.failure(gw, Gateway.outbound("hi")) == nil)
            }
        }
    }

    @Test func statusDecidesBetweenTransientAndPermanent() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}")]) { gw in
                let cases: [(Int, ConnectorError.Kind?)] = [
                    (200, nil), (202, nil), (500, .transient), (503, .transient), (429, .transient), (302, .transient),
                    (400, .permanent), (401, .permanent), (403, .permanent), (404, .permanent), (422, .permanent), (409, .transient),
                ]
                for (status, kind) in cases {
                    server.reply(.init(status: status, body: "answer \(status)"))
                    let failure = await Gateway.failure(gw, Gateway.outbound("hi"))
                    #expect(failure?.kind == kind, "HTTP \(status)")
                    if kind != nil { #expect(failure?.message.contains("HTTP \(status)") == true) }
                }
            }
        }
    }

    @Test func permanentStatusCanBeConfigured() async throws {
        try await TestHTTPServer.with(reply: .init(status: 503, body: "account closed")) { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}"), "permanent_status": .list(["503"])]) { gw in
                #expect(await Gateway.failure(gw, Gateway.outbound("hi"))?.kind == .permanent)
                server.reply(.init(status: 400))
                #expect(await Gateway.failure(gw, Gateway.outbound("hi"))?.kind == .transient)
            }
        }
    }

    /// The timeout is an hour, so a send that waited for it instead of failing at the refusal
    /// would run into the test's time limit: no stopwatch with a margin to guess.
    @Test(.timeLimit(.minutes(1))) func aRefusedConnectionIsTransientAndFailsAtOnce() async throws {
        let port = try await TestHTTPServer.closedPort()
        try await Gateway.with(["url": .text("http://127.0.0.1:\(port)/send?to={to}&text={text}"), "timeout": "1h"]) { gw in
            let failure = await Gateway.failure(gw, Gateway.outbound("secret text"))
            #expect(failure?.kind == .transient)
            #expect(failure?.message.contains("within") == false, "a refusal, not a timeout: \(failure?.message ?? "")")
            #expect(failure?.message.contains("secret") == false)  // no path or query in errors
        }
    }

    @Test func aGatewayTooSlowToAnswerIsTransient() async throws {
        // The gateway answers 200 after 8 s; the 300 ms timeout must end the send first. A send
        // that waited would have succeeded, so the timeout's own failure proves it ended first.
        try await TestHTTPServer.with(reply: .init(delay: .seconds(8))) { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}"), "timeout": "300ms"]) { gw in
                let failure = await Gateway.failure(gw, Gateway.outbound("hi"))
                #expect(failure?.kind == .transient)
                #expect(failure?.message.contains("no answer within") == true, "\(failure?.message ?? "succeeded")")
            }
        }
    }

    @Test func theReceiptPatternTakesTheGatewaysMessageID() async throws {
        try await TestHTTPServer.with(reply: .init(body: "OK\nmessage-id: AB12-77\n")) { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}"), "receipt_pattern": "message-id: ([A-Z0-9-]+)"]) { gw in
                let first = try await gw.send(Gateway.outbound("hi"))
                #expect(first == Receipt(id: "AB12-77"))
                server.reply(.init(body: "OK"))
                let second = try await gw.send(Gateway.outbound("hi"))
                #expect(second == Receipt(id: nil))
            }
        }
    }

    @Test func theEngineHoldsNoSendBackSinceTheDispatchersGateOwnsTheLimits() async throws {
        // As many sends at once as the connector's max_in_flight all reach the gateway
        // together: the engine has no limit of its own in series with the gate's (it had
        // one, from its own copy of the key, and a pacer), only a pool that size.
        var dispatch = ConnectorDispatchSettings()
        dispatch.gate.maxInFlight = 12
        // Each request is held until all 12 are in (at most 10 s): a limit below 12 anywhere in
        // the engine shows as a lower peak, however slowly a loaded machine starts the sends.
        try await TestHTTPServer.with(reply: .init(delay: .seconds(10), holdUntilConcurrent: 12)) { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}")], dispatch: dispatch) { gw in
                try await withThrowingTaskGroup(of: Receipt.self) { group in
                    for i in 0..<12 { group.addTask { try await gw.send(Gateway.outbound("alert \(i)")) } }
                    try await group.waitForAll()
                }
                #expect(server.requests.count == 12)
                #expect(server.peakConcurrency == 12)
            }
        }
    }

    @Test func afterShutdownSendsFailTransientlyAndRunReturnsOnCancel() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/?to={to}")]) { gw in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await gw.run(sink: NoSink()) }
                    #expect(await Gateway.failure(gw, Gateway.outbound("before")) == nil)
                    group.cancelAll()
                    try await group.waitForAll()
                }
                let failure = await Gateway.failure(gw, Gateway.outbound("after"))
                #expect(failure?.kind == .transient && failure?.message.contains("shut down") == true)
                #expect(server.requests.count == 1)
            }
        }
    }
}

struct NoSink: InboundSink {
    func receive(_ inbound: InboundMessage) async throws -> InboundResult { InboundResult(messageID: "", disposition: .drop) }
    func knowsRecipient(_ address: Address) async throws -> Bool { false }
}

@Suite struct AsyncSemaphoreBehaviour {
    @Test func aCancelledWaiterLeavesTheQueueAndThePermitStaysUsable() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        try await semaphore.acquire()
        let waiter = Task { try await semaphore.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        semaphore.release()
        try await semaphore.acquire()  // would hang if the cancelled waiter had taken the permit
        semaphore.release()
    }
}
