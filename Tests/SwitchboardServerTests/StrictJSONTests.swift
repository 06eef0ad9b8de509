import Testing

@testable import SwitchboardServer

@Suite struct StrictJSONTests {
    func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try StrictJSON.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"s": "a\"b\\c\n\u00e6\ud83d\ude00", "n": -1.5e3, "z": 0, "t": true, "f": false, "x": null, "a": [1, [], {}]} "#)
        #expect(
            value
                == .object([
                    "s": .string("a\"b\\c\næ😀"), "n": .number("-1.5e3"), "z": .number("0"), "t": .bool(true), "f": .bool(false),
                    "x": .null, "a": .array([.number("1"), .array([]), .object([:])]),
                ])
        )
    }

    @Test(
        arguments: [
            ("{\"a\": 1,}", 1, 9, "expected a quoted member name"),
            ("[1, 2,]", 1, 7, "expected a value"),
            ("{\"a\": 1, \"a\": 2}", 1, 10, "appears more than once"),
            ("{\n  \"a\": tru\n}", 2, 8, "did you mean 'true'"),
            ("{\"a\": 01}", 1, 7, "leading zero"),
            ("{\"a\": \"\\x\"}", 1, 8, "invalid escape"),
            ("{\"a\": \"\\ud800\"}", 1, 8, "unpaired surrogate"),
            ("{\"a\": 1} x", 1, 10, "after the end"),
            ("{\"a\": \"line\nbreak\"}", 1, 12, "control character"),
            ("{\"a\": \"open", 1, 7, "unterminated string"),
        ] as [(String, Int, Int, String)]
    )
    func refusesInvalidJSONWithItsPosition(_ input: String, _ line: Int, _ column: Int, _ reason: String) {
        #expect {
            try parse(input)
        } throws: { error in
            guard let e = error as? JSONSyntaxError else { return false }
            return e.line == line && e.column == column && e.reason.contains(reason)
        }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? parse(fine)) != nil)
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(#"{"a": "x"}"#.utf8)
        bytes[7] = 0xFF
        #expect(throws: JSONSyntaxError.self) { try StrictJSON.parse(bytes) }
    }

    @Test func unknownMembersAreFoundAtAnyDepth() throws {
        let shape = JSONShape.object(["a": .any, "list": .array(of: .keys("x"))])
        #expect(shape.unknownMember(in: try parse(#"{"a": {"anything": 1}, "list": [{"x": 1}]}"#)) == nil)
        #expect(shape.unknownMember(in: try parse(#"{"b": 1}"#))?.path == "b")
        #expect(shape.unknownMember(in: try parse(#"{"list": [{"x": 1}, {"y": 2}]}"#))?.path == "list[1].y")
    }
}
