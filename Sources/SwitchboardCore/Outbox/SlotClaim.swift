import Synchronization

/// One send waiting for a free slot on any of several connectors (a `spread` route): it is
/// queued at each gate, and the first gate that frees a slot hands it over; the others drop
/// the claim when they reach it. A gate hands a slot straight to a waiter, so no slot is
/// ever lost between two gates and no waiter is woken for nothing.
package final class SlotClaim: Sendable {
    /// The gate that won, and the waiter to resume outside the gate's lock.
    struct Handover {
        let gate: ConnectorGate
        let continuation: CheckedContinuation<ConnectorGate, Never>?
        func resume() { continuation?.resume(returning: gate) }
    }

    private struct State {
        var winner: ConnectorGate?
        var continuation: CheckedContinuation<ConnectorGate, Never>?
    }
    private let state = Mutex(State())

    /// Waits until one of `gates` hands over a slot and returns that gate; the slot is then
    /// held by the caller (give it back with `release()` or `withAcquiredPermit`).
    package static func first(of gates: [ConnectorGate]) async -> ConnectorGate {
        precondition(!gates.isEmpty, "a slot claim needs at least one gate")
        let claim = SlotClaim()
        return await withCheckedContinuation { (c: CheckedContinuation<ConnectorGate, Never>) in
            // Stored before the first gate can hand a slot over.
            claim.state.withLock { $0.continuation = c }
            for gate in gates {
                gate.enqueue(claim)
            }
        }
    }

    /// Called by a gate with a free slot, under its lock: the first call wins the claim.
    func win(_ gate: ConnectorGate) -> Handover? {
        state.withLock { s in
            guard s.winner == nil else { return nil }
            s.winner = gate
            defer { s.continuation = nil }
            return Handover(gate: gate, continuation: s.continuation)
        }
    }
}
