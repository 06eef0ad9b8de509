/// Which delivery each message reference (`+CMGS: <mr>`) belongs to, so a status report
/// can be matched back to it. A long message's parts each have a reference; the delivery is
/// delivered when every part is, failed as soon as one part fails.
///
/// Why in memory and bounded: a reference is one octet, so the modem reuses it after 256
/// messages; an entry is replaced when its reference comes round again. Reports that arrive
/// after a restart find nothing and are logged (the delivery stays `sent`).
package struct SentMessageTable: Sendable {
    private struct Entry: Sendable {
        var deliveryID: String
        var references: Set<UInt8>
        var delivered: Set<UInt8> = []
    }

    /// What a status report means for its delivery.
    package enum Verdict: Sendable, Equatable {
        case delivered(deliveryID: String)
        case failed(deliveryID: String)
        /// A part arrived or the SC is still trying: nothing final yet.
        case progress(deliveryID: String)
        /// No delivery sent by this modem has this reference.
        case unknown
    }

    private var byReference: [UInt8: String] = [:]
    private var entries: [String: Entry] = [:]

    package init() {}

    package mutating func record(deliveryID: String, references: [UInt8]) {
        for mr in references {
            if let previous = byReference[mr], var old = entries[previous] {
                old.references.remove(mr)
                entries[previous] = old.references.isEmpty ? nil : old
            }
            byReference[mr] = deliveryID
        }
        entries[deliveryID] = Entry(deliveryID: deliveryID, references: Set(references))
    }

    package mutating func report(reference mr: UInt8, outcome: SMSStatusReport.Outcome) -> Verdict {
        guard let id = byReference[mr], var entry = entries[id] else { return .unknown }
        switch outcome {
        case .pending: return .progress(deliveryID: id)
        case .failed:
            forget(entry)
            return .failed(deliveryID: id)
        case .delivered:
            entry.delivered.insert(mr)
            if entry.delivered == entry.references {
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
