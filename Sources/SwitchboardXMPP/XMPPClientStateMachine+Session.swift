/// The states after authentication: resuming or binding, stream management, and the stanzas
/// of a ready session.
extension XMPPClientStateMachine {
    mutating func resumed(_ stanza: XMPPElement) -> [Action] {
        if stanza.is("resumed", XMPPNamespace.streamManagement), let previous = resumption {
            smEnabled = true
            smResumeID = previous.id
            inboundReceived = previous.inboundHandled
            outboundCount = previous.outboundCount
            unacked = previous.unacked
            resumption = nil
            let h = stanza.attribute("h").flatMap(UInt32.init) ?? 0
            var actions = acknowledge(h)
            // What the server did not get is written again by the connector, in order.
            unacked.removeAll()
            outboundCount = h
            state = .ready
            actions.append(.ready(resumed: true))
            return actions
        }
        if stanza.is("failed", XMPPNamespace.streamManagement) {
            // The old stream is gone: everything unacknowledged is written again on a new one.
            resumption = nil
            return bind()
        }
        return fail(.notWellFormed, "expected <resumed/> or <failed/>, got \(stanza.name)")
    }

    mutating func bound(_ stanza: XMPPElement) -> [Action] {
        guard stanza.is("iq", XMPPNamespace.client) else { return fail(.notWellFormed, "expected the bind result, got \(stanza.name)") }
        guard stanza.attribute("type") == "result" else {
            let condition = stanza.child("error")?.elements.first?.name.localName ?? "no reason"
            let step = if case .binding = state { "resource binding" } else { "the session" }
            return close("the server refused \(step): \(condition)")
        }
        if case .binding = state {
            let jid = stanza.child("bind", namespace: XMPPNamespace.bind)?.child("jid", namespace: XMPPNamespace.bind)?.text
            boundJID = jid.flatMap(JID.init) ?? JID(local: settings.jid.local, domain: settings.jid.domain, resource: settings.resource)
            if let session = features?.child("session", namespace: XMPPNamespace.session), session.child("optional") == nil {
                state = .startingSession
                let request = XMPPElement.make("session", XMPPNamespace.session)
                return [write(.make("iq", XMPPNamespace.client, [("type", "set"), ("id", "session-1")], [.element(request)]))]
            }
        }
        if features?.child("sm", namespace: XMPPNamespace.streamManagement) != nil {
            state = .enabling
            return [write(.make("enable", XMPPNamespace.streamManagement, [("resume", "true")]))]
        }
        return begin()
    }

    mutating func enabled(_ stanza: XMPPElement) -> [Action] {
        if stanza.is("enabled", XMPPNamespace.streamManagement) {
            smEnabled = true
            let resume = stanza.attribute("resume")
            smResumeID = resume == "true" || resume == "1" ? stanza.attribute("id") : nil
            return begin()
        }
        if stanza.is("failed", XMPPNamespace.streamManagement) { return begin() }
        return fail(.notWellFormed, "expected <enabled/> or <failed/>, got \(stanza.name)")
    }

    /// Roster get and initial presence (RFC 6121 §2.2, §4.2), then the session is ready.
    private mutating func begin() -> [Action] {
        state = .ready
        let roster = XMPPElement.make(
            "iq",
            XMPPNamespace.client,
            [("type", "get"), ("id", "roster-1")],
            [.element(.make("query", XMPPNamespace.roster))]
        )
        return writeCounted(roster) + writeCounted(.make("presence", XMPPNamespace.client)) + [.ready(resumed: false)]
    }

    private static let sessionStanzas: Set<String> = ["message", "presence", "iq"]

    mutating func session(_ stanza: XMPPElement) -> [Action] {
        if stanza.namespace == XMPPNamespace.streamManagement {
            switch stanza.name.localName {
            case "r":
                guard pendingSink.isEmpty else {
                    ackRequested = inboundReceived
                    return []
                }
                return [.write(ackText())]
            case "a":
                return acknowledgement(stanza.attribute("h").flatMap(UInt32.init) ?? 0)
            default:
                return []
            }
        }
        guard stanza.namespace == XMPPNamespace.client, Self.sessionStanzas.contains(stanza.name.localName) else {
            return fail(.unsupportedStanzaType, "\(stanza.name) is not a stanza")
        }
        if smEnabled { inboundReceived &+= 1 }
        let from = stanza.attribute("from").flatMap(JID.init)
        switch stanza.name.localName {
        case "message": return message(stanza, from: from)
        case "presence": return presence(stanza, from: from)
        default: return iq(stanza, from: from)
        }
    }

    private func ackText() -> String {
        XMLWriter.write(.make("a", XMPPNamespace.streamManagement, [("h", String(handledCount))]))
    }

    private mutating func message(_ stanza: XMPPElement, from: JID?) -> [Action] {
        let type = stanza.attribute("type") ?? "normal"
        if type == "error" {
            guard let id = stanza.attribute("id") else { return [] }
            let condition = stanza.child("error")?.elements.first { $0.namespace == XMPPNamespace.stanzas }?.name.localName ?? "error"
            return [.bounced(id, reason: condition)]
        }
        guard let from else { return [] }
        if let received = stanza.child("received", namespace: XMPPNamespace.receipts), let id = received.attribute("id") {
            return [.receipt(id)]
        }
        guard type == "chat" || type == "normal", let body = stanza.child("body")?.text, !body.isEmpty else { return [] }
        let seq = inboundReceived
        if smEnabled { pendingSink.append(seq) }
        let wantsReceipt = stanza.child("request", namespace: XMPPNamespace.receipts) != nil
        let chat = Chat(
            from: from,
            body: body,
            subject: stanza.child("subject")?.text,
            seq: seq,
            receiptID: wantsReceipt ? stanza.attribute("id") : nil
        )
        return [.receive(chat)]
    }

    private func presence(_ stanza: XMPPElement, from: JID?) -> [Action] {
        guard let from, from.bare != settings.jid.bare else { return [] }
        switch stanza.attribute("type") {
        case nil: return [.presence(from, available: true)]
        case "unavailable": return [.presence(from, available: false)]
        case "subscribe": return [.subscriptionRequest(from.bare)]
        default: return []
        }
    }

    private mutating func iq(_ stanza: XMPPElement, from: JID?) -> [Action] {
        let id = stanza.attribute("id") ?? ""
        switch stanza.attribute("type") {
        case "result", "error":
            if id == pingOutstanding { pingOutstanding = nil }
            return []
        case "get" where stanza.child("ping", namespace: XMPPNamespace.ping) != nil,
            "set" where stanza.child("query", namespace: XMPPNamespace.roster) != nil:
            // A ping, or a roster push (answered only when it comes from our own account).
            if stanza.child("query") != nil, let from, from.bare != settings.jid.bare { return [] }
            return writeCounted(.make("iq", XMPPNamespace.client, [("type", "result"), ("id", id), ("to", from?.description)]))
        case "get", "set":
            let condition = XMPPElement.make("service-unavailable", XMPPNamespace.stanzas)
            let error = XMPPElement.make("error", XMPPNamespace.client, [("type", "cancel")], [.element(condition)])
            return writeCounted(.make("iq", XMPPNamespace.client, [("type", "error"), ("id", id), ("to", from?.description)], [.element(error)]))
        default:
            return []
        }
    }
}
