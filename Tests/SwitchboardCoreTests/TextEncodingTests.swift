import Foundation
import SwitchboardCore
import Testing

@Suite("Text encoding")
struct TextEncodingTests {
    @Test func hexIsLowerCaseWithDashesWhereAsked() {
        #expect(TextEncoding.hex([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(TextEncoding.hex(Array(0..<16), dashesBefore: [4, 6, 8, 10]) == "00010203-0405-0607-0809-0a0b0c0d0e0f")
        let id = Identifier.make()
        #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")
    }

    @Test func escapedJSONReadsBackAsTheSameText() throws {
        for text in ["plain", "a\"b\\c", "line\nfeed\r\ttab", "bell \u{7} and \u{1F}", "js \u{2028}\u{2029} separators", "€ æ 😀"] {
            var literal = "\""
            TextEncoding.escapeJSON(text, into: &literal)
            literal += "\""
            #expect(!literal.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x2028 || $0.value == 0x2029 }, "\(literal)")
            let back = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
            #expect(back == text, "\(literal)")
        }
        var out = ""
        TextEncoding.escapeJSON("\u{1}", into: &out)
        #expect(out == "\\u0001")
    }
}
