import Foundation

/// Parts of concatenated SMS waiting for their siblings, in any order, each with the storage
/// index it must be deleted from once the whole message is committed.
///
/// Why a time limit: a part can be lost in the network. After `timeout` since its first part
/// arrived, a message is handed on with what came, a `…` standing for each missing part, so
/// nobody waits forever and nothing that did arrive is lost. Parts stay on the SIM until then,
/// so a restart reads them again and loses nothing either.
package struct ConcatenationBuffer: Sendable {
    package struct Key: Hashable, Sendable {
        package var sender: String
        package var reference: UInt16
        package var total: UInt8
    }

    /// A message ready to hand on: its text and every storage index it came from.
    package struct Complete: Sendable, Equatable {
        package var sender: String
        package var text: String
        package var indexes: [Int]
        package var receivedAt: Date
        /// Parts that never came (1-based), empty when the message is whole.
        package var missing: [Int]
    }

    private struct Pending: Sendable {
        var parts: [UInt8: (text: String, index: Int?)] = [:]
        var firstSeen: Date
    }

    package var timeout: Duration
    private var pending: [Key: Pending] = [:]

    package init(timeout: Duration) { self.timeout = timeout }

    package var count: Int { pending.count }

    /// Adds one part; returns the message when this part completes it. A part seen again
    /// (the same index read twice) replaces itself.
    package mutating func add(
        sender: String,
        concatenation c: UserDataHeader.Concatenation,
        text: String,
        index: Int?,
        at now: Date
    ) -> Complete? {
        let key = Key(sender: sender, reference: c.reference, total: c.total)
        var entry = pending.removeValue(forKey: key) ?? Pending(firstSeen: now)
        entry.parts[c.sequence] = (text, index)
        guard entry.parts.count == Int(c.total) else {
            pending[key] = entry
            return nil
        }
        return Self.assemble(key, entry)
    }

    /// Messages whose first part came more than `timeout` before `now`, with what arrived.
    package mutating func expired(at now: Date) -> [Complete] {
        let limit = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let old = pending.filter { now.timeIntervalSince($0.value.firstSeen) >= limit }
        for key in old.keys { pending[key] = nil }
        return old.map { Self.assemble($0.key, $0.value) }.sorted { $0.receivedAt < $1.receivedAt }
    }

    private static func assemble(_ key: Key, _ entry: Pending) -> Complete {
        var text = ""
        var missing: [Int] = []
        for seq in 1...Int(key.total) {
            if let part = entry.parts[UInt8(seq)] {
                text += part.text
            } else {
                text += "…"
                missing.append(seq)
            }
        }
        let indexes = entry.parts.keys.sorted().compactMap { entry.parts[$0]?.index }
        return Complete(sender: key.sender, text: text, indexes: indexes, receivedAt: entry.firstSeen, missing: missing)
    }
}
