/// One stanza (or any element inside it) as a small tree. The XMPP engine reasons about whole
/// stanzas (`<message>`, `<iq>`, `<presence>`), which are small and bounded by the tokenizer's
/// limits, so building them as values is simpler and safer than handling events one by one.
/// Named `XMPP…`, not `XMLElement`/`XMLNode`, so as not to shadow Foundation's classes.
package struct XMPPElement: Sendable, Hashable {
    package var name: XMLName
    package var attributes: [XMLAttribute]
    /// The declarations written on this element when it was read; the writer adds any missing one.
    package var namespaceDeclarations: [XMLNamespaceDeclaration]
    package var children: [XMPPNode]

    package init(
        _ localName: String,
        namespace: String?,
        prefix: String? = nil,
        attributes: [XMLAttribute] = [],
        namespaceDeclarations: [XMLNamespaceDeclaration] = [],
        children: [XMPPNode] = []
    ) {
        self.name = XMLName(prefix: prefix, localName: localName, namespace: namespace)
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
        self.children = children
    }

    package init(_ tag: XMLStartTag, children: [XMPPNode] = []) {
        self.name = tag.name
        self.attributes = tag.attributes
        self.namespaceDeclarations = tag.namespaceDeclarations
        self.children = children
    }

    /// The namespace of the element.
    package var namespace: String? { name.namespace }

    /// The text directly inside this element, its child elements' text left out.
    package var text: String {
        children.reduce(into: "") { result, child in
            if case .text(let text) = child { result += text }
        }
    }

    /// The child elements, in order.
    package var elements: [XMPPElement] {
        children.compactMap { child in
            if case .element(let element) = child { return element }
            return nil
        }
    }

    /// The first child element with this local name, in `namespace` when given.
    package func child(_ localName: String, namespace: String? = nil) -> XMPPElement? {
        elements.first { $0.name.localName == localName && (namespace == nil || $0.name.namespace == namespace) }
    }

    /// The value of the unprefixed attribute `localName`, or of the one in `namespace`.
    package func attribute(_ localName: String, namespace: String? = nil) -> String? {
        attributes.first { $0.name.localName == localName && $0.name.namespace == namespace }?.value
    }

    package mutating func setAttribute(_ localName: String, _ value: String?) {
        attributes.removeAll { $0.name.localName == localName && $0.name.namespace == nil }
        if let value { attributes.append(XMLAttribute(name: XMLName(localName: localName, namespace: nil), value: value)) }
    }
}

/// A child of an element: another element or character data.
package enum XMPPNode: Sendable, Hashable {
    case element(XMPPElement)
    case text(String)
}

/// Turns the tokenizer's events into one `XMPPElement` per top-level stanza. It holds only the
/// stanza being read, which the tokenizer's limits already bound.
package struct XMLStanzaAssembler: Sendable {
    /// What a stream brings at its top level.
    package enum Output: Sendable, Hashable {
        case streamOpen(XMLStartTag)
        case stanza(XMPPElement)
        case streamClose
    }

    private var stack: [XMPPElement] = []

    package init() {}

    /// Takes one event; returns what it completes, if anything.
    package mutating func consume(_ event: XMLStreamEvent) -> Output? {
        switch event {
        case .streamOpen(let tag):
            return .streamOpen(tag)
        case .streamClose:
            return .streamClose
        case .elementStart(let tag):
            stack.append(XMPPElement(tag))
        case .text(let text):
            guard !stack.isEmpty else { return nil }
            stack[stack.count - 1].children.append(.text(text))
        case .elementEnd:
            guard let done = stack.popLast() else { return nil }
            guard !stack.isEmpty else { return .stanza(done) }
            stack[stack.count - 1].children.append(.element(done))
        }
        return nil
    }

    /// Reads events from `tokenizer` until something is complete: nil when it needs more bytes.
    package mutating func next(from tokenizer: inout XMLStreamTokenizer) throws(XMLStreamError) -> Output? {
        while let event = try tokenizer.next() {
            if let output = consume(event) { return output }
        }
        return nil
    }
}
