import Foundation
import Synchronization

/// The test connector (RapidSMS's "bucket" backend): keeps what it "sends" in memory so the
/// message tester, scripted tests and demos can read it back. Its fault settings add latency
/// and make a share of sends fail, to watch retries and failover without a real gateway.
package final class BucketConnector: Connector {
    package struct Configuration: Sendable, Equatable {
        /// Added before every send.
        package var latency: Duration = .zero
        /// Share of sends (0...1) that fail with a transient error.
        package var transientFailureRate: Double = 0
        /// Share of sends (0...1) that fail with a permanent error.
        package var permanentFailureRate: Double = 0
        /// How many sent items are kept; the oldest are forgotten first.
        package var capacity: Int = 10_000
        package init() {}
    }

    /// One thing the bucket was asked to send.
    package struct SentItem: Sendable, Codable, Equatable {
        package var connector: String
        package var deliveryID: String
        package var messageID: String
        /// Who sent the message (a username, or `connector:NAME` for the hub's own replies),
        /// so the message tester can show each user only what they sent.
        package var sender: String?
        package var to: Address
        package var subject: String?
        package var text: String
        package var html: String?
        package var attachments: [String]
        package var receiptID: String
        package var sentAt: Date
    }

    package let name: String
    package let engine = "bucket"
    package let channels: [ChannelName]
    package let configuration: Configuration
    private let state = Mutex<(items: [SentItem], counter: Int)>(([], 0))
    /// Tests swap in failure behaviour while running.
    private let faults: Mutex<Configuration>

    package init(name: String, channels: [ChannelName] = [.sms, .email, .im], configuration: Configuration = .init()) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        self.faults = Mutex(configuration)
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        let faults = self.faults.withLock { $0 }
        if faults.latency > .zero { try await Task.sleep(for: faults.latency) }
        let roll = Double.random(in: 0..<1)
        if roll < faults.permanentFailureRate {
            throw ConnectorError.permanent("bucket \(name) rejected the message (simulated permanent failure)")
        }
        if roll < faults.permanentFailureRate + faults.transientFailureRate {
            throw ConnectorError.transient("bucket \(name) is unavailable (simulated transient failure)")
        }
        return Receipt(
            id: state.withLock { s in
                s.counter += 1
                let receipt = "\(name)-\(s.counter)"
                s.items.append(
                    SentItem(
                        connector: name,
                        deliveryID: outbound.delivery.id,
                        messageID: outbound.message.id,
                        sender: outbound.message.sender,
                        to: outbound.address,
                        subject: outbound.message.subject,
                        text: outbound.message.text,
                        html: outbound.message.html,
                        attachments: outbound.message.attachments.map(\.filename),
                        receiptID: receipt,
                        sentAt: Date()
                    )
                )
                if s.items.count > configuration.capacity { s.items.removeFirst(s.items.count - configuration.capacity) }
                return receipt
            }
        )
    }

    /// What was sent, oldest first, optionally only to one address and only what one sender sent.
    package func sent(to address: Address? = nil, sentBy sender: String? = nil) -> [SentItem] {
        state.withLock { s in
            s.items.filter { item in
                (address == nil || item.to == address) && (sender == nil || item.sender == sender)
            }
        }
    }

    /// Forgets what was sent, or only what one sender sent.
    package func clear(sentBy sender: String? = nil) {
        state.withLock { s in
            if let sender { s.items.removeAll { $0.sender == sender } } else { s.items.removeAll() }
        }
    }

    /// Changes the fault settings of a running bucket (tests and demos).
    package func setFaults(transient: Double? = nil, permanent: Double? = nil, latency: Duration? = nil) {
        faults.withLock { f in
            if let transient { f.transientFailureRate = transient }
            if let permanent { f.permanentFailureRate = permanent }
            if let latency { f.latency = latency }
        }
    }

    /// The `bucket` engine: keys `latency`, `transient_failure_rate`, `permanent_failure_rate`, `capacity`.
    package static let engine = ConnectorEngine(name: "bucket") { settings, reader, _ in
        var c = Configuration()
        if let d = reader.duration("latency") { c.latency = .milliseconds(Int((d * 1000).rounded())) }
        if let t = reader.double("transient_failure_rate", in: 0...1) { c.transientFailureRate = t }
        if let p = reader.double("permanent_failure_rate", in: 0...1) { c.permanentFailureRate = p }
        if let cap = reader.int("capacity", in: 1...1_000_000) { c.capacity = cap }
        if c.transientFailureRate + c.permanentFailureRate > 1 {
            reader.problem("transient_failure_rate", "transient_failure_rate + permanent_failure_rate must not exceed 1")
        }
        return BucketConnector(name: settings.name, channels: settings.channels, configuration: c)
    }
}
