import Foundation
import SwitchboardCore
import Testing

/// A hub on the memory store whose only SMS route is one `HeldConnector`, with a delivery
/// lease of `lease` seconds: the setup the dispatcher's lease tests share, so a claim can be
/// held in its send (or waiting for a worker) past its lease, on events the test controls.
struct HeldHub {
    let held: HeldConnector
    let hub: Hub

    init(lease: Double, dispatcher: (inout DispatcherSettings) -> Void = { _ in }) throws {
        let held = HeldConnector()
        self.held = held
        hub = try makeHub(
            connectors: [held],
            channelSettings: [.sms: ChannelSettings(route: [held.name])],
            lease: lease,
            dispatcher: dispatcher
        )
    }

    /// The only delivery of `messageID`, as stored now.
    func delivery(_ messageID: String) async throws -> Delivery {
        try #require(try await hub.store.message(id: messageID)?.deliveries.first)
    }

    /// Waits (for at most 10 s) until `condition` holds: an event the test cannot be told of.
    func waitFor(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
