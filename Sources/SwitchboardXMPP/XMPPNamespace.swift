/// The namespaces the client speaks, named once.
enum XMPPNamespace {
    static let client = "jabber:client"
    static let stream = "http://etherx.jabber.org/streams"
    static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
    static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
    static let session = "urn:ietf:params:xml:ns:xmpp-session"
    static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    static let roster = "jabber:iq:roster"
    static let streamManagement = "urn:xmpp:sm:3"
    static let ping = "urn:xmpp:ping"
    static let receipts = "urn:xmpp:receipts"
}

extension XMPPElement {
    /// `<name xmlns='namespace' attributes…>children</name>`, attributes unprefixed.
    static func make(
        _ name: String,
        _ namespace: String,
        _ attributes: [(String, String?)] = [],
        _ children: [XMPPNode] = []
    ) -> XMPPElement {
        var element = XMPPElement(name, namespace: namespace, children: children)
        for (key, value) in attributes { element.setAttribute(key, value) }
        return element
    }

    /// An element whose only child is `text`.
    static func text(_ name: String, _ namespace: String, _ text: String) -> XMPPElement {
        XMPPElement(name, namespace: namespace, children: [.text(text)])
    }

    func `is`(_ localName: String, _ namespace: String) -> Bool {
        name.localName == localName && name.namespace == namespace
    }
}
