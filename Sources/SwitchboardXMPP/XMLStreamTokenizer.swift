/// The XMPP engine's XML reader: a state machine fed bytes as they arrive from the socket,
/// handing out events once they are complete. It is our own rather than a general XML
/// parser because an XMPP stream is one never-finished document of restricted XML
/// (RFC 6120 §11): DTDs, entity declarations, comments and processing instructions are
/// refused instead of processed, so entity expansion bombs and external entities cannot
/// happen, and every buffer is bounded by `XMLStreamLimits`.
///
/// Feed bytes with `feed(_:)`, then call `next()` until it returns nil. After an error,
/// the events read before it are still handed out, then `next()` throws the error, and keeps
/// throwing it: the connector sends the stream error and closes. A stream restart (after
/// STARTTLS or SASL) starts a new tokenizer.
package struct XMLStreamTokenizer: Sendable {
    package static let streamNamespace = "http://etherx.jabber.org/streams"
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
    static let xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

    enum State: Sendable {
        /// Before the root element; only the XML declaration, whitespace and `<` may come.
        case prolog
        /// After `<`, deciding what kind of markup this is.
        case markup
        /// `<?…`: only the XML declaration at the very start is allowed.
        case declaration
        /// `<!…`: matching `[CDATA[` one character at a time; anything else is restricted.
        case bang(matched: Int)
        case cdata(brackets: Int)
        case startTagName
        /// Inside a start tag, between attributes; `spaced` says whether whitespace came.
        case inTag(spaced: Bool)
        case attributeName
        case afterAttributeName
        case beforeAttributeValue
        case attributeValue(quote: UInt32)
        case emptyTagEnd
        case endTagName
        case endTagSpace
        case content
        case reference(inAttribute: UInt32?)
        case closed
    }

    package let limits: XMLStreamLimits
    var state = State.prolog
    var error: XMLStreamError?
    var events: [XMLStreamEvent] = []
    var eventIndex = 0

    // UTF-8 decoding, carried across feeds.
    var utf8Value: UInt32 = 0
    var utf8Needed = 0
    var utf8Minimum: UInt32 = 0
    /// Whether anything at all has been read; the XML declaration must come first.
    var started = false
    /// Set when the stream's very first character is `<`: only then may `<?xml` follow.
    var declarationAllowed = false
    var stanzaBytes = 0

    // The token being read.
    // Names, text and values gather as UTF-8 bytes and become Strings once complete.
    var name: [UInt8] = []
    var text: [UInt8] = []
    var textBytes: Int { text.count }
    /// `]` just before in character data, to refuse `]]>` there.
    var textBrackets = 0
    var lastWasCR = false
    var reference = ""
    var tagName = ""
    var attributeValue: [UInt8] = []
    var pendingAttributes: [(name: String, value: String)] = []
    var declaration: [UInt8] = []

    // Open elements, innermost last, with the namespace declarations each one made.
    var open: [(raw: String, name: XMLName)] = []
    var scopes: [[String: String]] = []

    package init(limits: XMLStreamLimits = XMLStreamLimits()) {
        self.limits = limits
    }

    /// Reads `bytes`; the events they complete are then handed out by `next()`. Bytes fed after
    /// an error are ignored.
    package mutating func feed(_ bytes: some Sequence<UInt8>) {
        guard error == nil else { return }
        if eventIndex > 0 && eventIndex == events.count {
            events.removeAll(keepingCapacity: true)
            eventIndex = 0
        }
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { read($0) }
        if contiguous == nil { Array(bytes).withUnsafeBufferPointer { read($0) } }
    }

    /// The byte loop, on a buffer so that it is not generic over the caller's sequence.
    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
        do throws(XMLStreamError) {
            for byte in bytes {
                // The header (with what precedes it) counts as a stanza too.
                stanzaBytes += 1
                if stanzaBytes > limits.maxStanzaBytes {
                    throw XMLStreamError(.policyViolation, "stanza larger than \(limits.maxStanzaBytes) bytes")
                }
                try decode(byte)
            }
        } catch {
            self.error = error
        }
    }

    /// The next complete event, nil when more bytes are needed; throws once the stream was refused.
    package mutating func next() throws(XMLStreamError) -> XMLStreamEvent? {
        if eventIndex < events.count {
            defer { eventIndex += 1 }
            return events[eventIndex]
        }
        if let error { throw error }
        return nil
    }

    /// The elements open now, the stream root included.
    package var depth: Int { open.count }

    private mutating func decode(_ byte: UInt8) throws(XMLStreamError) {
        if utf8Needed == 0 {
            switch byte {
            case 0x00...0x7F: return try consume(UInt32(byte))
            case 0xC2...0xDF: (utf8Value, utf8Needed, utf8Minimum) = (UInt32(byte & 0x1F), 1, 0x80)
            case 0xE0...0xEF: (utf8Value, utf8Needed, utf8Minimum) = (UInt32(byte & 0x0F), 2, 0x800)
            case 0xF0...0xF4: (utf8Value, utf8Needed, utf8Minimum) = (UInt32(byte & 0x07), 3, 0x1_0000)
            default: throw XMLStreamError(.unsupportedEncoding, "byte 0x\(String(byte, radix: 16)) cannot start a UTF-8 sequence")
            }
            return
        }
        guard byte & 0xC0 == 0x80 else {
            throw XMLStreamError(.unsupportedEncoding, "byte 0x\(String(byte, radix: 16)) in the middle of a UTF-8 sequence")
        }
        utf8Value = utf8Value << 6 | UInt32(byte & 0x3F)
        utf8Needed -= 1
        guard utf8Needed == 0 else { return }
        guard utf8Value >= utf8Minimum, utf8Value <= 0x10_FFFF, !(0xD800...0xDFFF).contains(utf8Value) else {
            throw XMLStreamError(.unsupportedEncoding, "invalid UTF-8 sequence for U+\(String(utf8Value, radix: 16))")
        }
        try consume(utf8Value)
    }

    private mutating func consume(_ c: UInt32) throws(XMLStreamError) {
        guard XMLCharacters.isChar(c) else {
            throw XMLStreamError(.notWellFormed, "character U+\(String(c, radix: 16, uppercase: true)) is not allowed in XML")
        }
        defer { started = true }
        switch state {
        case .prolog:
            if c == 0x3C {
                declarationAllowed = !started
                state = .markup
            } else if !XMLCharacters.isSpace(c) {
                throw XMLStreamError(.notWellFormed, "text before the stream header")
            }
        case .closed:
            guard XMLCharacters.isSpace(c) else { throw XMLStreamError(.notWellFormed, "data after the end of the stream") }
            stanzaBytes = 0
        case .content:
            try content(c)
        case .markup:
            try markup(c)
        case .declaration:
            declaration.append(contentsOf: Unicode.Scalar(c).map { Array(String($0).utf8) } ?? [])
            if declaration.count > 256 { throw XMLStreamError(.notWellFormed, "XML declaration too long") }
            if declaration.count >= 2 && declaration.suffix(2) == [0x3F, 0x3E] { try finishDeclaration() }
        case .bang(let matched):
            let cdata = Array("[CDATA[".unicodeScalars)
            guard c == cdata[matched].value else {
                throw XMLStreamError(.restrictedXML, "comments, DTDs and entity declarations are not allowed in XMPP (RFC 6120 §11.1)")
            }
            if matched + 1 < cdata.count {
                state = .bang(matched: matched + 1)
            } else {
                guard open.count >= 2 else { throw XMLStreamError(.badFormat, "CDATA section outside a stanza") }
                state = .cdata(brackets: 0)
            }
        case .cdata(let brackets):
            if c == 0x3E && brackets >= 2 {
                text.removeLast(2)
                textBrackets = 0
                state = .content
            } else {
                state = .cdata(brackets: c == 0x5D ? brackets + 1 : 0)
                if c == 0xA && lastWasCR {
                    lastWasCR = false
                    return
                }
                lastWasCR = c == 0xD
                try appendText(c == 0xD ? 0xA : c)
            }
        case .startTagName:
            if XMLCharacters.isName(c) {
                try appendName(c)
            } else {
                tagName = nameString
                try afterName(c)
            }
        case .inTag(let spaced):
            try inTag(c, spaced: spaced)
        case .attributeName:
            if XMLCharacters.isName(c) {
                try appendName(c)
            } else if XMLCharacters.isSpace(c) {
                state = .afterAttributeName
            } else if c == 0x3D {
                state = .beforeAttributeValue
            } else {
                throw XMLStreamError(.notWellFormed, "attribute \(nameString) without a value")
            }
        case .afterAttributeName:
            if c == 0x3D {
                state = .beforeAttributeValue
            } else if !XMLCharacters.isSpace(c) {
                throw XMLStreamError(.notWellFormed, "attribute \(nameString) without a value")
            }
        case .beforeAttributeValue:
            if c == 0x22 || c == 0x27 {
                try startAttributeValue(quote: c)
            } else if !XMLCharacters.isSpace(c) {
                throw XMLStreamError(.notWellFormed, "attribute value of \(nameString) not quoted")
            }
        case .attributeValue(let quote):
            try attributeValue(c, quote: quote)
        case .emptyTagEnd:
            guard c == 0x3E else { throw XMLStreamError(.notWellFormed, "'/' in a start tag not followed by '>'") }
            try finishStartTag(empty: true)
        case .endTagName:
            if XMLCharacters.isName(c) {
                try appendName(c)
            } else if XMLCharacters.isSpace(c) {
                state = .endTagSpace
            } else if c == 0x3E {
                try finishEndTag()
            } else {
                throw XMLStreamError(.notWellFormed, "unexpected character in the end tag of \(nameString)")
            }
        case .endTagSpace:
            if c == 0x3E {
                try finishEndTag()
            } else if !XMLCharacters.isSpace(c) {
                throw XMLStreamError(.notWellFormed, "unexpected character in the end tag of \(nameString)")
            }
        case .reference(let quote):
            try referenceCharacter(c, inAttribute: quote)
        }
    }

    private mutating func markup(_ c: UInt32) throws(XMLStreamError) {
        defer { declarationAllowed = false }
        switch c {
        case 0x3F:  // <?
            guard declarationAllowed else {
                throw XMLStreamError(.restrictedXML, "processing instructions are not allowed in XMPP (RFC 6120 §11.1)")
            }
            declaration = [0x3C, 0x3F]
            state = .declaration
        case 0x21:  // <!
            state = .bang(matched: 0)
        case 0x2F:  // </
            try flushText()
            guard !open.isEmpty else { throw XMLStreamError(.notWellFormed, "end tag before the stream header") }
            beginName()
            state = .endTagName
        default:
            guard XMLCharacters.isNameStart(c) else { throw XMLStreamError(.notWellFormed, "'<' not followed by a name") }
            try flushText()
            guard open.count < limits.maxDepth else {
                throw XMLStreamError(.policyViolation, "elements nested deeper than \(limits.maxDepth)")
            }
            beginName()
            try appendName(c)
            pendingAttributes.removeAll(keepingCapacity: true)
            state = .startTagName
        }
    }

    private mutating func content(_ c: UInt32) throws(XMLStreamError) {
        if c == 0x3C {
            state = .markup
            return
        }
        if open.count < 2 {
            guard XMLCharacters.isSpace(c) else { throw XMLStreamError(.badFormat, "character data between stanzas") }
            stanzaBytes = 0
            return
        }
        if c == 0x26 {
            reference = ""
            state = .reference(inAttribute: nil)
            return
        }
        if c == 0x3E && textBrackets >= 2 { throw XMLStreamError(.notWellFormed, "']]>' in character data") }
        textBrackets = c == 0x5D ? textBrackets + 1 : 0
        if c == 0xD {
            lastWasCR = true
            return try appendText(0xA)
        }
        if c == 0xA && lastWasCR {
            lastWasCR = false
            return
        }
        lastWasCR = false
        try appendText(c)
    }

    private mutating func inTag(_ c: UInt32, spaced: Bool) throws(XMLStreamError) {
        if XMLCharacters.isSpace(c) {
            state = .inTag(spaced: true)
        } else if c == 0x3E {
            try finishStartTag(empty: false)
        } else if c == 0x2F {
            state = .emptyTagEnd
        } else if XMLCharacters.isNameStart(c) && spaced {
            guard pendingAttributes.count < limits.maxAttributes else {
                throw XMLStreamError(.policyViolation, "more than \(limits.maxAttributes) attributes on \(tagName)")
            }
            beginName()
            try appendName(c)
            state = .attributeName
        } else {
            throw XMLStreamError(.notWellFormed, "unexpected character in the start tag of \(tagName)")
        }
    }

    /// After a start tag's name: whitespace, `>` or `/`.
    private mutating func afterName(_ c: UInt32) throws(XMLStreamError) {
        state = .inTag(spaced: false)
        try inTag(c, spaced: false)
    }

    private mutating func startAttributeValue(quote: UInt32) throws(XMLStreamError) {
        let attributeName = nameString
        if pendingAttributes.contains(where: { $0.name == attributeName }) {
            throw XMLStreamError(.notWellFormed, "attribute \(nameString) given twice on \(tagName)")
        }
        pendingAttributes.append((attributeName, ""))
        attributeValue.removeAll(keepingCapacity: true)
        lastWasCR = false
        state = .attributeValue(quote: quote)
    }

    private mutating func attributeValue(_ c: UInt32, quote: UInt32) throws(XMLStreamError) {
        switch c {
        case quote:
            pendingAttributes[pendingAttributes.count - 1].value = String(decoding: attributeValue, as: UTF8.self)
            state = .inTag(spaced: false)
        case 0x3C:
            throw XMLStreamError(.notWellFormed, "'<' in the value of attribute \(pendingAttributes.last?.name ?? "")")
        case 0x26:
            reference = ""
            state = .reference(inAttribute: quote)
        case 0xA where lastWasCR:
            lastWasCR = false
        case 0x9, 0xA, 0xD:
            // Attribute-value normalization (XML 1.0 §3.3.3); CR LF counts as one.
            lastWasCR = c == 0xD
            try appendAttributeValue(0x20)
        default:
            lastWasCR = false
            try appendAttributeValue(c)
        }
    }
}
