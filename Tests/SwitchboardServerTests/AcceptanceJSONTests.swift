import Foundation
import NIOCore
import Testing

@testable import SwitchboardServer

/// `AcceptanceJSON` must write what the API's encoder writes for the same views, byte for byte.
@Suite struct AcceptanceJSONTests {
    /// Strings that exercise every escaping rule: all control characters, quotes, backslashes,
    /// slashes, DEL, non-ASCII letters, an emoji, and the empty string.
    static let awkward: [String] = {
        var strings = ["", "plain", "sms:+4712345678", "a\"b", "back\\slash", "a/b</script>", "\u{7F}", "æøå Ω", "😀 x", "tab\there"]
        strings += (0..<0x20).map { "x\(String(UnicodeScalar(UInt8($0))))y" }
        strings.append(String((0..<0x20).map { Character(UnicodeScalar(UInt8($0))) }))
        return strings
    }()

    func encoded(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(value), as: UTF8.self)
    }

    func written(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    func view(_ seed: Int) -> AcceptanceView {
        let s = Self.awkward
        let deliveries = (0..<(seed % 3)).map { i in
            AcceptanceView.DeliverySummary(
                id: s[(seed + i) % s.count],
                address: s[(seed * 7 + i) % s.count],
                channel: s[(seed * 3 + i) % s.count],
                status: s[(seed * 5 + i) % s.count]
            )
        }
        let warnings = (0..<(seed % 4)).map { s[(seed * 11 + $0) % s.count] }
        return AcceptanceView(id: s[seed % s.count], deliveries: deliveries, warnings: warnings)
    }

    @Test func everyEscapeMatchesTheEncoder() throws {
        for text in Self.awkward {
            var out = ByteBuffer()
            AcceptanceJSON.writeString(text, into: &out)
            #expect(written(out) == (try encoded([text])).dropFirst().dropLast(), "for \(text.debugDescription)")
        }
    }

    @Test func aSingleAcceptanceMatchesTheEncoder() throws {
        for seed in 0..<60 {
            let v = view(seed)
            #expect(written(AcceptanceJSON.single(v)) == (try encoded(v)))
        }
    }

    @Test func aBatchMatchesTheEncoder() throws {
        for size in [0, 1, 2, 7, 100] {
            let views = (0..<size).map(view)
            #expect(written(AcceptanceJSON.batch(views)) == (try encoded(BatchAcceptanceView(messages: views))))
        }
    }

    @Test func theOutputIsJSONThatReadsBackToTheSameStrings() throws {
        let v = view(13)
        let parsed = try JSONSerialization.jsonObject(with: Data(AcceptanceJSON.single(v).readableBytesView)) as? [String: Any]
        #expect(parsed?["id"] as? String == v.id)
        #expect(parsed?["warnings"] as? [String] == v.warnings)
    }
}
