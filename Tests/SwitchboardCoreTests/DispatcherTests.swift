import Foundation
import SwitchboardCore
import Testing

@Suite struct OutboxDispatch {
    @Test func sendsToAGroupByEveryAddressAndWarnsAboutMissingDetails() async throws {
        let tester = BucketConnector(name: "tester")
        let hub = try makeHub(connectors: [tester])
        let kari = Contact(name: "Kari", addresses: [.sms("+4712345678")])
        let ola = Contact(name: "Ola", addresses: [.sms("+4787654321"), .email("ola@example.org")])
        try await hub.store.createContact(kari)
        try await hub.store.createContact(ola)
        try await hub.store.createGroup(ContactGroup(name: "field-team"))
        try await hub.store.addMember(group: "field-team", contactID: kari.id)
        try await hub.store.addMember(group: "field-team", contactID: ola.id)

        let a = try await hub.send(SendRequest(to: ["group:field-team", "sms:+4712345678"], text: "Road closed"), sender: "admin")
        #expect(Set(a.record.deliveries.map(\.address)) == [.sms("+4712345678"), .sms("+4787654321"), .email("ola@example.org")])
        #expect(a.record.warnings == ["group field-team: Kari has no email address and will not get email"])
        await hub.dispatcher.drain()
        let stored = try #require(try await hub.store.message(id: a.record.message.id))
        #expect(stored.deliveries.allSatisfy { $0.status == .sent && $0.connector == "tester" && $0.receiptID != nil })
        #expect(tester.sent().count == 3)
    }

    @Test func aClaimThatWaitedPastItsLeaseIsNotSentAndIsLeftToTheNextClaim() async throws {
        // A lease of 0: by the time a worker takes the delivery, the whole lease is gone, so
        // another round may own it now; it is neither sent nor put back, and claimable at once.
        let tester = BucketConnector(name: "tester")
        let hub = try makeHub(connectors: [tester], lease: 0)
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "admin")
        #expect(await hub.dispatcher.dispatchOnce() == 1)
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(tester.sent().isEmpty, "a stale claim is not sent")
        #expect(d.status == .sending && d.attempts == 0 && d.lastError == nil)
        #expect(try await hub.store.attempts(deliveryID: d.id).isEmpty)
        #expect(await hub.dispatcher.dispatchOnce() == 1, "its lease ran out: the next round claims it again")
    }

    @Test func failsOverToTheNextConnectorOnTheRoute() async throws {
        let broken = BucketConnector(name: "primary")
        broken.setFaults(transient: 1)
        let backup = BucketConnector(name: "backup")
        let hub = try makeHub(connectors: [broken, backup])
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "admin")
        await hub.dispatcher.drain()
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .sent && d.connector == "backup")
        let attempts = try await hub.store.attempts(deliveryID: d.id)
        #expect(attempts.map(\.connector) == ["primary", "backup"])
        #expect(attempts.map(\.outcome) == [.transient, .sent])
    }

    @Test func permanentRefusalFromEveryConnectorFailsWithAllReasons() async throws {
        let a1 = BucketConnector(name: "one")
        a1.setFaults(permanent: 1)
        let a2 = BucketConnector(name: "two")
        a2.setFaults(permanent: 1)
        let hub = try makeHub(connectors: [a1, a2])
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "admin")
        await hub.dispatcher.drain()
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .failed)
        #expect(d.lastError?.contains("one:") == true && d.lastError?.contains("two:") == true)
    }

    @Test func transientFailuresAreRetriedUpToTheLimitThenFail() async throws {
        let flaky = BucketConnector(name: "flaky")
        flaky.setFaults(transient: 1)
        let hub = try makeHub(connectors: [flaky], retry: (delay: 0, limit: 3))
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "admin")
        await hub.dispatcher.drain()
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .failed)
        #expect(d.attempts == 3)
    }

    @Test func badRequestsCommitNothing() async throws {
        let tester = BucketConnector(name: "tester")
        let hub = try makeHub(connectors: [tester])
        for request in [
            SendRequest(to: ["sms:+47"], text: "x"),
            SendRequest(to: ["group:missing"], text: "x"),
            SendRequest(to: [], text: "x"),
            SendRequest(to: ["sms:+4712345678"], text: "  "),
            SendRequest(to: ["mailto:a@b.org"], text: "x", subject: "hi\r\nBcc: evil@example.org"),
        ] {
            await #expect(throws: SwitchboardError.self) { try await hub.send(request, sender: "admin") }
        }
        await hub.dispatcher.drain()
        #expect(tester.sent().isEmpty)
    }

    @Test func idempotencyKeyMakesARetryANoOp() async throws {
        let tester = BucketConnector(name: "tester")
        let hub = try makeHub(connectors: [tester])
        let r = SendRequest(to: ["sms:+4712345678"], text: "once")
        let first = try await hub.send(r, sender: "admin", idempotencyKey: "k1")
        let second = try await hub.send(r, sender: "admin", idempotencyKey: "k1")
        #expect(!first.replayed && second.replayed)
        #expect(first.record.message.id == second.record.message.id)
        await hub.dispatcher.drain()
        #expect(tester.sent().count == 1)
        await #expect(throws: SwitchboardError.self) {
            try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "twice"), sender: "admin", idempotencyKey: "k1")
        }
        // The same key from another sender is another request.
        let other = try await hub.send(r, sender: "bob", idempotencyKey: "k1")
        #expect(other.record.message.id != first.record.message.id)
    }

    @Test func dispatcherServiceIsWokenAtOnceByNewWork() async throws {
        let tester = BucketConnector(name: "tester")
        var configuration = HubConfiguration.embeddedDefault
        configuration.dispatcher.pollInterval = 3600  // only a wake-up can get it going
        let hub = Hub(configuration: configuration, store: MemoryStore(), connectors: [tester])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.dispatcher.run() }
            try await Task.sleep(for: .milliseconds(50))
            _ = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "now"), sender: "admin")
            let deadline = ContinuousClock.now + .seconds(10)
            while tester.sent().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(tester.sent().count == 1)
            group.cancelAll()
        }
    }
}
