import Foundation
import SwitchboardCore

/// Status reports that matched no sent part yet, kept a short while.
///
/// Why: a report can overtake the `+CMGS` answer on its way to the code that records the
/// reference (the answer completes the send's task, the report goes to the receiving task),
/// so a report that matches nothing is kept for `window` and tried again when a part with its
/// reference and recipient is recorded. Older ones belong to something sent before the hub
/// started (or long ago) and are dropped: the store is what matches those.
struct EarlyReports {
    static let window: TimeInterval = 30
    /// At most this many are kept; the oldest go first.
    static let limit = 256

    private var kept: [(report: SMSStatusReport, at: Date)] = []

    var count: Int { kept.count }

    mutating func keep(_ report: SMSStatusReport, now: Date) {
        kept.removeAll { now.timeIntervalSince($0.at) > Self.window }
        if kept.count >= Self.limit { kept.removeFirst() }
        kept.append((report, now))
    }

    /// The reports, oldest first, that may be about a part just recorded under `reference` for
    /// a recipient with `recipientKey`; they are no longer kept.
    mutating func take(reference: Int, recipientKey: String, now: Date) -> [SMSStatusReport] {
        kept.removeAll { now.timeIntervalSince($0.at) > Self.window }
        let matches = { (entry: (report: SMSStatusReport, at: Date)) in
            Int(entry.report.reference) == reference && SentPart.recipientKey(entry.report.recipient.display) == recipientKey
        }
        let taken = kept.filter(matches).map(\.report)
        kept.removeAll(where: matches)
        return taken
    }
}
