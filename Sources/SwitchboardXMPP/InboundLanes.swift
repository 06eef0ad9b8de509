import NIOConcurrencyHelpers
import SwitchboardCore

/// What one XMPP link hands the sink, in a lane per party (bare JID): one party's chats and
/// presence changes reach the sink one at a time, in the order the server sent them, while
/// different parties' are handled at once, so their conversation turns share commits instead
/// of each waiting for the one before (the link used to await every chat's turn before
/// taking the next, whoever sent it).
///
/// A lane exists while someone drains it: `enqueue` says when the caller must start a drainer,
/// which takes work with `next` until the lane is empty. After a sink failure (`fail`) lanes
/// hand out nothing more: the link is closing, and what was not handled is not acknowledged
/// to the server, which sends it again on the next link.
final class InboundLanes: Sendable {
    enum Work: Sendable {
        case chat(XMPPClientStateMachine.Chat)
        case presence(PresenceEvent)
    }

    private struct State {
        /// Present while drained; the work waiting behind the one being handled.
        var lanes: [JID: [Work]] = [:]
        var failed = false
    }

    private let state = NIOLockedValueBox(State())

    /// Queues `work` in `party`'s lane; `true` when the lane was idle: the caller then handles
    /// `work` itself and drains the lane with `next(for:)`. After a failure the work is dropped
    /// (`false`).
    func enqueue(_ work: Work, for party: JID) -> Bool {
        state.withLockedValue { state in
            if state.failed { return false }
            if state.lanes[party] != nil {
                state.lanes[party]!.append(work)
                return false
            }
            state.lanes[party] = []
            return true
        }
    }

    /// The next work of `party`'s lane, or `nil`, which closes the lane (also after a failure).
    func next(for party: JID) -> Work? {
        state.withLockedValue { state in
            guard !state.failed, var waiting = state.lanes[party], !waiting.isEmpty else {
                state.lanes[party] = nil
                return nil
            }
            state.lanes[party] = nil
            let work = waiting.removeFirst()
            state.lanes[party] = waiting
            return work
        }
    }

    /// The sink refused something: nothing more is handed out on this link.
    func fail() {
        state.withLockedValue { $0.failed = true }
    }

    var failed: Bool { state.withLockedValue { $0.failed } }

    /// How many lanes are being drained (for tests).
    var activeCount: Int { state.withLockedValue { $0.lanes.count } }
}
