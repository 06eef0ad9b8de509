import Foundation

@testable import SwitchboardXMPP

/// Plays the server's side of a stream against `XMPPClientStateMachine`: what the server says
/// goes through the real tokenizer and assembler one byte at a time, as a socket would split it,
/// and every action the machine returns is collected for the test to check.
struct XMPPServerScript {
    var machine: XMPPClientStateMachine
    var tokenizer = XMLStreamTokenizer()
    var assembler = XMLStanzaAssembler()
    var actions: [XMPPClientStateMachine.Action] = []

    static let serverHeader =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
        + " id='s1' from='example.org' version='1.0'>"

    init(
        tls: XMPPTLSMode = .required,
        jid: String = "user@example.org",
        password: String = "pencil",
        resumption: XMPPClientStateMachine.Resumption? = nil
    ) {
        machine = XMPPClientStateMachine(
            settings: .init(jid: JID(jid)!, password: password, resource: "hub", tls: tls),
            resumption: resumption
        )
        machine.makeNonce = { "fyko+d2lbbFgONRv9qkxdawL" }
    }

    /// Feeds `xml` byte by byte; returns the actions it caused.
    @discardableResult
    mutating func server(_ xml: String) -> [XMPPClientStateMachine.Action] {
        var out: [XMPPClientStateMachine.Action] = []
        for byte in xml.utf8 {
            tokenizer.feed(CollectionOfOne(byte))
            while true {
                let output: XMLStanzaAssembler.Output?
                do { output = try assembler.next(from: &tokenizer) } catch {
                    out += apply(machine.event(.parseError(error)))
                    actions += out
                    return out
                }
                guard let output else { break }
                switch output {
                case .streamOpen(let tag): out += apply(machine.event(.streamOpen(tag)))
                case .stanza(let stanza): out += apply(machine.event(.stanza(stanza)))
                case .streamClose: out += apply(machine.event(.streamClose))
                }
            }
        }
        actions += out
        return out
    }

    @discardableResult
    mutating func event(_ event: XMPPClientStateMachine.Event) -> [XMPPClientStateMachine.Action] {
        let out = apply(machine.event(event))
        actions += out
        return out
    }

    /// A parser reset starts a new tokenizer, as the handler does.
    private mutating func apply(_ actions: [XMPPClientStateMachine.Action]) -> [XMPPClientStateMachine.Action] {
        if actions.contains(.resetParser) {
            tokenizer = XMLStreamTokenizer()
            assembler = XMLStanzaAssembler()
        }
        return actions
    }

    /// Everything written, joined.
    static func written(_ actions: [XMPPClientStateMachine.Action]) -> String {
        actions.reduce(into: "") { text, action in
            if case .write(let s) = action { text += s }
        }
    }

    static func base64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    static func closeReason(_ actions: [XMPPClientStateMachine.Action]) -> String? {
        for action in actions { if case .close(let reason) = action { return reason } }
        return nil
    }

    /// Runs connect, STARTTLS, SCRAM (RFC 5802's example) and bind with stream management up to ready.
    mutating func login(sm: Bool = true, resumable: Bool = true) {
        authenticate()
        let smFeature = sm ? "<sm xmlns='urn:xmpp:sm:3'/>" : ""
        server(Self.serverHeader + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\(smFeature)</stream:features>")
        server(
            "<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.org/hub</jid></bind></iq>"
        )
        if sm { server("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' \(resumable ? "resume='true'" : "")/>") }
    }

    /// Connect, STARTTLS and SCRAM up to the restarted, authenticated stream.
    mutating func authenticate() {
        event(.connected)
        server(Self.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>")
        server("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        event(.tlsEstablished)
        server(
            Self.serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
                + "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        )
        server("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Self.base64(SCRAMVectors.serverFirst))</challenge>")
        server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Self.base64(SCRAMVectors.serverFinal))</success>")
    }
}

/// RFC 5802 §5's example exchange (user "user", password "pencil").
enum SCRAMVectors {
    static let clientNonce = "fyko+d2lbbFgONRv9qkxdawL"
    static let clientFirst = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
    static let serverFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    static let clientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    static let serverFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
}
