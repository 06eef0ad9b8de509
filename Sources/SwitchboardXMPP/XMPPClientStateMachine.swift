import Foundation

/// The XMPP client protocol (RFC 6120, 6121, XEP-0198, XEP-0199, XEP-0184) as a plain value:
/// each event (the socket connected, a stanza read, TLS up, a message to send, a timer) moves
/// it on and returns what to do. `XMPPClientHandler` carries the actions out on a channel;
/// tests drive this type stanza by stanza with no network at all.
///
/// ```
/// header ─▶ features ─▶ [<starttls/> ─proceed─▶ TLS ─▶ header ─▶ features]
///        ─▶ SASL SCRAM-SHA-1 (PLAIN only inside TLS) ─success─▶ header ─▶ features
///        ─▶ <resume/> ─resumed─▶ ready                                (XEP-0198, a previous stream)
///        └▶ bind ─▶ [session] ─▶ <enable resume/> ─▶ roster get, <presence/> ─▶ ready
/// ready: messages out (counted, acked by <a h/>), <r/> answered, pings, presence, receipts
/// ```
///
/// Any refusal (no STARTTLS where required, a failed SASL step, a stream error, a malformed
/// stream, an unanswered ping) ends in `.close`, after which the connector reconnects.
struct XMPPClientStateMachine {
    struct Settings: Sendable {
        var jid: JID
        var password: String
        var resource: String
        var tls: XMPPTLSMode
    }

    /// What a stream that had stream management enabled leaves for the next one to resume.
    struct Resumption: Sendable, Equatable {
        var id: String
        /// Stanzas from the server we handled: the `h` we send in `<resume/>`.
        var inboundHandled: UInt32
        var outboundCount: UInt32
        /// Messages written and not yet acknowledged, by their stanza number.
        var unacked: [Unacked]
        /// Stanzas from the server read, handled or not: the `h` to resume with once the
        /// connector has committed every chat it was handed (`settled`).
        var inboundReceived: UInt32 = 0

        /// The resumption once the connector has finished what the closed link handed it: every
        /// chat committed (so the server must not send them again), unless the sink failed.
        func settled(sinkFailed: Bool) -> Resumption {
            var r = self
            if !sinkFailed { r.inboundHandled = inboundReceived }
            return r
        }
    }

    struct Unacked: Sendable, Equatable {
        var seq: UInt32
        var id: String
    }

    /// A chat message from a person, for the sink.
    struct Chat: Sendable, Equatable {
        var from: JID
        var body: String
        var subject: String?
        /// The stanza's number among those received; reported back with `.handled(seq)`.
        var seq: UInt32
        /// Set when the sender asked for a XEP-0184 receipt.
        var receiptID: String?
    }

    enum Event: Sendable {
        case connected
        case streamOpen(XMLStartTag)
        case stanza(XMPPElement)
        case streamClose
        case tlsEstablished
        /// A message to write: the hub's delivery id and the stanza.
        case send(id: String, XMPPElement)
        /// The sink is done with the chat numbered `seq`; its number may now be acknowledged.
        case handled(seq: UInt32)
        /// A stanza that needs no tracking (a receipt we send).
        case write(XMPPElement)
        /// End the stream politely: the hub is shutting down.
        case shutdown
        /// Answer (or refuse) a contact's subscription request.
        case answerSubscription(JID, approve: Bool)
        case pingTick
        case timeout
        case parseError(XMLStreamError)
        case closed
    }

    enum Action: Sendable, Equatable {
        case write(String)
        /// Put TLS in front of the pipeline, then report `.tlsEstablished`.
        case startTLS
        /// A new stream begins (after TLS or SASL): read it with a new tokenizer.
        case resetParser
        /// The session is up; write every pending message (`resumed`: on a resumed stream).
        case ready(resumed: Bool)
        /// These messages are safely with the server.
        case acknowledged([String])
        case receive(Chat)
        case presence(JID, available: Bool)
        case subscriptionRequest(JID)
        /// The peer's client confirmed a message (XEP-0184).
        case receipt(String)
        /// The server bounced a message back with an error.
        case bounced(String, reason: String)
        /// Write what is given (a closing tag, a stream error) and close; the connector reconnects.
        case close(reason: String)
    }

    enum State: Sendable {
        case idle
        case awaitingStreamOpen
        case awaitingFeatures
        case startingTLS
        case tlsHandshake
        case authenticating(SCRAMClient?, finalSent: Bool)
        case resuming
        case binding
        case startingSession
        case enabling
        case ready
        case closed
    }

    let settings: Settings
    var state = State.idle
    var tlsActive = false
    var authenticated = false
    private(set) var streamID: String?
    var boundJID: JID?
    var features: XMPPElement?
    /// The stream to resume, handed over from the last connection.
    var resumption: Resumption?
    var makeNonce: @Sendable () -> String = SCRAMClient.makeNonce

    // XEP-0198 on this stream.
    var smEnabled = false
    var smResumeID: String?
    var inboundReceived: UInt32 = 0
    var pendingSink: [UInt32] = []
    /// The server asked for an ack (`<r/>`) while chats read before it were still with the
    /// sink: the `h` the answer must reach (every stanza read before the request). Chats read
    /// after it, from other parties still in their turns, do not hold the answer back.
    var ackRequested: UInt32?
    var outboundCount: UInt32 = 0
    var unacked: [Unacked] = []
    /// An `<r/>` of ours is out and not answered yet. Only one is out at a time: messages
    /// written meanwhile are covered by the request the server's `<a/>` sets off (see
    /// `acknowledgement(_:)`), so a busy link asks once per round trip to the server, not once
    /// per message, and each message still counts as sent only once an `<a h/>` covers it.
    var ackRequestOut = false
    /// Delivery ids written on this stream, so a message is never written twice on it.
    var written: Set<String> = []
    var pingCounter = 0
    var pingOutstanding: String?

    init(settings: Settings, resumption: Resumption? = nil) {
        self.settings = settings
        self.resumption = resumption
    }

    var isReady: Bool { if case .ready = state { true } else { false } }

    /// What the next connection may resume: set while stream management is on with resumption.
    var nextResumption: Resumption? {
        guard smEnabled, let id = smResumeID else { return nil }
        return Resumption(
            id: id,
            inboundHandled: handledCount,
            outboundCount: outboundCount,
            unacked: unacked,
            inboundReceived: inboundReceived
        )
    }

    var handledCount: UInt32 { pendingSink.first.map { $0 &- 1 } ?? inboundReceived }

    mutating func event(_ event: Event) -> [Action] {
        if case .closed = state { return [] }
        switch event {
        case .connected:
            state = .awaitingStreamOpen
            return [.write(header())]
        case .streamOpen(let tag):
            guard case .awaitingStreamOpen = state else { return fail(.notWellFormed, "a second stream header") }
            streamID = tag.attribute("id")
            state = .awaitingFeatures
            return []
        case .stanza(let stanza):
            if stanza.is("error", XMPPNamespace.stream) {
                let condition = stanza.elements.first { $0.namespace == XMPPNamespace.streamErrors }?.name.localName ?? "undefined-condition"
                let text = stanza.child("text", namespace: XMPPNamespace.streamErrors)?.text
                return close("the server ended the stream: \(condition)" + (text.map { " (\($0))" } ?? ""))
            }
            return receive(stanza)
        case .streamClose:
            return close("the server closed the stream")
        case .tlsEstablished:
            guard case .tlsHandshake = state else { return [] }
            tlsActive = true
            return restart()
        case .send(let id, let stanza):
            return send(id: id, stanza)
        case .handled(let seq):
            pendingSink.removeAll { $0 == seq }
            // Counters wrap at 2^32 (XEP-0198 §5): reached when h is at most 2^31 past it.
            guard let target = ackRequested, handledCount &- target < 0x8000_0000 else { return [] }
            ackRequested = nil
            return [.write(ack())]
        case .write(let stanza):
            return isReady ? writeCounted(stanza) : []
        case .shutdown:
            return close("the hub is shutting down")
        case .answerSubscription(let jid, let approve):
            guard isReady else { return [] }
            return writeCounted(
                .make("presence", XMPPNamespace.client, [("to", jid.bare.description), ("type", approve ? "subscribed" : "unsubscribed")])
            )
                + (approve ? writeCounted(.make("presence", XMPPNamespace.client, [("to", jid.bare.description), ("type", "subscribe")])) : [])
        case .pingTick:
            guard isReady else { return [] }
            if let id = pingOutstanding { return close("ping \(id) was not answered") }
            pingCounter += 1
            let id = "ping-\(pingCounter)"
            pingOutstanding = id
            let ping = XMPPElement.make(
                "iq",
                XMPPNamespace.client,
                [("type", "get"), ("id", id), ("to", settings.jid.domain)],
                [.element(.make("ping", XMPPNamespace.ping))]
            )
            return writeCounted(ping)
        case .timeout:
            return close("timed out during \(state)")
        case .parseError(let error):
            return fail(error.condition, error.reason)
        case .closed:
            state = .closed
            return []
        }
    }

    // MARK: - Writing

    func header() -> String {
        // Our JID goes in `from` only once TLS protects it (RFC 6120 §4.7.1).
        let from = tlsActive ? [XMLAttribute(name: XMLName(localName: "from", namespace: nil), value: settings.jid.bare.description)] : []
        let tag = XMLStartTag(
            name: XMLName(prefix: "stream", localName: "stream", namespace: XMPPNamespace.stream),
            attributes: [XMLAttribute(name: XMLName(localName: "to", namespace: nil), value: settings.jid.domain)] + from + [
                XMLAttribute(name: XMLName(localName: "version", namespace: nil), value: "1.0"),
                XMLAttribute(name: XMLName(prefix: "xml", localName: "lang", namespace: XMLStreamTokenizer.xmlNamespace), value: "en"),
            ],
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: "", uri: XMPPNamespace.client)]
        )
        return "<?xml version='1.0'?>" + XMLWriter.streamHeader(tag)
    }

    func write(_ element: XMPPElement) -> Action { .write(XMLWriter.write(element)) }

    /// Writes a stanza and counts it for stream management.
    mutating func writeCounted(_ element: XMPPElement) -> [Action] {
        if smEnabled { outboundCount &+= 1 }
        return [write(element)]
    }

    private func ack() -> String {
        XMLWriter.write(.make("a", XMPPNamespace.streamManagement, [("h", String(handledCount))]))
    }

    /// Sends a stream error with `condition` and closes.
    mutating func fail(_ condition: XMPPStreamErrorCondition, _ reason: String) -> [Action] {
        // The `stream` prefix is bound by our stream header, so it is not declared again.
        let element = XMLWriter.write(.make(condition.rawValue, XMPPNamespace.streamErrors))
        let text = "<stream:error>\(element)</stream:error>" + XMLWriter.streamClose
        state = .closed
        return [.write(text), .close(reason: "\(condition.rawValue): \(reason)")]
    }

    /// Closes our side of the stream politely.
    mutating func close(_ reason: String) -> [Action] {
        state = .closed
        return [.write(XMLWriter.streamClose), .close(reason: reason)]
    }

    mutating func restart() -> [Action] {
        state = .awaitingStreamOpen
        features = nil
        return [.resetParser, .write(header())]
    }

    private mutating func send(id: String, _ stanza: XMPPElement) -> [Action] {
        guard isReady, !written.contains(id) else { return [] }
        written.insert(id)
        guard smEnabled else { return [write(stanza), .acknowledged([id])] }
        outboundCount &+= 1
        unacked.append(Unacked(seq: outboundCount, id: id))
        return [write(stanza)] + requestAckIfNone()
    }

    /// `<r/>` when messages wait for the server's word and no request of ours is out.
    private mutating func requestAckIfNone() -> [Action] {
        guard !ackRequestOut, !unacked.isEmpty else { return [] }
        ackRequestOut = true
        return [.write(Self.ackRequest)]
    }

    private static let ackRequest = XMLWriter.write(.make("r", XMPPNamespace.streamManagement))

    /// The server's `<a h/>`: what it covers is sent; messages written after our request went
    /// out are not covered yet, so the next request goes out now.
    mutating func acknowledgement(_ h: UInt32) -> [Action] {
        ackRequestOut = false
        return acknowledge(h) + requestAckIfNone()
    }

    /// Drops the unacknowledged messages that `h` covers and names them.
    mutating func acknowledge(_ h: UInt32) -> [Action] {
        // Counters wrap at 2^32 (XEP-0198 §5): `seq` is covered when it is at most `h` modulo that.
        let covered = unacked.prefix { h &- $0.seq < 0x8000_0000 }
        guard !covered.isEmpty else { return [] }
        unacked.removeFirst(covered.count)
        return [.acknowledged(covered.map(\.id))]
    }

    // MARK: - Reading

    private mutating func receive(_ stanza: XMPPElement) -> [Action] {
        switch state {
        case .awaitingFeatures:
            guard stanza.is("features", XMPPNamespace.stream) else { return fail(.notWellFormed, "expected stream features, got \(stanza.name)") }
            features = stanza
            return negotiate(stanza)
        case .startingTLS:
            if stanza.is("proceed", XMPPNamespace.tls) {
                state = .tlsHandshake
                return [.startTLS]
            }
            return close("the server refused STARTTLS")
        case .authenticating:
            return authenticate(stanza)
        case .resuming:
            return resumed(stanza)
        case .binding, .startingSession:
            return bound(stanza)
        case .enabling:
            return enabled(stanza)
        case .ready:
            return session(stanza)
        case .idle, .awaitingStreamOpen, .tlsHandshake, .closed:
            return fail(.notWellFormed, "unexpected \(stanza.name) during \(state)")
        }
    }

    mutating func bind() -> [Action] {
        state = .binding
        let resource = XMPPElement.text("resource", XMPPNamespace.bind, settings.resource)
        let bind = XMPPElement.make("bind", XMPPNamespace.bind, [], [.element(resource)])
        return [write(.make("iq", XMPPNamespace.client, [("type", "set"), ("id", "bind-1")], [.element(bind)]))]
    }
}
