import Foundation

/// One message to one address over one channel. The unit the outbox dispatches, retries and
/// reports on.
public struct Delivery: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var messageID: String
    public var address: Address
    public var channel: ChannelName
    public var status: DeliveryStatus
    public var attempts: Int
    /// When the dispatcher may next try; `nil` once the delivery is final.
    public var nextAttemptAt: Date?
    /// When set, only this connector may send it (replies leave where the message came in).
    public var pinnedConnector: String?
    /// The connector that last sent or tried it.
    public var connector: String?
    public var receiptID: String?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = Identifier.make(),
        messageID: String,
        address: Address,
        channel: ChannelName,
        status: DeliveryStatus = .queued,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil,
        pinnedConnector: String? = nil,
        connector: String? = nil,
        receiptID: String? = nil,
        lastError: String? = nil,
        createdAt: Date = Date(),
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.messageID = messageID
        self.address = address
        self.channel = channel
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? (status == .queued ? createdAt : nil)
        self.pinnedConnector = pinnedConnector
        self.connector = connector
        self.receiptID = receiptID
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// The life of a delivery.
///
/// ```
/// queued ──claim──▶ sending ──ok──▶ sent ──receipt──▶ delivered
///   ▲                 │  │  │              └─receipt──▶ failed
///   └──retry later────┘  │  └──packed into another SMS──▶ ignored
///                        └──gave up──▶ failed | held
/// queued|held ──operator──▶ cancelled | ignored     failed|held ──retry──▶ queued
/// ```
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case queued, sending, sent, delivered, failed, cancelled, ignored, held

    /// Final statuses are never picked up by the dispatcher again.
    public var isFinal: Bool {
        switch self {
        case .sent, .delivered, .failed, .cancelled, .ignored: true
        case .queued, .sending, .held: false
        }
    }

    /// The transitions the hub allows; anything else is a bug or an operator mistake.
    public func canMove(to next: DeliveryStatus) -> Bool {
        switch (self, next) {
        case (.queued, .sending), (.queued, .cancelled), (.queued, .ignored), (.queued, .held): true
        case (.sending, .sent), (.sending, .queued), (.sending, .failed), (.sending, .held), (.sending, .ignored): true
        case (.sent, .delivered), (.sent, .failed): true
        case (.held, .queued), (.held, .cancelled), (.held, .ignored), (.held, .failed): true
        case (.failed, .queued): true
        default: false
        }
    }
}

/// One try at sending a delivery, kept for the record.
package struct DeliveryAttempt: Sendable, Codable, Equatable {
    package enum Outcome: String, Sendable, Codable { case sent, transient, permanent }
    package var deliveryID: String
    package var number: Int
    package var at: Date
    package var connector: String
    package var outcome: Outcome
    package var error: String?
    package var receiptID: String?
    package init(deliveryID: String, number: Int, at: Date, connector: String, outcome: Outcome, error: String? = nil, receiptID: String? = nil) {
        self.deliveryID = deliveryID
        self.number = number
        self.at = at
        self.connector = connector
        self.outcome = outcome
        self.error = error
        self.receiptID = receiptID
    }
}
