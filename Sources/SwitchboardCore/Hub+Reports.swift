import Foundation
import Metrics

/// What a gateway reported about a delivery it took.
///
/// Matched by the hub's own delivery id, which the connector sent along (Kannel's `dlr-url`),
/// never by the gateway's message id: some gateways (Kannel's sendsms) give none, and a
/// report that names our id cannot be matched to the wrong delivery.
package struct DeliveryReport: Sendable, Equatable {
    package enum Status: String, Sendable, CaseIterable {
        /// Final: the handset has it.
        case delivered
        /// Final: the network gave up or refused it.
        case failed
        /// On its way: the SMSC is holding it (phone off, out of coverage).
        case buffered
        /// On its way: the SMSC took it.
        case submitted

        /// The status a report moves a delivery to; `nil` for reports that only say how far it got.
        package var deliveryStatus: DeliveryStatus? {
            switch self {
            case .delivered: .delivered
            case .failed: .failed
            case .buffered, .submitted: nil
            }
        }
    }

    package var deliveryID: String
    package var status: Status
    /// The gateway's own words (the SMSC's answer, an error code), kept with the status change.
    package var detail: String?

    package init(deliveryID: String, status: Status, detail: String? = nil) {
        self.deliveryID = deliveryID
        self.status = status
        self.detail = detail
    }
}

extension Hub: SentReferenceSink {
    /// How long a report waits for a delivery still marked `sending`: a gateway can report
    /// (Kannel's "submitted" comes within milliseconds) before the dispatcher has recorded
    /// the gateway's answer.
    static let reportGrace: Duration = .seconds(3)

    /// Applies a gateway's delivery report to one of `connector`'s deliveries.
    ///
    /// A final report (`delivered`, `failed`) moves a `sent` delivery on through the store's
    /// `setStatus`, recorded with the actor `connector:NAME` and the detail as reason (a
    /// `failed` one also becomes the delivery's last error and falls back to the channel's
    /// `fallback` like a permanent failure at send time, see `ChannelFallback`); the
    /// others are added to the status history and leave the status as it is (and are dropped
    /// once the delivery is delivered or failed: they are stale then). The same report again
    /// is a no-op, since gateways repeat reports. A delivery of another connector is
    /// `notFound`, like an unknown one, so a connector's secret reaches only its own deliveries.
    ///
    /// - Returns: the delivery as it is after the report.
    @discardableResult
    package func deliveryReport(connector: String, deliveryID: String, status: DeliveryReport.Status, detail: String?) async throws -> Delivery {
        guard connectors[connector] != nil else {
            throw SwitchboardError.notFound("unknown_connector", "no connector named '\(connector)'")
        }
        let notFound = SwitchboardError.notFound("unknown_delivery", "connector '\(connector)' sent no delivery with id '\(deliveryID)'")
        guard var delivery = try await settledDelivery(id: deliveryID) else { throw notFound }
        guard delivery.connector == connector else { throw notFound }
        let actor = "connector:\(connector)"
        let reason = "delivery report: \(status.rawValue)" + (detail.map { " (\($0))" } ?? "")
        Counter(label: "switchboard_delivery_reports_total", dimensions: [("connector", connector), ("status", status.rawValue)]).increment()

        guard let target = status.deliveryStatus else {
            // Progress reported after the outcome is stale: gateways send reports concurrently
            // (Kannel's "submitted" can arrive after its "delivered").
            if delivery.status == .delivered || delivery.status == .failed { return delivery }
            let history = try await store.statusChanges(deliveryID: deliveryID)
            if history.contains(where: { $0.actor == actor && $0.reason == reason && $0.from == $0.to }) { return delivery }
            return try await store.noteStatus(deliveryID: deliveryID, ifStatus: delivery.status, reason: reason, by: actor, now: Date())
        }
        if delivery.status == target { return delivery }
        guard delivery.status.canMove(to: target) else {
            throw SwitchboardError.conflict(
                "illegal_transition",
                "delivery \(deliveryID) is \(delivery.status.rawValue); a '\(status.rawValue)' report cannot move it to \(target.rawValue)"
            )
        }
        do {
            delivery = try await store.setStatus(deliveryID: deliveryID, to: target, reason: reason, by: actor, now: Date())
        } catch let error as SwitchboardError where error.kind == .conflict {
            // The same report, arriving twice at once: the other one made the move.
            guard let now = try await store.delivery(id: deliveryID), now.status == target else { throw error }
            return now
        }
        logger.info("delivery report", metadata: ["delivery": "\(deliveryID)", "connector": "\(connector)", "status": "\(target.rawValue)"])
        if target == .failed { await dispatcher.fallBack(from: delivery) }
        return delivery
    }

    /// The delivery, once the dispatcher has finished with it (or the grace period is over).
    private func settledDelivery(id: String) async throws -> Delivery? {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.reportGrace
        while true {
            guard let delivery = try await store.delivery(id: id) else { return nil }
            if delivery.status != .sending { return delivery }
            guard clock.now < deadline else {
                throw SwitchboardError(
                    .unavailable,
                    code: "delivery_in_flight",
                    "delivery \(id) is still being sent; the report came too early"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
