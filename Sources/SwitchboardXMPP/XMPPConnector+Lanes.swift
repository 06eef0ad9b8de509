import NIOCore
import SwitchboardCore

extension XMPPConnector {
    /// Hands `work` to `party`'s lane; when the lane was idle, a child task of `group` drains it
    /// (this work first). A lane's work is handled in order, lanes at once; after a sink failure
    /// the rest is dropped (not acknowledged, so the server sends it again on the next link).
    func dispatch(
        _ work: InboundLanes.Work,
        party: JID,
        lanes: InboundLanes,
        group: inout DiscardingTaskGroup,
        sink: any InboundSink,
        channel: any Channel
    ) {
        guard lanes.enqueue(work, for: party) else { return }
        group.addTask { [self] in
            var next: InboundLanes.Work? = work
            while let work = next {
                switch work {
                case .chat(let chat):
                    if await !receive(chat, sink: sink, channel: channel) { lanes.fail() }
                case .presence(let event):
                    await announce(event, sink: sink)
                }
                next = lanes.next(for: party)
            }
        }
    }
}
