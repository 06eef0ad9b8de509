import Foundation

// Sent references: each call one transaction under the store's lock, matching and marking as
// the SQLite store's `sent_parts` queries do.
extension MemoryStore: SentReferenceStore {
    package func recordSent(_ part: SentPart) async throws {
        try withState { state in
            state.sentParts.removeAll { $0.part.deliveryID == part.deliveryID && ($0.part.sentAt != part.sentAt || $0.part.part == part.part) }
            state.sentParts.append(StoredSentPart(part: part, outcome: nil, seq: state.nextSentPartSeq))
            state.nextSentPartSeq += 1
        }
    }

    package func matchSent(
        connector: String,
        reference: Int,
        recipient: String,
        outcome: SentPart.Outcome,
        since: Date
    ) async throws -> SentPartMatch? {
        let key = SentPart.recipientKey(recipient)
        return try withState { state in
            let candidates = state.sentParts.indices.filter { i in
                let p = state.sentParts[i].part
                return p.connector == connector && p.reference == reference && p.sentAt >= since && SentPart.recipientKey(p.recipient) == key
            }
            // Unfinished first, then the newest send, then the latest recorded.
            let best = candidates.max { a, b in
                let x = state.sentParts[a]
                let y = state.sentParts[b]
                if (x.outcome == nil) != (y.outcome == nil) { return x.outcome != nil }
                if x.part.sentAt != y.part.sentAt { return x.part.sentAt < y.part.sentAt }
                return x.seq < y.seq
            }
            guard let best else { return nil }
            if outcome != .pending && state.sentParts[best].outcome == nil { state.sentParts[best].outcome = outcome }
            let found = state.sentParts[best].part
            let outcomes = state.sentParts.filter { $0.part.deliveryID == found.deliveryID }.map(\.outcome)
            return SentPartMatch(
                deliveryID: found.deliveryID,
                part: found.part,
                parts: found.parts,
                verdict: SentPartMatch.verdict(parts: found.parts, outcomes: outcomes)
            )
        }
    }

    package func purgeSent(connector: String, before cutoff: Date) async throws -> Int {
        try withState { state in
            let before = state.sentParts.count
            state.sentParts.removeAll { $0.part.connector == connector && $0.part.sentAt < cutoff }
            return before - state.sentParts.count
        }
    }
}
