import Testing

@testable import SwitchboardXMPP

/// Well-formed stanzas whose expected events were produced once by Python's expat (namespace
/// aware, `}` as separator), committed as data: a second, independent reader agrees with ours on
/// namespaces, attribute values, references, CDATA and line ends. Each is read whole and byte by byte.
@Suite struct XMLStreamTokenizerExpatTests {
    static let cases: [(xml: String, events: [String])] = [
        (
            "<message type='chat' to='a@b'><body>Hi &amp; bye &#x1F600;</body></message>",
            [
                "S jabber:client}message [to=a@b, type=chat]",
                "S jabber:client}body []",
                "T Hi & bye 😀",
                "E jabber:client}body",
                "E jabber:client}message",
            ]
        ),
        (
            "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='v2'><item jid='romeo@example.net' name='Romeo' subscription='both'><group>Friends</group></item></query></iq>",
            [
                "S jabber:client}iq [id=r1, type=result]",
                "S jabber:iq:roster}query [ver=v2]",
                "S jabber:iq:roster}item [jid=romeo@example.net, name=Romeo, subscription=both]",
                "S jabber:iq:roster}group []",
                "T Friends",
                "E jabber:iq:roster}group",
                "E jabber:iq:roster}item",
                "E jabber:iq:roster}query",
                "E jabber:client}iq",
            ]
        ),
        (
            "<presence from='a@b/c'><show>away</show><status>Out\r\nback &lt;soon&gt;</status><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>",
            [
                "S jabber:client}presence [from=a@b/c]",
                "S jabber:client}show []",
                "T away",
                "E jabber:client}show",
                "S jabber:client}status []",
                "T Out\nback <soon>",
                "E jabber:client}status",
                "S http://jabber.org/protocol/caps}c [hash=sha-1, node=n, ver=v]",
                "E http://jabber.org/protocol/caps}c",
                "E jabber:client}presence",
            ]
        ),
        (
            "<message><x:a xmlns:x='urn:x' x:y='1' y='2'><b xmlns=''>t<![CDATA[ <raw> ]]>u</b></x:a></message>",
            [
                "S jabber:client}message []",
                "S urn:x}a [urn:x}y=1, y=2]",
                "S b []",
                "T t <raw> u",
                "E b",
                "E urn:x}a",
                "E jabber:client}message",
            ]
        ),
        (
            "<message xml:lang='de'><body a='\t&#9;&#xA;'>Grüße, 漢字</body></message>",
            [
                "S jabber:client}message [http://www.w3.org/XML/1998/namespace}lang=de]",
                "S jabber:client}body [a= \t\n]",
                "T Grüße, 漢字",
                "E jabber:client}body",
                "E jabber:client}message",
            ]
        ),
    ]

    /// Renders events the way the expat script printed them.
    static func render(_ event: XMLStreamEvent) -> String? {
        func name(_ name: XMLName) -> String { name.namespace.map { "\($0)}\(name.localName)" } ?? name.localName }
        switch event {
        case .elementStart(let tag):
            let attributes = tag.attributes.map { (name($0.name), $0.value) }.sorted { $0.0 < $1.0 }
            return "S \(name(tag.name)) [" + attributes.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "]"
        case .elementEnd(let element): return "E \(name(element))"
        case .text(let text): return "T \(text)"
        case .streamOpen, .streamClose: return nil
        }
    }

    /// Cut at random places (a fixed seed) the stream reads the same; mutated at random it is
    /// read or refused, never a crash, and still the same whole as byte by byte.
    @Test func randomCutsAndMutations() {
        var random = SplitMix64(seed: 12)
        for (xml, _) in Self.cases {
            let bytes = Array((XMLStreamTokenizerTests.header + xml + "</stream:stream>").utf8)
            let whole = XMLStreamTokenizerTests.read(bytes, chunk: nil)
            for _ in 0..<20 {
                let chunk = Int(random.next() % 7) + 2
                #expect(XMLStreamTokenizerTests.read(bytes, chunk: chunk) == whole)
            }
            for _ in 0..<200 {
                var mutated = bytes
                for _ in 0..<Int(random.next() % 3 + 1) {
                    let index = Int(random.next() % UInt64(mutated.count))
                    let replacement: [UInt8] = [0x3C, 0x3E, 0x26, 0x3B, 0x27, 0x22, 0x2F, 0x3A, 0x5D, 0x0D, 0xC3, 0xF0, 0x00, 0x21, 0x3F]
                    mutated[index] = replacement[Int(random.next() % UInt64(replacement.count))]
                }
                _ = XMLStreamTokenizerTests.both(mutated)
            }
        }
    }

    @Test(arguments: 0..<cases.count) func agreesWithExpat(_ index: Int) {
        let (xml, expected) = Self.cases[index]
        let reading = XMLStreamTokenizerTests.both(XMLStreamTokenizerTests.header + xml + "</stream:stream>")
        #expect(reading.error == nil)
        #expect(reading.events.compactMap(Self.render) == expected)
    }
}

/// A small deterministic generator, so that a failing mutation can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
