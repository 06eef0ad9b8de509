import Testing

@testable import SwitchboardXMPP

/// Every case is read twice, fed whole and fed one byte at a time, and both readings must give
/// the same events and the same error: the state machine may not depend on how TCP cuts the stream.
@Suite struct XMLStreamTokenizerTests {
    static let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"

    struct Reading: Equatable {
        var events: [XMLStreamEvent]
        var error: XMLStreamError?
    }

    static func read(_ bytes: [UInt8], chunk: Int?, limits: XMLStreamLimits = XMLStreamLimits()) -> Reading {
        var tokenizer = XMLStreamTokenizer(limits: limits)
        var reading = Reading(events: [])
        func drain() -> Bool {
            do {
                while let event = try tokenizer.next() { reading.events.append(event) }
            } catch {
                reading.error = error
                return false
            }
            return true
        }
        var start = 0
        while start < bytes.count {
            let end = chunk.map { min(start + $0, bytes.count) } ?? bytes.count
            tokenizer.feed(bytes[start..<end])
            if !drain() { return reading }
            start = end
        }
        return reading
    }

    /// Reads `xml` whole and byte by byte, checks both agree, and returns the reading.
    static func both(_ xml: String, limits: XMLStreamLimits = XMLStreamLimits()) -> Reading {
        both(Array(xml.utf8), limits: limits)
    }

    static func both(_ bytes: [UInt8], limits: XMLStreamLimits = XMLStreamLimits()) -> Reading {
        let whole = read(bytes, chunk: nil, limits: limits)
        let byByte = read(bytes, chunk: 1, limits: limits)
        #expect(whole == byByte)
        return whole
    }

    /// The events of a stanza inside a standard client stream header, without the header's.
    static func stanza(_ xml: String) -> Reading {
        var reading = both(header + xml)
        if case .streamOpen = reading.events.first { reading.events.removeFirst() }
        return reading
    }

    static func refused(_ xml: String, _ condition: XMPPStreamErrorCondition, limits: XMLStreamLimits = XMLStreamLimits()) {
        let reading = both(header + xml, limits: limits)
        #expect(reading.error?.condition == condition, "\(xml) gave \(String(describing: reading.error))")
    }

    static func element(_ local: String, _ namespace: String?, prefix: String? = nil) -> XMLName {
        XMLName(prefix: prefix, localName: local, namespace: namespace)
    }

    static func attribute(_ local: String, _ value: String) -> XMLAttribute {
        XMLAttribute(name: XMLName(localName: local, namespace: nil), value: value)
    }

    @Test func clientStreamOpeningFromRFC6120() {
        // RFC 6120 §9.1.1, step 1: the initiating entity's stream header.
        let xml =
            "<?xml version='1.0'?>\n<stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' xml:lang='en'"
            + " xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        let reading = Self.both(xml)
        #expect(reading.error == nil)
        let stream = XMLName(prefix: "stream", localName: "stream", namespace: XMLStreamTokenizer.streamNamespace)
        let lang = XMLAttribute(name: XMLName(prefix: "xml", localName: "lang", namespace: XMLStreamTokenizer.xmlNamespace), value: "en")
        let expected = XMLStartTag(
            name: stream,
            attributes: [
                Self.attribute("from", "juliet@im.example.com"), Self.attribute("to", "im.example.com"), Self.attribute("version", "1.0"), lang,
            ],
            namespaceDeclarations: [
                XMLNamespaceDeclaration(prefix: "", uri: "jabber:client"),
                XMLNamespaceDeclaration(prefix: "stream", uri: XMLStreamTokenizer.streamNamespace),
            ]
        )
        #expect(reading.events == [.streamOpen(expected)])
    }

    @Test func messageStanzaFromRFC6121() {
        // RFC 6121 §5.2.3 with a thread, then the stream's end.
        let xml =
            "<message from='juliet@example.com/balcony' id='ktx72v49' to='romeo@example.net' type='chat' xml:lang='en'>"
            + "<body>Art thou not Romeo, and a Montague?</body><thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread></message>"
            + "\n  </stream:stream>"
        let reading = Self.stanza(xml)
        #expect(reading.error == nil)
        let client = "jabber:client"
        guard reading.events.count == 9, case .elementStart(let message) = reading.events[0] else {
            Issue.record("events: \(reading.events)")
            return
        }
        #expect(message.name == Self.element("message", client))
        #expect(message.attribute("type") == "chat")
        #expect(message.attribute("lang", namespace: XMLStreamTokenizer.xmlNamespace) == "en")
        #expect(message.namespaceDeclarations.isEmpty)
        #expect(
            Array(reading.events[1...]) == [
                .elementStart(XMLStartTag(name: Self.element("body", client))),
                .text("Art thou not Romeo, and a Montague?"),
                .elementEnd(Self.element("body", client)),
                .elementStart(XMLStartTag(name: Self.element("thread", client))),
                .text("e0ffe42b28561960c6b12b944a092794b9683a38"),
                .elementEnd(Self.element("thread", client)),
                .elementEnd(Self.element("message", client)),
                .streamClose,
            ]
        )
    }

    @Test func prefixedAndDefaultNamespacesNest() {
        let xml = "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/><q:query xmlns:q='jabber:iq:roster' q:ver='1'><item/></q:query></iq>"
        let reading = Self.stanza(xml)
        #expect(reading.error == nil)
        let ping = XMLStartTag(name: Self.element("ping", "urn:xmpp:ping"), namespaceDeclarations: [.init(prefix: "", uri: "urn:xmpp:ping")])
        let query = XMLStartTag(
            name: Self.element("query", "jabber:iq:roster", prefix: "q"),
            attributes: [XMLAttribute(name: Self.element("ver", "jabber:iq:roster", prefix: "q"), value: "1")],
            namespaceDeclarations: [.init(prefix: "q", uri: "jabber:iq:roster")]
        )
        #expect(
            Array(reading.events.dropFirst()) == [
                .elementStart(ping), .elementEnd(Self.element("ping", "urn:xmpp:ping")),
                .elementStart(query), .elementStart(XMLStartTag(name: Self.element("item", "jabber:client"))),
                .elementEnd(Self.element("item", "jabber:client")), .elementEnd(Self.element("query", "jabber:iq:roster", prefix: "q")),
                .elementEnd(Self.element("iq", "jabber:client")),
            ]
        )
    }

    @Test func entitiesCharacterReferencesAndCDATA() {
        let xml = "<message><body>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#65;&#x42;&#x1F600; <![CDATA[<x>&amp;]]>!</body></message>"
        let reading = Self.stanza(xml)
        #expect(reading.error == nil)
        #expect(reading.events.contains(.text("<a> & \"b\" 'c' AB😀 <x>&amp;!")))
        let attributes = Self.stanza("<message to='a&amp;b&#x20;&#9;c\td\r\ne'/>")
        guard case .elementStart(let tag) = attributes.events.first else {
            Issue.record("events: \(attributes.events)")
            return
        }
        // Character references keep the tab; a literal tab and a CR LF become one space each.
        #expect(tag.attribute("to") == "a&b \tc d e")
    }

    @Test func lineEndsAreNormalized() {
        #expect(Self.stanza("<body>a\r\nb\rc\nd</body>").events.contains(.text("a\nb\nc\nd")))
    }

    @Test func utf8SplitAcrossFeeds() {
        let text = "Zażółć 漢字 😀"
        let reading = Self.stanza("<body>\(text)</body>")
        #expect(reading.events.contains(.text(text)))
        // Every cut of a four-byte sequence.
        let bytes = Array((Self.header + "<b>😀</b>").utf8)
        for cut in (bytes.count - 8)...(bytes.count - 4) {
            var tokenizer = XMLStreamTokenizer()
            tokenizer.feed(bytes[..<cut])
            tokenizer.feed(bytes[cut...])
            var events: [XMLStreamEvent] = []
            while let event = try? tokenizer.next() { events.append(event) }
            #expect(events.contains(.text("😀")))
        }
    }

    @Test func invalidUTF8IsRefused() {
        for bad: [UInt8] in [[0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xC3, 0x41]] {
            let reading = Self.both(Array((Self.header + "<b>").utf8) + bad + Array("</b>".utf8))
            #expect(reading.error?.condition == .unsupportedEncoding, "\(bad)")
        }
    }

    @Test func whitespaceKeepalivesBetweenStanzasAreDropped() {
        let reading = Self.stanza(" \n <presence/>\n\n<presence/> ")
        #expect(reading.error == nil)
        #expect(reading.events.count == 4)
    }

    @Test func billionLaughsIsRefusedAtTheDoctype() {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
             <!ENTITY lol "lol">
             <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
             <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&lol3;
            """
        let reading = Self.both(bomb)
        #expect(reading.error?.condition == .restrictedXML)
        #expect(reading.events.isEmpty)
        // A DOCTYPE or ENTITY inside the stream is refused as well.
        Self.refused("<!ENTITY lol 'lol'>", .restrictedXML)
        Self.refused("<message><!DOCTYPE x></message>", .restrictedXML)
    }

    @Test func restrictedXML() {
        Self.refused("<message><!-- hello --></message>", .restrictedXML)
        Self.refused("<?php echo 1; ?>", .restrictedXML)
        Self.refused("<message><?xml version='1.0'?></message>", .restrictedXML)
        Self.refused("<message><body>&nbsp;</body></message>", .restrictedXML)
        Self.refused("<message to='&ent;'/>", .restrictedXML)
        #expect(Self.both(" <?xml version='1.0'?>" + Self.header).error?.condition == .restrictedXML)
        #expect(Self.both("<!-- x -->" + Self.header).error?.condition == .restrictedXML)
    }

    @Test func notWellFormed() {
        for xml in [
            "<message></presence>", "<message><body></message></body>", "<p:message/>", "<message a='1' a='2'/>",
            "<message xmlns:p='urn:a' xmlns:q='urn:a' p:a='1' q:a='2'/>", "<message a=1/>", "<message a='<'/>",
            "<message a='1'b='2'/>", "<message><body>a]]>b</body></message>", "<message><body>&#0;</body></message>",
            "<message><body>&#xD800;</body></message>", "<message><body>&#xZZ;</body></message>", "<message><body>& b</body></message>",
            "<message><body>\u{1}</body></message>", "<1message/>", "<a:b:c xmlns:a='urn:a'/>", "<message xmlns:p=''/>",
            "<message xmlns:xml='urn:other'/>", "</stream:stream><message/>", "<message / >",
        ] {
            Self.refused(xml, .notWellFormed)
        }
    }

    @Test func unboundPrefixIsRefused() {
        let reading = Self.both(Self.header + "<p:message/>")
        #expect(reading.error == XMLStreamError(.notWellFormed, "prefix p of p:message is not bound to a namespace"))
    }

    @Test func textBetweenStanzasIsBadFormat() {
        Self.refused("hello<message/>", .badFormat)
        Self.refused("&amp;", .badFormat)
    }

    @Test func wrongStreamRootIsInvalidNamespace() {
        #expect(Self.both("<stream xmlns='jabber:client'>").error?.condition == .invalidNamespace)
        #expect(Self.both("<stream:stream xmlns:stream='urn:wrong'>").error?.condition == .invalidNamespace)
        #expect(Self.both("<?xml version='1.0' encoding='ISO-8859-1'?>" + Self.header).error?.condition == .unsupportedEncoding)
    }

    @Test func limits() {
        var limits = XMLStreamLimits()
        limits.maxDepth = 3
        #expect(Self.both(Self.header + "<a><b/></a>", limits: limits).error == nil)
        Self.refused("<a><b><c/></b></a>", .policyViolation, limits: limits)
        limits = XMLStreamLimits()
        limits.maxAttributes = 2
        let short = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>"
        #expect(Self.both(short + "<a x='1' y='2'/>", limits: limits).error == nil)
        #expect(Self.both(short + "<a x='1' y='2' z='3'/>", limits: limits).error?.condition == .policyViolation)
        limits = XMLStreamLimits()
        limits.maxAttributeValueBytes = 40
        let forty = String(repeating: "é", count: 20)
        #expect(Self.both(short + "<a x='\(forty)'/>", limits: limits).error == nil)
        #expect(Self.both(short + "<a x='\(forty)1'/>", limits: limits).error?.condition == .policyViolation)
        limits = XMLStreamLimits()
        limits.maxNameBytes = 4
        Self.refused("<abcde/>", .policyViolation, limits: limits)
        limits = XMLStreamLimits()
        limits.maxTextBytes = 4
        #expect(Self.both(Self.header + "<a>1234</a>", limits: limits).error == nil)
        Self.refused("<a>12&amp;45</a>", .policyViolation, limits: limits)
        limits = XMLStreamLimits()
        limits.maxStanzaBytes = 70
        let sixty = String(repeating: "6", count: 60)
        #expect(Self.both(short + "<a>\(sixty)</a>      <a>\(sixty)</a>", limits: limits).error == nil)
        #expect(Self.both(short + "<a>\(sixty)1234</a>", limits: limits).error?.condition == .policyViolation)
        // The stream header is bounded by the same limit.
        limits = XMLStreamLimits()
        limits.maxStanzaBytes = 200
        #expect(Self.both(Self.header, limits: limits).error == nil)
        let long = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='\(String(repeating: "x", count: 200))'>"
        #expect(Self.both(long, limits: limits).error?.condition == .policyViolation)
    }

    @Test func oneMegabyteStanzaIsRefusedAtTheLimitWithoutBufferingIt() {
        var limits = XMLStreamLimits()
        limits.maxTextBytes = 2 << 20
        var tokenizer = XMLStreamTokenizer(limits: limits)
        tokenizer.feed(Array((Self.header + "<message><body>").utf8))
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        var fed = 0
        var error: XMLStreamError?
        while fed < 1 << 20 && error == nil {
            tokenizer.feed(chunk)
            fed += chunk.count
            do {
                while try tokenizer.next() != nil {}
            } catch let thrown {
                error = thrown
            }
        }
        #expect(error?.condition == .policyViolation)
        #expect(fed <= limits.maxStanzaBytes + chunk.count)
        #expect(tokenizer.textBytes <= limits.maxStanzaBytes)
        // Bytes fed after the error are ignored, and the error stays.
        tokenizer.feed(Array("</body></message>".utf8))
        #expect(throws: XMLStreamError.self) { try tokenizer.next() }
        // With the default limits the text limit trips first; either way it is a policy violation.
        var big = Array((Self.header + "<message><body>").utf8)
        big += [UInt8](repeating: 0x61, count: 1 << 20)
        #expect(Self.read(big, chunk: 65_536).error?.condition == .policyViolation)
    }

    @Test func eventsBeforeAnErrorAreStillHandedOut() {
        let reading = Self.both(Self.header + "<presence/><message></presence>")
        #expect(reading.events.count == 4)
        #expect(reading.error?.condition == .notWellFormed)
    }
}
