import Foundation
import Metrics

/// What a gateway reported about a delivery it took.
///
/// Matched by the hub's own delivery id, which the connector sent along (Kannel's `dlr-url`),
/// never by the gateway's message id: some gateways (Kannel's sendsms) give none, and a
/// report that names our id cannot be matched to the wrong delivery.
public struct DeliveryReport: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Final: the handset has it.
        case delivered
        /// Final: the network gave up or refused it.
        case failed
        /// On its way: the SMSC is holding it (phone off, out of coverage).
        case buffered
        /// On its way: the SMSC took it.
        case submitted

        /// The status a report moves a delivery to; `nil` for reports that only say how far it got.
        public var deliveryStatus: DeliveryStatus? {
            switch self {
            case .delivered: .delivered
            case .failed: .failed
            case .buffered, .submitted: nil
            }
        }
    }

    public var deliveryID: String
    public var status: Status
    /// The gateway's own words (the SMSC's answer, an error code), kept with the status change.
    public var detail: String?

    public init(deliveryID: String, status: Status, detail: String? = nil) {
        self.deliveryID = deliveryID
        self.status = status
        self.detail = detail
    }
}

extension Hub {
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
    public func deliveryReport(connector: String, deliveryID: String, status: DeliveryReport.Status, detail: String?) async throws -> Delivery {
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

/// A connector whose gateway calls the hub back over HTTP: inbound messages (Kannel's
/// sms-service `get-url`) and delivery reports (its `dlr-url`) arrive at
/// `/api/v1/connectors/NAME/inbound` and `/dlr`, proved by a per-connector secret instead of
/// a login, since a gateway cannot log in.
///
/// The HTTP layer reads the parameters and checks the secret; the connector turns the
/// parameters into a message or a report. The defaults follow Kannel's conventions, which
/// other gateways (playSMS, Jasmin) share; a connector overrides them for other dialects.
public protocol CallbackConnector: Connector {
    /// The secret callbacks must carry; `nil` when the connector takes none (404).
    var callbackSecret: String? { get }
    /// An inbound message from `from`, `to`, `text` and optionally `coding` and `charset`.
    func inboundMessage(from parameters: CallbackParameters, receivedAt: Date) throws(SwitchboardError) -> InboundMessage
    /// A report from `delivery`, `status` (a Kannel DLR type) and optionally `detail`.
    func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport
}

extension CallbackConnector {
    public func inboundMessage(from parameters: CallbackParameters, receivedAt: Date) throws(SwitchboardError) -> InboundMessage {
        let from = try GatewayNumber.address(parameters.string("from"), parameter: "from")
        let to = try GatewayNumber.recipient(parameters.string("to"))
        let text = try parameters.text()
        return InboundMessage(connector: name, from: from, to: to, text: text, receivedAt: receivedAt)
    }

    public func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport {
        guard let id = parameters.string("delivery"), !id.isEmpty else {
            throw .invalid("missing_delivery", "parameter 'delivery' (the hub's delivery id from the dlr-url) is missing")
        }
        guard let raw = parameters.string("status"), let type = Int(raw) else {
            throw .invalid("invalid_status", "parameter 'status' must be a Kannel DLR type (1, 2, 4, 8 or 16; Kannel's %d)")
        }
        let (status, meaning): (DeliveryReport.Status, String)
        switch type {
        case 1: (status, meaning) = (.delivered, "delivered to the phone")
        case 2: (status, meaning) = (.failed, "not delivered")
        case 4: (status, meaning) = (.buffered, "buffered by the SMSC")
        case 8: (status, meaning) = (.submitted, "accepted by the SMSC")
        case 16: (status, meaning) = (.failed, "rejected by the SMSC")
        default: throw .invalid("invalid_status", "'status' \(type) is not a Kannel DLR type (1, 2, 4, 8 or 16)")
        }
        let said = parameters.string("detail")?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)
        let detail = "DLR \(type), \(meaning)" + (said.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
        return DeliveryReport(deliveryID: id, status: status, detail: detail)
    }
}

/// Phone numbers as gateways pass them on. An SMSC gives the sender in whatever form it
/// has: `+4712345678`, `004712345678` or `4712345678` (international without a sign; a `+`
/// left unencoded in a query string also arrives as a space). All three become
/// `sms:+4712345678`. A national number (one leading `0`) cannot be told apart from an
/// international one without knowing the country, so it is refused: Kannel's
/// `unified-prefix` should rewrite it before it reaches the hub.
public enum GatewayNumber {
    /// The sender's address, or `invalid` naming the parameter.
    public static func address(_ raw: String?, parameter: String) throws(SwitchboardError) -> Address {
        let compact = (raw ?? "").filter { !" -().\t".contains($0) }
        guard !compact.isEmpty else { throw .invalid("missing_\(parameter)", "parameter '\(parameter)' (the phone number) is missing") }
        let international: String
        if compact.hasPrefix("+") {
            international = compact
        } else if compact.hasPrefix("00") {
            international = "+" + compact.dropFirst(2)
        } else if compact.hasPrefix("0") {
            throw .invalid(
                "invalid_\(parameter)",
                "'\(parameter)' \(compact) is a national number; set Kannel's unified-prefix so numbers arrive in international form"
            )
        } else {
            international = "+" + compact
        }
        do { return try Address(parsing: "sms:" + international) } catch {
            throw .invalid(
                "invalid_\(parameter)",
                "'\(parameter)' is not a phone number: \(error.reason); expected E.164, with or without + or as 00 and the country code"
            )
        }
    }

    /// The number the message was sent to: `nil` when absent or a short code (fewer than 7
    /// digits, e.g. `2222`), which is a service number, not anyone's address.
    public static func recipient(_ raw: String?) throws(SwitchboardError) -> Address? {
        let compact = (raw ?? "").filter { !" -().\t".contains($0) }
        if compact.isEmpty || (compact.count < 7 && compact.allSatisfy { $0.isASCII && $0.isNumber }) { return nil }
        return try address(compact, parameter: "to")
    }
}

/// The parameters of a gateway callback, query string and form body merged, with values kept
/// as bytes: Kannel passes a UCS-2 message's text as percent-encoded UTF-16BE, which is not a
/// string until `charset` says how to read it.
public struct CallbackParameters: Sendable, Equatable {
    public private(set) var values: [String: [UInt8]]

    public init(_ values: [String: [UInt8]] = [:]) { self.values = values }

    /// Adds `application/x-www-form-urlencoded` pairs (`+` is a space). A name given twice, here
    /// or before, is `invalid`: which one was meant cannot be known.
    public mutating func add(urlEncoded bytes: some Collection<UInt8>) throws(SwitchboardError) {
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(bytes: Self.decode(parts[0]), encoding: .utf8), !name.isEmpty else { continue }
            guard values[name] == nil else { throw .invalid("duplicate_parameter", "parameter '\(name)' is given more than once") }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : []
        }
    }

    public func bytes(_ name: String) -> [UInt8]? { values[name] }

    /// The value as UTF-8 text; bytes that are not UTF-8 become U+FFFD.
    public func string(_ name: String) -> String? { values[name].map { String(decoding: $0, as: UTF8.self) } }

    /// `text` read as `charset` says (default UTF-8, or UTF-16BE for `coding=2`, as Kannel's
    /// `%C` and `%c` give them); bytes that are not valid in that charset are `invalid`.
    public func text() throws(SwitchboardError) -> String {
        guard let bytes = values["text"] else { throw .invalid("missing_text", "parameter 'text' is missing") }
        guard bytes.count <= SendRequest.Limits.textBytes * 2 else {
            throw .invalid("text_too_long", "'text' is \(bytes.count) bytes; at most \(SendRequest.Limits.textBytes * 2)")
        }
        let coding = string("coding") ?? ""
        if coding == "1" { throw .invalid("binary_message", "an 8-bit (binary) message is not text; coding=1 is not accepted") }
        let charset = (string("charset").flatMap { $0.isEmpty ? nil : $0 } ?? (coding == "2" ? "UTF-16BE" : "UTF-8")).uppercased()
        let encoding: String.Encoding
        switch charset {
        case "UTF-8", "UTF8": encoding = .utf8
        case "UTF-16BE", "UCS-2", "UCS-2BE", "UTF-16": encoding = .utf16BigEndian
        case "ISO-8859-1", "LATIN1", "ISO_8859-1": encoding = .isoLatin1
        case "WINDOWS-1252", "CP1252": encoding = .windowsCP1252
        default: throw .invalid("unsupported_charset", "charset '\(charset)' is not supported; use UTF-8, UTF-16BE or ISO-8859-1")
        }
        if encoding == .utf16BigEndian && bytes.count % 2 != 0 {
            throw .invalid("invalid_text", "'text' has an odd number of bytes, so it is not \(charset)")
        }
        guard let text = String(bytes: bytes, encoding: encoding) else {
            throw .invalid(
                "invalid_text",
                "'text' is not valid \(charset); put &coding=%c&charset=%C in Kannel's get-url so the hub knows how to read it"
            )
        }
        return text
    }

    static func decode(_ encoded: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let byte = encoded[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let h = encoded.index(i, offsetBy: 1, limitedBy: encoded.endIndex), h != encoded.endIndex,
                let l = encoded.index(h, offsetBy: 1, limitedBy: encoded.endIndex), l != encoded.endIndex,
                let hi = hex(encoded[h]), let lo = hex(encoded[l])
            {
                out.append(hi << 4 | lo)
                i = l
            } else {
                out.append(byte)
            }
            i = encoded.index(after: i)
        }
        return out
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
