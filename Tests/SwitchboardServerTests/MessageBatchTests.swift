import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// `POST /api/v1/messages/batch`: many messages, all or none, one commit.
@Suite struct MessageBatchTests {
    @Test func everyMessageIsAcceptedInOrderAndSent() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let batch =
                #"{"messages": [{"to": ["sms:+4712345678"], "text": "one"}, {"to": ["sms:+4712345679", "sms:+4712345680"], "text": "two", "severity": "critical"}]}"#
            let reply = try await api.post("/api/v1/messages/batch", batch)
            #expect(reply.status == .accepted)
            let messages = try reply.json["messages"].array
            #expect(messages.count == 2)
            #expect(messages.map { $0["deliveries"].array.count } == [1, 2])
            #expect(messages[1]["deliveries"][1]["address"].string == "sms:+4712345680")
            #expect(messages[1]["deliveries"][0]["status"].string == "queued")
            let ids = messages.compactMap { $0["id"].string }

            await harness.hub.dispatcher.drain()
            let sent = harness.tester.sent()
            #expect(sent.map(\.text).sorted() == ["one", "two", "two"])
            #expect(Set(sent.map(\.messageID)) == Set(ids))
            let second = try await api.get("/api/v1/messages/\(ids[1])")
            #expect(try second.json["severity"].string == "critical")
            #expect(try second.json["deliveries"].array.allSatisfy { $0["status"].string == "sent" })
        }
    }

    @Test func oneBadMessageRefusesTheBatchWithItsIndexAndCommitsNothing() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let badAddress = #"{"messages": [{"to": ["sms:+4712345678"], "text": "fine"}, {"to": ["sms:12"], "text": "bad number"}]}"#
            let refused = try await api.post("/api/v1/messages/batch", badAddress)
            #expect(refused.status.code / 100 == 4)
            #expect(refused.errorMessage.hasPrefix("messages[1]: "), "\(refused.errorMessage)")
            #expect(refused.errorMessage.contains("E.164"))

            let unknownField = try await api.post(
                "/api/v1/messages/batch",
                #"{"messages": [{"to": ["sms:+4712345678"], "text": "x", "colour": "red"}]}"#
            )
            #expect(unknownField.status == .badRequest)
            #expect(unknownField.errorMessage.contains("messages[0].colour"))

            let noText = try await api.post(
                "/api/v1/messages/batch",
                #"{"messages": [{"to": ["sms:+4712345678"], "text": "a"}, {"to": ["sms:+4712345678"]}]}"#
            )
            #expect(noText.status == .badRequest)
            #expect(noText.errorMessage.hasPrefix("messages[1]: "), "\(noText.errorMessage)")

            let empty = try await api.post("/api/v1/messages/batch", #"{"messages": []}"#)
            #expect(empty.status.code / 100 == 4)
            #expect(empty.errorCode == "empty_batch")

            let many = (0...Hub.maxBatchMessages).map { _ in #"{"to": ["sms:+4712345678"], "text": "x"}"# }.joined(separator: ",")
            let tooMany = try await api.post("/api/v1/messages/batch", #"{"messages": [\#(many)]}"#)
            #expect(tooMany.status.code / 100 == 4)
            #expect(tooMany.errorCode == "batch_too_large")

            let anonymousTry = try await anonymous.post("/api/v1/messages/batch", #"{"messages": [{"to": ["sms:+4712345678"], "text": "x"}]}"#)
            #expect(anonymousTry.status == .unauthorized)
            try await harness.expectNothingQueued()
            #expect(harness.tester.sent().isEmpty)
        }
    }

    @Test func aRetriedBatchWithItsKeyReplaysAndSendsOnce() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let batch = #"{"messages": [{"to": ["sms:+4712345678"], "text": "a"}, {"to": ["sms:+4712345679"], "text": "b"}]}"#
            let key: HTTPFields = [.idempotencyKey: "burst-17"]
            let first = try await api.post("/api/v1/messages/batch", batch, headers: key)
            #expect(first.status == .accepted)
            #expect(first.headers[.idempotentReplayed] == nil)
            let replay = try await api.post("/api/v1/messages/batch", batch, headers: key)
            #expect(replay.status == .accepted)
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(try replay.json["messages"].array.compactMap { $0["id"].string } == first.json["messages"].array.compactMap { $0["id"].string })

            let changed = try await api.post("/api/v1/messages/batch", #"{"messages": [{"to": ["sms:+4712345678"], "text": "other"}]}"#, headers: key)
            #expect(changed.status == .conflict)
            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent().count == 2)
        }
    }
}
