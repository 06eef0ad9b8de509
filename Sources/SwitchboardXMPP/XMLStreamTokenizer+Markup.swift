extension XMLStreamTokenizer {
    /// `<?xml version="1.0" encoding="UTF-8"?>`, read loosely: a version 1.0 and, when an
    /// encoding is named, UTF-8 (RFC 6120 §11.6).
    mutating func finishDeclaration() throws(XMLStreamError) {
        let body = String(decoding: declaration.dropFirst(2).dropLast(2), as: UTF8.self)
        guard body.hasPrefix("xml"), let space = body.unicodeScalars.dropFirst(3).first, XMLCharacters.isSpace(space.value) else {
            throw XMLStreamError(.restrictedXML, "processing instructions are not allowed in XMPP (RFC 6120 §11.1)")
        }
        let compact = body.filter { !$0.isWhitespace }.replacingOccurrences("'", with: "\"")
        guard compact.contains("version=\"1.0\"") else { throw XMLStreamError(.notWellFormed, "XML declaration without version 1.0") }
        if compact.contains("encoding=") && !compact.lowercased().contains("encoding=\"utf-8\"") {
            throw XMLStreamError(.unsupportedEncoding, "XMPP streams are UTF-8 (RFC 6120 §11.6)")
        }
        declaration = []
        state = .prolog
    }

    /// A start tag's `>` arrived: resolve namespaces, check the attributes, report it.
    mutating func finishStartTag(empty: Bool) throws(XMLStreamError) {
        var bindings: [String: String] = [:]
        var declarations: [XMLNamespaceDeclaration] = []
        var plain: [(name: String, value: String)] = []
        for attribute in pendingAttributes {
            let prefix: String
            if attribute.name == "xmlns" {
                prefix = ""
            } else if attribute.name.hasPrefix("xmlns:") {
                prefix = String(attribute.name.dropFirst(6))
                try checkNCName(prefix, in: attribute.name)
                guard !attribute.value.isEmpty else { throw XMLStreamError(.notWellFormed, "prefix \(prefix) bound to no namespace") }
                guard prefix != "xmlns", (prefix == "xml") == (attribute.value == Self.xmlNamespace) else {
                    throw XMLStreamError(.notWellFormed, "prefix \(prefix) cannot be bound to \(attribute.value)")
                }
            } else {
                plain.append(attribute)
                continue
            }
            guard attribute.value != Self.xmlnsNamespace, prefix == "xml" || attribute.value != Self.xmlNamespace else {
                throw XMLStreamError(.notWellFormed, "reserved namespace \(attribute.value) bound to a prefix")
            }
            bindings[prefix] = attribute.value
            declarations.append(XMLNamespaceDeclaration(prefix: prefix, uri: attribute.value))
        }
        scopes.append(bindings)
        let element = try resolve(tagName, attribute: false)
        var attributes: [XMLAttribute] = []
        attributes.reserveCapacity(plain.count)
        for attribute in plain {
            let resolved = try resolve(attribute.name, attribute: true)
            if attributes.contains(where: { $0.name.localName == resolved.localName && $0.name.namespace == resolved.namespace }) {
                throw XMLStreamError(.notWellFormed, "attribute \(resolved) given twice on \(tagName)")
            }
            attributes.append(XMLAttribute(name: resolved, value: attribute.value))
        }
        pendingAttributes.removeAll(keepingCapacity: true)
        let tag = XMLStartTag(name: element, attributes: attributes, namespaceDeclarations: declarations)
        if open.isEmpty {
            guard element.localName == "stream", element.namespace == Self.streamNamespace else {
                throw XMLStreamError(.invalidNamespace, "the stream root is \(element), not {\(Self.streamNamespace)}stream")
            }
            events.append(.streamOpen(tag))
            stanzaBytes = 0
        } else {
            events.append(.elementStart(tag))
        }
        open.append((tagName, element))
        state = .content
        if empty { try closeElement() }
    }

    mutating func finishEndTag() throws(XMLStreamError) {
        guard let top = open.last, top.raw.utf8.elementsEqual(name) else {
            throw XMLStreamError(.notWellFormed, "end tag </\(nameString)> does not match <\(open.last?.raw ?? "")>")
        }
        try closeElement()
    }

    private mutating func closeElement() throws(XMLStreamError) {
        let (_, element) = open.removeLast()
        scopes.removeLast()
        if open.isEmpty {
            events.append(.streamClose)
            state = .closed
            return
        }
        events.append(.elementEnd(element))
        if open.count == 1 { stanzaBytes = 0 }
        state = .content
    }

    /// Splits `prefix:local` and finds the prefix's namespace; an unprefixed attribute has none.
    private func resolve(_ raw: String, attribute: Bool) throws(XMLStreamError) -> XMLName {
        guard let colon = raw.firstIndex(of: ":") else {
            if attribute { return XMLName(localName: raw, namespace: nil) }
            return XMLName(localName: raw, namespace: lookup("").flatMap { $0.isEmpty ? nil : $0 })
        }
        let prefix = String(raw[..<colon])
        let local = String(raw[raw.index(after: colon)...])
        guard !prefix.isEmpty else { throw XMLStreamError(.notWellFormed, "\(raw) is not a qualified name") }
        try checkNCName(local, in: raw)
        guard let namespace = prefix == "xml" ? Self.xmlNamespace : lookup(prefix), prefix != "xmlns" else {
            throw XMLStreamError(.notWellFormed, "prefix \(prefix) of \(raw) is not bound to a namespace")
        }
        return XMLName(prefix: prefix, localName: local, namespace: namespace)
    }

    private func lookup(_ prefix: String) -> String? {
        for scope in scopes.reversed() {
            if let uri = scope[prefix] { return uri }
        }
        return nil
    }

    private func checkNCName(_ part: String, in raw: String) throws(XMLStreamError) {
        guard let first = part.unicodeScalars.first, XMLCharacters.isNameStart(first.value), !part.contains(":") else {
            throw XMLStreamError(.notWellFormed, "\(raw) is not a qualified name")
        }
    }

    /// One character of `&…;`: only the five predefined entities and character references.
    mutating func referenceCharacter(_ c: UInt32, inAttribute quote: UInt32?) throws(XMLStreamError) {
        guard c == 0x3B else {
            guard reference.unicodeScalars.count < 10, c != 0x26, c != 0x3C, !XMLCharacters.isSpace(c) else {
                throw XMLStreamError(.notWellFormed, "'&' not followed by a reference")
            }
            reference.unicodeScalars.append(Unicode.Scalar(c)!)
            return
        }
        let value: UInt32
        switch reference {
        case "lt": value = 0x3C
        case "gt": value = 0x3E
        case "amp": value = 0x26
        case "apos": value = 0x27
        case "quot": value = 0x22
        default:
            if reference.hasPrefix("#x"), let number = UInt32(reference.dropFirst(2), radix: 16), reference.count > 2,
                reference.dropFirst(2).allSatisfy(\.isHexDigit)
            {
                value = number
            } else if reference.hasPrefix("#"), let number = UInt32(reference.dropFirst()), reference.dropFirst().allSatisfy(\.isASCII),
                reference.dropFirst().allSatisfy(\.isNumber)
            {
                value = number
            } else if reference.hasPrefix("#") || reference.isEmpty {
                throw XMLStreamError(.notWellFormed, "malformed character reference &\(reference);")
            } else {
                throw XMLStreamError(.restrictedXML, "entity &\(reference); is not one of the predefined five (RFC 6120 §11.1)")
            }
            guard XMLCharacters.isChar(value) else {
                throw XMLStreamError(.notWellFormed, "&\(reference); refers to a character not allowed in XML")
            }
        }
        if let quote {
            try appendAttributeValue(value)
            lastWasCR = false
            state = .attributeValue(quote: quote)
        } else {
            try appendText(value)
            textBrackets = 0
            lastWasCR = false
            state = .content
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
