import Foundation

/// What a connector that numbers its own messages (a GSM modem: the TP-MR that `+CMGS`
/// answers) must remember to match a status report to its delivery, kept in the store so a
/// report that comes after a restart still finds it.
///
/// A reference is one octet, reused after 256 messages, so it is matched together with the
/// connector and the recipient, and only among parts sent within a window; of those, the newest
/// part without a final outcome wins (a repeated report falls back on the newest finished one).
/// A long message is several parts, each with its own reference: the delivery is delivered when
/// every part is, failed as soon as one part fails.
///
/// Small on purpose, so each store (SQLite, memory, PostgreSQL later) implements three calls.
package protocol SentReferenceStore: Sendable {
    /// Keeps one part as sent. A part of another send of the same delivery (a retry) is
    /// dropped, and so is an earlier row for the same part: only the latest send is reported on.
    func recordSent(_ part: SentPart) async throws

    /// Applies a status report to the part it is about: among `connector`'s parts with
    /// `reference` and a recipient with the same `SentPart.recipientKey`, sent at or after
    /// `since`, the newest without a final outcome, else the newest (a repeated report). A final
    /// outcome is kept on that part (the first one wins); `pending` changes nothing.
    /// - Returns: the part's delivery and what the reports so far mean for it; nil if no part matches.
    func matchSent(connector: String, reference: Int, recipient: String, outcome: SentPart.Outcome, since: Date) async throws -> SentPartMatch?

    /// Forgets `connector`'s parts sent before `cutoff` (each connector has its own window);
    /// returns how many.
    @discardableResult
    func purgeSent(connector: String, before cutoff: Date) async throws -> Int
}

/// One part of a message as a connector sent it, under the reference the far side gave it.
package struct SentPart: Sendable, Equatable {
    /// What a status report says about one part.
    package enum Outcome: String, Sendable, Equatable {
        case delivered, failed
        /// The far side is still trying: nothing final.
        case pending
    }

    package var connector: String
    /// The message reference, 0-255 for a modem's TP-MR.
    package var reference: Int
    /// The number as it was sent to, e.g. `+4712345678`.
    package var recipient: String
    /// When the send began; every part of one send carries the same time.
    package var sentAt: Date
    package var deliveryID: String
    /// 0-based place among `parts`.
    package var part: Int
    package var parts: Int

    package init(connector: String, reference: Int, recipient: String, sentAt: Date, deliveryID: String, part: Int, parts: Int) {
        self.connector = connector
        self.reference = reference
        self.recipient = recipient
        self.sentAt = sentAt
        self.deliveryID = deliveryID
        self.part = part
        self.parts = parts
    }

    /// How recipients are compared: the last 7 digits (Kannel's `MIN_DST_LEN`), since the
    /// network may report the number in another format than it was sent in (`+4712345678`
    /// sent, `12345678` reported). A recipient without digits is compared whole.
    package static func recipientKey(_ recipient: String) -> String {
        let digits = recipient.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }
        guard !digits.isEmpty else { return recipient.lowercased() }
        return String(String.UnicodeScalarView(digits.suffix(7)))
    }
}

/// The delivery a status report belongs to, and what all its parts' reports mean so far.
package struct SentPartMatch: Sendable, Equatable {
    package enum Verdict: String, Sendable, Equatable {
        /// Every part was delivered.
        case delivered
        /// A part failed for good.
        case failed
        /// Nothing final yet (parts still unreported, or the far side still trying).
        case progress
    }

    package var deliveryID: String
    /// The part the report was about (0-based) and how many the send had.
    package var part: Int
    package var parts: Int
    package var verdict: Verdict

    package init(deliveryID: String, part: Int, parts: Int, verdict: Verdict) {
        self.deliveryID = deliveryID
        self.part = part
        self.parts = parts
        self.verdict = verdict
    }

    /// The verdict of a send of `parts` parts whose final outcomes so far are `outcomes`.
    package static func verdict(parts: Int, outcomes: [SentPart.Outcome?]) -> Verdict {
        if outcomes.contains(.failed) { return .failed }
        return outcomes.filter { $0 == .delivered }.count >= parts ? .delivered : .progress
    }
}

/// A sink that keeps connectors' sent references (the hub: in its store when the store keeps
/// them, else in memory).
package protocol SentReferenceSink: InboundSink {
    var sentReferences: any SentReferenceStore { get }
}
