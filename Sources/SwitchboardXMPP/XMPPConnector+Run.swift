import Foundation
import NIOCore
import SwitchboardCore

extension XMPPConnector {
    /// Keeps a link up until the hub shuts down: connect, serve, and after any failure wait
    /// (exponential back-off with jitter, reset by a session that got ready) and connect again.
    package func run(sink: any InboundSink) async throws {
        var resumption: XMPPClientStateMachine.Resumption?
        var failures = 0
        var presence = PresenceTracker()
        while !Task.isCancelled {
            let (events, continuation) = AsyncStream.makeStream(of: XMPPLinkEvent.self)
            var reason = "the connection closed"
            var channel: (any Channel)?
            do {
                let open = try await connect(resumption: resumption, events: continuation)
                channel = open
                let lanes = InboundLanes()
                var closed: (reason: String, resumption: XMPPClientStateMachine.Resumption?)?
                // Chats and presence in lanes by party (`InboundLanes`): different parties'
                // turns run at once; the group ends only when every lane is drained.
                await withDiscardingTaskGroup { group in
                    for await event in events {
                        switch event {
                        case .ready(let resumed):
                            failures = 0
                            if !resumed { presence = PresenceTracker() }
                            logger.info("xmpp session ready", metadata: ["jid": "\(configuration.jid)", "resumed": "\(resumed)"])
                            linkReady(open)
                        case .closed(let why, let next):
                            closed = (why, next)
                        case .receive(let chat):
                            dispatch(.chat(chat), party: chat.from.bare, lanes: lanes, group: &group, sink: sink, channel: open)
                        case .presence(let jid, let available):
                            guard let change = presence.update(jid, available: available) else { continue }
                            let report = PresenceEvent(connector: name, address: .xmpp(jid.bare.description), available: change, at: Date())
                            dispatch(.presence(report), party: jid.bare, lanes: lanes, group: &group, sink: sink, channel: open)
                        default:
                            await handle(event, sink: sink, channel: open, presence: &presence)
                        }
                    }
                }
                // Every chat the closed link handed out has been through the sink by now.
                if let closed {
                    reason = closed.reason
                    resumption = closed.resumption?.settled(sinkFailed: lanes.failed)
                }
            } catch {
                reason = XMPPClientHandler.describe(error)
                continuation.finish()
            }
            linkGone()
            if Task.isCancelled {
                if let channel {
                    channel.writeAndFlush(XMPPClientStateMachine.Event.shutdown, promise: nil)
                    try? await channel.closeFuture.get()
                }
                return
            }
            failures += 1
            let pause = backoff(failures: failures)
            logger.warning(
                "xmpp link lost; reconnecting",
                metadata: ["jid": "\(configuration.jid)", "reason": "\(reason)", "in_ms": "\(Int(pause * 1000))"]
            )
            try? await Task.sleep(for: .seconds(pause))
        }
    }

    /// `reconnect_delay` × 2^(failures−1), capped at `reconnect_max_delay`, plus up to a quarter
    /// of it at random, so many hubs that lost one server do not all come back at once.
    func backoff(failures: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let base = Double(configuration.reconnectDelay.components.seconds) + Double(configuration.reconnectDelay.components.attoseconds) / 1e18
        let cap = Double(configuration.reconnectMaxDelay.components.seconds)
        let delay = min(cap, base * pow(2, Double(min(failures, 30) - 1)))
        return delay + delay * 0.25 * random
    }

    /// What the connector does with one thing the link reported (everything but ready and closed).
    /// Returns false when the sink refused a chat (the link is then closed).
    @discardableResult
    func handle(_ event: XMPPLinkEvent, sink: any InboundSink, channel: any Channel, presence: inout PresenceTracker) async -> Bool {
        switch event {
        case .receive(let chat):
            return await receive(chat, sink: sink, channel: channel)
        case .presence(let jid, let available):
            guard let change = presence.update(jid, available: available) else { return true }
            await announce(PresenceEvent(connector: name, address: .xmpp(jid.bare.description), available: change, at: Date()), sink: sink)
        case .subscriptionRequest(let jid):
            let approve: Bool
            switch configuration.subscriptions {
            case .everyone: approve = true
            case .none: approve = false
            case .contacts: approve = (try? await sink.knowsRecipient(.xmpp(jid.bare.description))) ?? false
            }
            logger.info("xmpp subscription request", metadata: ["jid": "\(jid.bare)", "approved": "\(approve)"])
            channel.writeAndFlush(XMPPClientStateMachine.Event.answerSubscription(jid, approve: approve), promise: nil)
        case .receipt(let id):
            await report(id, .delivered, nil, sink: sink)
        case .bounced(let id, let reason):
            await report(id, .failed, "the server returned it: \(reason)", sink: sink)
        case .ready, .closed:
            break
        }
        return true
    }

    /// Hands a chat to the sink; once it is committed, tells the state machine (which may now
    /// acknowledge it to the server) and answers a receipt request. `false` when the sink
    /// refused it: it is not acknowledged, and the link is closed so the server sends it again.
    func receive(_ chat: XMPPClientStateMachine.Chat, sink: any InboundSink, channel: any Channel) async -> Bool {
        let inbound = InboundMessage(
            connector: name,
            from: .xmpp(chat.from.bare.description),
            to: .xmpp(configuration.jid.bare.description),
            text: chat.body,
            subject: chat.subject
        )
        do {
            try await sink.receive(inbound)
        } catch {
            // Not acknowledged: the server keeps it, and the new link gets it again.
            logger.error("inbound xmpp message not taken; reconnecting", metadata: ["from": "\(chat.from.bare)", "error": "\(error)"])
            channel.close(promise: nil)
            return false
        }
        channel.write(XMPPClientStateMachine.Event.handled(seq: chat.seq), promise: nil)
        if let id = chat.receiptID {
            let received = XMPPElement.make("received", XMPPNamespace.receipts, [("id", id)])
            let receipt = XMPPElement.make(
                "message",
                XMPPNamespace.client,
                [("to", chat.from.description), ("id", "receipt-\(id)")],
                [.element(received)]
            )
            channel.write(XMPPClientStateMachine.Event.write(receipt), promise: nil)
        }
        channel.flush()
        return true
    }

    /// A contact came or went (their first resource online, their last one gone).
    func announce(_ event: PresenceEvent, sink: any InboundSink) async {
        do { try await sink.presenceChanged(event) } catch {
            logger.warning("presence not recorded", metadata: ["address": "\(event.address)", "error": "\(error)"])
        }
    }

    private func report(_ id: String, _ outcome: DeliveryReportOutcome, _ detail: String?, sink: any InboundSink) async {
        do {
            try await sink.deliveryReported(connector: name, deliveryID: id, outcome: outcome, detail: detail)
        } catch {
            logger.debug("xmpp report not matched", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }
}

/// Which resources of each contact are online, so the hub hears "available" when the first
/// one comes and "unavailable" only when the last one leaves.
struct PresenceTracker {
    private var online: [JID: Set<String>] = [:]

    /// The person's new state when it changed, nil otherwise.
    mutating func update(_ jid: JID, available: Bool) -> Bool? {
        let person = jid.bare
        let resource = jid.resource ?? ""
        let wasOnline = !(online[person]?.isEmpty ?? true)
        if available {
            online[person, default: []].insert(resource)
        } else if jid.resource == nil {
            online[person] = nil
        } else {
            online[person]?.remove(resource)
        }
        let isOnline = !(online[person]?.isEmpty ?? true)
        return wasOnline == isOnline ? nil : isOnline
    }
}
