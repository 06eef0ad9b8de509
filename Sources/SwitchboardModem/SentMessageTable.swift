import Foundation

/// Which delivery each message reference (`+CMGS: <mr>`) belongs to, so a status report
/// can be matched back to it. A long message's parts each have a reference; the delivery is
/// delivered when every part is, failed as soon as one part fails.
///
/// Why in memory and bounded: a reference is one octet, so the modem reuses it after 256
/// messages; an entry is replaced when its reference comes round again. Reports that arrive
/// after a restart find nothing and are logged (the delivery stays `sent`).
///
/// A report can overtake the `+CMGS` answer on its way to the code that records it (the two
/// travel on different tasks), so a report for an unknown reference is kept for `earlyWindow`
/// and applied when that reference is recorded within it.
package struct SentMessageTable: Sendable {
    private struct Entry: Sendable {
        var deliveryID: String
        var parts: Int
        var references: Set<UInt8> = []
        var delivered: Set<UInt8> = []
    }

    /// What a status report means for its delivery.
    package enum Verdict: Sendable, Equatable {
        case delivered(deliveryID: String)
        case failed(deliveryID: String)
        /// A part arrived or the SC is still trying: nothing final yet.
        case progress(deliveryID: String)
        /// No delivery sent by this modem has this reference (yet).
        case unknown
    }

    package static let earlyWindow: TimeInterval = 30

    private var byReference: [UInt8: String] = [:]
    private var entries: [String: Entry] = [:]
    private var early: [UInt8: (outcome: SMSStatusReport.Outcome, at: Date)] = [:]

    package init() {}

    /// Records part `reference` of a delivery sent in `parts` parts; returns the verdict of a
    /// report that came for it before this call, if one did.
    package mutating func record(deliveryID: String, reference mr: UInt8, parts: Int, now: Date = Date()) -> Verdict? {
        if let previous = byReference[mr], previous != deliveryID, var old = entries[previous] {
            old.references.remove(mr)
            entries[previous] = old.references.isEmpty ? nil : old
        }
        byReference[mr] = deliveryID
        var entry = entries[deliveryID] ?? Entry(deliveryID: deliveryID, parts: parts)
        entry.references.insert(mr)
        entries[deliveryID] = entry
        guard let report = early.removeValue(forKey: mr), now.timeIntervalSince(report.at) <= Self.earlyWindow else { return nil }
        return self.report(reference: mr, outcome: report.outcome, now: now)
    }

    package mutating func report(reference mr: UInt8, outcome: SMSStatusReport.Outcome, now: Date = Date()) -> Verdict {
        guard let id = byReference[mr], var entry = entries[id] else {
            early[mr] = (outcome, now)
            return .unknown
        }
        switch outcome {
        case .pending: return .progress(deliveryID: id)
        case .failed:
            forget(entry)
            return .failed(deliveryID: id)
        case .delivered:
            entry.delivered.insert(mr)
            if entry.delivered.count == entry.parts {
                forget(entry)
                return .delivered(deliveryID: id)
            }
            entries[id] = entry
            return .progress(deliveryID: id)
        }
    }

    private mutating func forget(_ entry: Entry) {
        entries[entry.deliveryID] = nil
        for mr in entry.references where byReference[mr] == entry.deliveryID { byReference[mr] = nil }
    }
}
