/// The stream error conditions of RFC 6120 §4.9.3 that reading XML can raise. The connector
/// sends the condition back as `<stream:error>` and closes the stream, so a malformed or
/// hostile stream is refused in the words the peer's library understands.
package enum XMPPStreamErrorCondition: String, Sendable, Hashable {
    /// Character data between stanzas, where a stream carries only elements (§4.9.3.1).
    case badFormat = "bad-format"
    /// The root element is not `stream` in `http://etherx.jabber.org/streams` (§4.9.3.10).
    case invalidNamespace = "invalid-namespace"
    /// The data is not well-formed XML or namespace-well-formed (§4.9.3.13).
    case notWellFormed = "not-well-formed"
    /// A configured limit was passed: depth, attributes, names, text or stanza size (§4.9.3.14).
    case policyViolation = "policy-violation"
    /// Comments, processing instructions, DTDs or entity references other than the predefined
    /// ones, which RFC 6120 §11.1 forbids (§4.9.3.18).
    case restrictedXML = "restricted-xml"
    /// Bytes that are not UTF-8, or an XML declaration naming another encoding (§4.9.3.22, §11.6).
    case unsupportedEncoding = "unsupported-encoding"
    /// A top-level element that is no stanza of the client namespace (§4.9.3.24); raised by the
    /// client state machine, not the tokenizer.
    case unsupportedStanzaType = "unsupported-stanza-type"
}

/// Why the tokenizer refused a stream: the condition to send, and a reason for the log.
package struct XMLStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    package var condition: XMPPStreamErrorCondition
    package var reason: String

    package init(_ condition: XMPPStreamErrorCondition, _ reason: String) {
        self.condition = condition
        self.reason = reason
    }

    package var description: String { "\(condition.rawValue): \(reason)" }
}

/// An element or attribute name after namespace resolution: the prefix as written, the local
/// part, and the namespace it is bound to (nil for an unprefixed attribute, or an element with
/// no default namespace in scope).
package struct XMLName: Sendable, Hashable, CustomStringConvertible {
    package var prefix: String?
    package var localName: String
    package var namespace: String?

    package init(prefix: String? = nil, localName: String, namespace: String?) {
        self.prefix = prefix
        self.localName = localName
        self.namespace = namespace
    }

    /// The name as written in the stream, `prefix:local` or `local`.
    package var qualified: String { prefix.map { "\($0):\(localName)" } ?? localName }
    package var description: String { "{\(namespace ?? "")}\(localName)" }
}

/// One attribute of a start tag; namespace declarations are reported apart from these.
package struct XMLAttribute: Sendable, Hashable {
    package var name: XMLName
    package var value: String

    package init(name: XMLName, value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete start tag: the tokenizer reports it only once its `>` has arrived, so a consumer
/// never sees half an element.
package struct XMLStartTag: Sendable, Hashable {
    package var name: XMLName
    package var attributes: [XMLAttribute]
    /// The `xmlns` (key "") and `xmlns:p` declarations written on this tag, in order.
    package var namespaceDeclarations: [XMLNamespaceDeclaration]

    package init(name: XMLName, attributes: [XMLAttribute] = [], namespaceDeclarations: [XMLNamespaceDeclaration] = []) {
        self.name = name
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
    }

    /// The value of the unprefixed attribute `localName`, or of the one in `namespace`.
    package func attribute(_ localName: String, namespace: String? = nil) -> String? {
        attributes.first { $0.name.localName == localName && $0.name.namespace == namespace }?.value
    }
}

/// One `xmlns`/`xmlns:prefix` declaration; `prefix` is "" for the default namespace.
package struct XMLNamespaceDeclaration: Sendable, Hashable {
    package var prefix: String
    package var uri: String

    package init(prefix: String, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}

/// What the tokenizer reads from an XMPP stream. Text comes only from inside stanzas; the
/// whitespace keepalives between stanzas are dropped.
package enum XMLStreamEvent: Sendable, Hashable {
    /// The `<stream:stream …>` header, which stays open for the life of the stream.
    case streamOpen(XMLStartTag)
    case elementStart(XMLStartTag)
    case elementEnd(XMLName)
    /// Character data with entities and character references decoded and CDATA sections
    /// merged in; one event for all text between two tags.
    case text(String)
    /// `</stream:stream>`: the peer ends the stream.
    case streamClose
}

/// The tokenizer's limits. A peer can make it hold at most about `maxStanzaBytes` of one
/// stanza's data (text and attributes being bounded by their own limits too) before it is
/// refused with `policy-violation`; nothing is buffered beyond that.
package struct XMLStreamLimits: Sendable, Hashable {
    /// Open elements, the stream root included.
    package var maxDepth = 32
    /// Attributes on one start tag, namespace declarations included.
    package var maxAttributes = 64
    /// UTF-8 bytes of one attribute value after decoding.
    package var maxAttributeValueBytes = 16_384
    /// UTF-8 bytes of an element or attribute name (`prefix:local`).
    package var maxNameBytes = 256
    /// Bytes of one top-level child of the stream, from its `<` to the `>` that closes it, and
    /// of the stream header with whatever precedes it (Prosody's default c2s stanza limit;
    /// RFC 6120 §13.12 asks for at least 10,000).
    package var maxStanzaBytes = 262_144
    /// UTF-8 bytes of one text event after decoding.
    package var maxTextBytes = 131_072

    package init() {}
}
