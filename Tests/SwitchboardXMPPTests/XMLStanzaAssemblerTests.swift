import Testing

@testable import SwitchboardXMPP

/// The assembler turns events into stanza trees, and the writer's output reads back into the
/// same trees: whatever the engine sends, the tokenizer (and so the peer) reads as written.
@Suite struct XMLStanzaAssemblerTests {
    static func stanzas(_ xml: String, chunk: Int? = nil) throws -> [XMLStanzaAssembler.Output] {
        var tokenizer = XMLStreamTokenizer()
        var assembler = XMLStanzaAssembler()
        var outputs: [XMLStanzaAssembler.Output] = []
        let bytes = Array(xml.utf8)
        var start = 0
        while start < bytes.count {
            let end = chunk.map { min(start + $0, bytes.count) } ?? bytes.count
            tokenizer.feed(bytes[start..<end])
            while let output = try assembler.next(from: &tokenizer) { outputs.append(output) }
            start = end
        }
        return outputs
    }

    static func readBack(_ element: XMPPElement) throws -> XMPPElement? {
        let outputs = try stanzas(XMLStreamTokenizerTests.header + XMLWriter.write(element))
        guard outputs.count == 2, case .stanza(let read) = outputs[1] else { return nil }
        return read
    }

    @Test func assemblesStanzasWholeAndByteByByte() throws {
        let xml =
            XMLStreamTokenizerTests.header
            + "<message type='chat' to='romeo@example.net'><body>Hi &amp; <![CDATA[bye]]></body><request xmlns='urn:xmpp:receipts'/></message>"
            + " <presence/></stream:stream>"
        let whole = try Self.stanzas(xml)
        #expect(try Self.stanzas(xml, chunk: 1) == whole)
        guard whole.count == 4, case .streamOpen = whole[0], case .stanza(let message) = whole[1], case .stanza(let presence) = whole[2]
        else {
            Issue.record("outputs: \(whole)")
            return
        }
        #expect(whole[3] == .streamClose)
        #expect(message.name == XMLName(localName: "message", namespace: "jabber:client"))
        #expect(message.attribute("type") == "chat")
        #expect(message.child("body")?.text == "Hi & bye")
        #expect(message.child("request", namespace: "urn:xmpp:receipts") != nil)
        #expect(message.child("request", namespace: "jabber:client") == nil)
        #expect(presence.children.isEmpty)
    }

    @Test func errorsComeThroughTheAssembler() {
        #expect(throws: XMLStreamError(.restrictedXML, "comments, DTDs and entity declarations are not allowed in XMPP (RFC 6120 §11.1)")) {
            try Self.stanzas(XMLStreamTokenizerTests.header + "<message><!-- x --></message>")
        }
    }

    @Test func escaping() {
        #expect(XMLWriter.escapeText("a<b>&c]]>\"'\t\n") == "a&lt;b&gt;&amp;c]]&gt;\"'\t\n")
        #expect(XMLWriter.escapeAttribute("a<'\"&\t\n\r") == "a&lt;&apos;&quot;&amp;&#9;&#xA;&#xD;")
        #expect(XMLWriter.escapeText("bell\u{7}nul\u{0}\u{FFFE}😀") == "bell\u{FFFD}nul\u{FFFD}\u{FFFD}😀")
    }

    @Test func writerOutputReadsBackTheSame() throws {
        var message = XMPPElement("message", namespace: "jabber:client")
        message.setAttribute("to", "romeo@example.net")
        message.setAttribute("id", "a'b\"c<d>&\t\n\re")
        message.attributes.append(
            XMLAttribute(name: XMLName(prefix: "xml", localName: "lang", namespace: XMLStreamTokenizer.xmlNamespace), value: "en")
        )
        message.children = [
            .element(XMPPElement("body", namespace: "jabber:client", children: [.text("</body> & ]]> 😀\n\ttabs")])),
            .element(XMPPElement("request", namespace: "urn:xmpp:receipts")),
            .element(
                XMPPElement(
                    "x",
                    namespace: "urn:x",
                    prefix: "x",
                    attributes: [XMLAttribute(name: XMLName(prefix: "x", localName: "a", namespace: "urn:x"), value: "1")],
                    children: [.element(XMPPElement("plain", namespace: nil))]
                )
            ),
        ]
        let read = try #require(try Self.readBack(message))
        #expect(read.name == message.name)
        #expect(read.attributes == message.attributes)
        #expect(read.child("body")?.text == "</body> & ]]> 😀\n\ttabs")
        #expect(read.child("request")?.namespace == "urn:xmpp:receipts")
        let x = try #require(read.child("x", namespace: "urn:x"))
        #expect(x.attribute("a", namespace: "urn:x") == "1")
        #expect(x.child("plain")?.namespace == nil)
        #expect(XMLWriter.write(XMPPElement("presence", namespace: "jabber:client")) == "<presence/>")
        #expect(XMLWriter.write(XMPPElement("ping", namespace: "urn:xmpp:ping")) == "<ping xmlns='urn:xmpp:ping'/>")
    }

    @Test func streamHeaderReadsBack() throws {
        let header = XMLStartTag(
            name: XMLName(prefix: "stream", localName: "stream", namespace: XMLStreamTokenizer.streamNamespace),
            attributes: [XMLAttribute(name: XMLName(localName: "to", namespace: nil), value: "example.com")],
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: "", uri: "jabber:client")]
        )
        let text = XMLWriter.streamHeader(header)
        #expect(text == "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com'>")
        var expected = header
        expected.namespaceDeclarations.append(XMLNamespaceDeclaration(prefix: "stream", uri: XMLStreamTokenizer.streamNamespace))
        #expect(try Self.stanzas(text + XMLWriter.streamClose) == [.streamOpen(expected), .streamClose])
    }
}
