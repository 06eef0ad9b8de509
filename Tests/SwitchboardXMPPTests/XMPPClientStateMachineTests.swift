import Foundation
import Testing

@testable import SwitchboardXMPP

/// The client protocol, driven stanza by stanza (each fed to the tokenizer one byte at a time)
/// with no network: login, refusals, stream management, the session's stanzas.
@Suite struct XMPPClientStateMachineTests {
    typealias Script = XMPPServerScript

    @Test func scramMatchesRFC5802Example() throws {
        var scram = SCRAMClient(username: "user", password: "pencil", clientNonce: SCRAMVectors.clientNonce)
        #expect(scram.clientFirstMessage() == SCRAMVectors.clientFirst)
        #expect(try scram.clientFinalMessage(serverFirst: SCRAMVectors.serverFirst) == SCRAMVectors.clientFinal)
        try scram.verifyServerFinal(SCRAMVectors.serverFinal)
        #expect(throws: SCRAMError.self) { try scram.verifyServerFinal("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=") }
        #expect(throws: SCRAMError.self) { try scram.verifyServerFinal("e=invalid-proof") }
    }

    @Test func scramRefusesABadChallenge() {
        var scram = SCRAMClient(username: "user", password: "pencil", clientNonce: SCRAMVectors.clientNonce)
        _ = scram.clientFirstMessage()
        // A nonce that does not extend ours, and an iteration count too low to be safe.
        #expect(throws: SCRAMError.self) { try scram.clientFinalMessage(serverFirst: "r=other,s=QSXCR+Q6sek8bf92,i=4096") }
        #expect(throws: SCRAMError.self) {
            try scram.clientFinalMessage(serverFirst: "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=QSXCR+Q6sek8bf92,i=1")
        }
    }

    @Test func logsInWithStartTLSAndSCRAMThenBindsAndEnablesResumption() {
        var s = Script()
        let opened = s.event(.connected)
        #expect(Script.written(opened).contains("<stream:stream"))
        #expect(Script.written(opened).contains("to='example.org'"))
        #expect(!Script.written(opened).contains("from="))  // not before TLS
        let features = s.server(
            Script.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
        )
        #expect(Script.written(features) == "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        #expect(s.server("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") == [.startTLS])
        let restarted = s.event(.tlsEstablished)
        #expect(restarted.first == .resetParser)
        #expect(Script.written(restarted).contains("from='user@example.org'"))
        let auth = s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
                + "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        )
        #expect(
            Script.written(auth)
                == "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>\(Script.base64(SCRAMVectors.clientFirst))</auth>"
        )
        let response = s.server("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.serverFirst))</challenge>")
        #expect(
            Script.written(response) == "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.clientFinal))</response>"
        )
        let success = s.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.serverFinal))</success>")
        #expect(success.first == .resetParser)
        #expect(s.machine.authenticated)
        let bind = s.server(
            Script.serverHeader + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>"
        )
        #expect(
            Script.written(bind)
                == "<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>hub</resource></bind></iq>"
        )
        let enable = s.server(
            "<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.org/hub</jid></bind></iq>"
        )
        #expect(Script.written(enable) == "<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
        #expect(s.machine.boundJID == JID("user@example.org/hub"))
        let ready = s.server("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>")
        #expect(Script.written(ready) == "<iq type='get' id='roster-1'><query xmlns='jabber:iq:roster'/></iq><presence/>")
        #expect(ready.last == .ready(resumed: false))
        #expect(s.machine.nextResumption == .init(id: "sm-1", inboundHandled: 0, outboundCount: 2, unacked: [], inboundReceived: 0))
    }

    @Test func refusesAServerWithoutStartTLSWhenTLSIsRequired() {
        var s = Script()
        s.event(.connected)
        let actions = s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        )
        #expect(Script.closeReason(actions)?.contains("STARTTLS") == true)
        #expect(!Script.written(actions).contains("<auth"))
    }

    @Test func neverSendsPlainOutsideTLS() {
        var s = Script(tls: .optional)
        s.event(.connected)
        let actions = s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        )
        #expect(Script.closeReason(actions)?.contains("PLAIN is used only inside TLS") == true)
        #expect(!Script.written(actions).contains("<auth"))
    }

    @Test func usesPlainInsideTLSWhenSCRAMIsNotOffered() {
        var s = Script()
        s.event(.connected)
        s.server(Script.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>")
        s.server("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        s.event(.tlsEstablished)
        let auth = s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        )
        #expect(Script.written(auth).contains("mechanism='PLAIN'>\(Script.base64("\0user\0pencil"))</auth>"))
    }

    @Test func refusesAServerThatCannotProveItKnowsThePassword() {
        var s = Script()
        s.event(.connected)
        s.server(Script.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>")
        s.server("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        s.event(.tlsEstablished)
        s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        )
        s.server("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.serverFirst))</challenge>")
        let actions = s.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="))</success>")
        #expect(Script.closeReason(actions)?.contains("signature") == true)
        #expect(!s.machine.authenticated)
    }

    @Test func aMessageCountsAsSentOnlyOnceTheServerAcknowledgesIt() {
        var s = Script()
        s.login()
        let stanza = XMPPElement.make("message", XMPPNamespace.client, [("to", "kari@example.org"), ("id", "d1")])
        let first = s.event(.send(id: "d1", stanza))
        #expect(Script.written(first) == "<message to='kari@example.org' id='d1'/><r xmlns='urn:xmpp:sm:3'/>")
        #expect(!first.contains { if case .acknowledged = $0 { true } else { false } })
        #expect(s.event(.send(id: "d1", stanza)).isEmpty)  // never twice on one stream
        s.event(.send(id: "d2", stanza))
        // Roster get and presence were stanzas 1 and 2; d1 is 3, d2 is 4. An <a/> that covers
        // neither counts nothing as sent, and asks again for what still waits.
        #expect(Script.written(s.server("<a xmlns='urn:xmpp:sm:3' h='2'/>")) == "<r xmlns='urn:xmpp:sm:3'/>")
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='3'/>") == [.acknowledged(["d1"]), .write("<r xmlns='urn:xmpp:sm:3'/>")])
        #expect(s.machine.nextResumption?.unacked == [.init(seq: 4, id: "d2")])
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='4'/>") == [.acknowledged(["d2"])])
    }

    /// Messages written while our `<r/>` is out are pipelined behind it without one each: the
    /// server's answer counts as sent only what it covers, and sets off the next request for
    /// the rest; nothing waits without a request out.
    @Test func pipelinedMessagesShareAckRequestsAndCountAsSentOnlyWhenCovered() {
        var s = Script()
        s.login()
        func message(_ id: String) -> XMPPElement { .make("message", XMPPNamespace.client, [("to", "kari@example.org"), ("id", id)]) }
        #expect(Script.written(s.event(.send(id: "d1", message("d1")))) == "<message to='kari@example.org' id='d1'/><r xmlns='urn:xmpp:sm:3'/>")
        #expect(Script.written(s.event(.send(id: "d2", message("d2")))) == "<message to='kari@example.org' id='d2'/>", "a request is out")
        #expect(Script.written(s.event(.send(id: "d3", message("d3")))) == "<message to='kari@example.org' id='d3'/>")
        // d1..d3 are stanzas 3..5. The answer to the request written after d1 covers d1 only.
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='3'/>") == [.acknowledged(["d1"]), .write("<r xmlns='urn:xmpp:sm:3'/>")])
        #expect(s.machine.nextResumption?.unacked == [.init(seq: 4, id: "d2"), .init(seq: 5, id: "d3")])
        // Sent while the second request is out: no request of its own.
        #expect(Script.written(s.event(.send(id: "d4", message("d4")))) == "<message to='kari@example.org' id='d4'/>")
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='5'/>") == [.acknowledged(["d2", "d3"]), .write("<r xmlns='urn:xmpp:sm:3'/>")])
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='6'/>") == [.acknowledged(["d4"])], "nothing waits: no request")
        #expect(Script.written(s.event(.send(id: "d5", message("d5")))) == "<message to='kari@example.org' id='d5'/><r xmlns='urn:xmpp:sm:3'/>")
        // The link drops before d5 is acknowledged: the next stream gets it to resume or write again.
        #expect(s.machine.nextResumption?.unacked == [.init(seq: 7, id: "d5")])
    }

    @Test func withoutStreamManagementAWrittenMessageCountsAsSent() {
        var s = Script()
        s.login(sm: false)
        #expect(s.machine.isReady)
        let actions = s.event(.send(id: "d1", .make("message", XMPPNamespace.client, [("id", "d1")])))
        #expect(actions.last == .acknowledged(["d1"]))
        #expect(s.machine.nextResumption == nil)
    }

    @Test func acknowledgesInboundStanzasOnlyAfterTheSinkHasThem() {
        var s = Script()
        s.login()
        let chat = s.server(
            "<message type='chat' from='kari@example.org/phone' id='m1'><body>On my way</body><request xmlns='urn:xmpp:receipts'/></message>"
        )
        guard case .receive(let received) = chat.first else {
            Issue.record("no chat: \(chat)")
            return
        }
        #expect(received.from == JID("kari@example.org/phone"))
        #expect(received.body == "On my way")
        #expect(received.receiptID == "m1")
        s.server("<presence from='kari@example.org/phone'/>")
        // The message is not committed yet: the answer to <r/> waits for it.
        #expect(s.server("<r xmlns='urn:xmpp:sm:3'/>").isEmpty)
        // A link lost now resumes with h=0 as the machine saw it; once the connector has
        // committed the chat, with h=2, so the server does not send it again.
        let lost = s.machine.nextResumption
        #expect(lost?.inboundHandled == 0)
        #expect(lost?.settled(sinkFailed: false).inboundHandled == 2)
        #expect(lost?.settled(sinkFailed: true).inboundHandled == 0)
        #expect(Script.written(s.event(.handled(seq: received.seq))) == "<a xmlns='urn:xmpp:sm:3' h='2'/>")
        #expect(Script.written(s.server("<r xmlns='urn:xmpp:sm:3'/>")) == "<a xmlns='urn:xmpp:sm:3' h='2'/>")
    }

    /// Parties' chats are committed at once and finish in any order: `h` covers only the
    /// unbroken run of handled stanzas, and the answer to `<r/>` waits for what was read before
    /// it, not for chats read after it (a busy link would otherwise never answer).
    @Test func answersAnAckRequestOnceEveryStanzaBeforeItIsHandled() {
        var s = Script()
        s.login()
        func chat(_ from: String, _ id: String) -> XMPPClientStateMachine.Chat? {
            let actions = s.server("<message type='chat' from='\(from)' id='\(id)'><body>\(id)</body></message>")
            guard case .receive(let chat) = actions.first else { return nil }
            return chat
        }
        guard let a = chat("kari@example.org/phone", "a"), let b = chat("ola@example.org/pc", "b") else {
            Issue.record("no chats")
            return
        }
        #expect(s.server("<r xmlns='urn:xmpp:sm:3'/>").isEmpty, "a and b are with the sink")
        guard let c = chat("per@example.org/pc", "c") else {
            Issue.record("no chat c")
            return
        }
        #expect(s.event(.handled(seq: b.seq)).isEmpty, "b is done, a is not: h cannot pass a")
        #expect(s.machine.nextResumption?.inboundHandled == 0)
        #expect(Script.written(s.event(.handled(seq: a.seq))) == "<a xmlns='urn:xmpp:sm:3' h='2'/>", "c, read after <r/>, does not hold it")
        #expect(s.event(.handled(seq: c.seq)).isEmpty, "nothing asked since")
        #expect(Script.written(s.server("<r xmlns='urn:xmpp:sm:3'/>")) == "<a xmlns='urn:xmpp:sm:3' h='3'/>")
    }

    @Test func resumesTheLastStreamAndNamesWhatTheServerAlreadyHad() {
        let previous = XMPPClientStateMachine.Resumption(
            id: "sm-1",
            inboundHandled: 7,
            outboundCount: 5,
            unacked: [.init(seq: 4, id: "d1"), .init(seq: 5, id: "d2")]
        )
        var s = Script(resumption: previous)
        s.event(.connected)
        s.server(Script.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>")
        s.server("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        s.event(.tlsEstablished)
        s.server(
            Script.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        )
        s.server("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.serverFirst))</challenge>")
        s.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Script.base64(SCRAMVectors.serverFinal))</success>")
        let resume = s.server(
            Script.serverHeader + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>"
        )
        #expect(Script.written(resume) == "<resume xmlns='urn:xmpp:sm:3' h='7' previd='sm-1'/>")
        let resumed = s.server("<resumed xmlns='urn:xmpp:sm:3' h='4' previd='sm-1'/>")
        #expect(resumed == [.acknowledged(["d1"]), .ready(resumed: true)])
        // d2 was not received: the connector writes it again on this stream, numbered 5, with
        // a request of its own (the old stream's request died with it).
        let again = s.event(.send(id: "d2", .make("message", XMPPNamespace.client, [("id", "d2")])))
        #expect(Script.written(again) == "<message id='d2'/><r xmlns='urn:xmpp:sm:3'/>")
        #expect(s.server("<a xmlns='urn:xmpp:sm:3' h='5'/>") == [.acknowledged(["d2"])])
    }

    @Test func aFailedResumeBindsANewSession() {
        var s = Script(resumption: .init(id: "gone", inboundHandled: 1, outboundCount: 1, unacked: [.init(seq: 1, id: "d1")]))
        s.authenticate()
        s.server(
            Script.serverHeader + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>"
        )
        let bind = s.server("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>")
        #expect(Script.written(bind).hasPrefix("<iq type='set' id='bind-1'>"))
        s.server("<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.org/hub</jid></bind></iq>")
        let ready = s.server("<enabled xmlns='urn:xmpp:sm:3' id='sm-2' resume='true'/>")
        #expect(ready.last == .ready(resumed: false))
        // Nothing of the old stream is acknowledged by the new one: d1 waits to be written again.
        #expect(!s.actions.contains { if case .acknowledged = $0 { true } else { false } })
        #expect(s.machine.nextResumption?.id == "sm-2")
    }

    @Test func aMalformedStreamGetsTheRightStreamErrorAndCloses() {
        for (xml, condition) in [
            ("<!DOCTYPE lolz [<!ENTITY lol 'lol'>]><message/>", "restricted-xml"),
            ("<message><body>&lol1;</body></message>", "restricted-xml"),
            ("<message></presence>", "not-well-formed"),
            ("<foo xmlns='urn:example'/>", "unsupported-stanza-type"),
        ] {
            var s = Script()
            s.login()
            let actions = s.server(xml)
            #expect(
                Script.written(actions).hasPrefix(
                    "<stream:error><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"
                ),
                "\(xml): \(actions)"
            )
            #expect(Script.closeReason(actions)?.hasPrefix(condition) == true)
            #expect(s.event(.send(id: "x", .make("message", XMPPNamespace.client))).isEmpty)
        }
    }

    @Test func aStanzaOverTheSizeLimitIsAPolicyViolation() {
        var s = Script()
        s.tokenizer = XMLStreamTokenizer(
            limits: {
                var l = XMLStreamLimits()
                l.maxStanzaBytes = 10_000
                return l
            }()
        )
        s.event(.connected)
        let actions = s.server(Script.serverHeader + "<message><body>" + String(repeating: "a", count: 10_001) + "</body></message>")
        #expect(Script.closeReason(actions)?.hasPrefix("policy-violation") == true)
    }

    @Test func anUnansweredPingClosesTheStream() {
        var s = Script()
        s.login()
        let ping = s.event(.pingTick)
        #expect(Script.written(ping) == "<iq type='get' id='ping-1' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>")
        s.server("<iq type='result' id='ping-1' from='example.org'/>")
        #expect(Script.closeReason(s.event(.pingTick)) == nil)
        #expect(Script.closeReason(s.event(.pingTick)) == "ping ping-2 was not answered")
    }

    @Test func aSessionNotReadyInTimeIsClosed() {
        var s = Script()
        s.event(.connected)
        s.server(Script.serverHeader)
        #expect(Script.closeReason(s.event(.timeout)) == "timed out during awaitingFeatures")
    }

    @Test func answersPingsAndRefusesUnknownRequests() {
        var s = Script()
        s.login()
        let pong = s.server("<iq type='get' id='p1' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>")
        #expect(Script.written(pong) == "<iq type='result' id='p1' to='example.org'/>")
        let refused = s.server("<iq type='get' id='v1' from='x@example.org/a'><query xmlns='jabber:iq:version'/></iq>")
        #expect(Script.written(refused).contains("<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"))
    }

    @Test func reportsPresenceSubscriptionsReceiptsAndBounces() {
        var s = Script()
        s.login()
        #expect(s.server("<presence from='kari@example.org/phone'/>") == [.presence(JID("kari@example.org/phone")!, available: true)])
        #expect(
            s.server("<presence type='unavailable' from='kari@example.org/phone'/>") == [.presence(JID("kari@example.org/phone")!, available: false)]
        )
        #expect(s.server("<presence from='user@example.org/other'/>").isEmpty)  // our own other clients
        #expect(s.server("<presence type='subscribe' from='ola@example.org'/>") == [.subscriptionRequest(JID("ola@example.org")!)])
        let approve = s.event(.answerSubscription(JID("ola@example.org")!, approve: true))
        #expect(Script.written(approve) == "<presence to='ola@example.org' type='subscribed'/><presence to='ola@example.org' type='subscribe'/>")
        let refuse = s.event(.answerSubscription(JID("eve@example.org")!, approve: false))
        #expect(Script.written(refuse) == "<presence to='eve@example.org' type='unsubscribed'/>")
        #expect(
            s.server("<message from='kari@example.org/phone' id='r1'><received xmlns='urn:xmpp:receipts' id='d1'/></message>") == [.receipt("d1")]
        )
        let bounce = s.server(
            "<message type='error' id='d2' from='nobody@example.org'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        )
        #expect(bounce == [.bounced("d2", reason: "service-unavailable")])
    }

    @Test func aServerStreamErrorClosesWithItsCondition() {
        var s = Script()
        s.login()
        let actions = s.server("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
        #expect(Script.closeReason(actions) == "the server ended the stream: conflict")
    }
}
