import SwitchboardCore
import Testing

/// How each kind of declared step reads an answer: what fits (and the value saved and the key
/// `next` chooses by) and what does not.
@Suite("Declared responders: answers")
struct AnswerExpectationTests {
    static func fits(_ e: AnswerExpectation, _ answer: String) -> JSONValue? {
        guard case .fits(let value, _) = e.check(answer) else { return nil }
        return value
    }

    @Test(arguments: [
        (AnswerExpectation.text(maxLength: 5), " hello ", JSONValue.string("hello")),
        (.integer(min: 0, max: 10), "10", .number(10)),
        (.integer(min: nil, max: nil), "-1 000", .number(-1000)),
        (.decimal(min: 0, max: 3), "2,5", .number(2.5)),
        (.decimal(min: nil, max: nil), "-.5", .number(-0.5)),
        (.choice(["Fire", "Flood"]), "2", .string("Flood")),
        (.choice(["Fire", "Flood"]), "FIRE", .string("Fire")),
        (.choice(["Fire", "Flood"]), "fl", .string("Flood")),
        (.choice(["no", "none"]), "no", .string("no")),
        (.yesNo(yes: [], no: []), "Y", .bool(true)),
        (.yesNo(yes: [], no: []), "no.", .bool(false)),
        (.yesNo(yes: ["ja"], no: ["nei"]), "Nei", .bool(false)),
        (.date(dayFirst: true), "24.12.2026", .string("2026-12-24")),
        (.date(dayFirst: true), "1/2/2024", .string("2024-02-01")),
        (.date(dayFirst: false), "2/29/2024", .string("2024-02-29")),
        (.date(dayFirst: true), "2026-1-5", .string("2026-01-05")),
        (.time, "9:05", .string("09:05")),
        (.time, "1430", .string("14:30")),
        (.time, "14.30", .string("14:30")),
        (.time, "12 am", .string("00:00")),
        (.time, "12:15pm", .string("12:15")),
        (.phone(countryCode: nil), "+47 123 45 678", .string("+4712345678")),
        (.phone(countryCode: nil), "0047 12345678", .string("+4712345678")),
        (.phone(countryCode: "47"), "12345678", .string("+4712345678")),
        (.phone(countryCode: "44"), "07700 900123", .string("+447700900123")),
        (.email, "Kari@Example.ORG", .string("Kari@example.org")),
        (.pattern("[A-Z]{3}-[0-9]{3}"), "ABC-123", .string("ABC-123")),
        (.pattern("(?i)[a-z]+"), "Hello", .string("Hello")),
    ])
    func fits(_ expect: AnswerExpectation, _ answer: String, _ saved: JSONValue) {
        #expect(Self.fits(expect, answer) == saved)
    }

    @Test(arguments: [
        (AnswerExpectation.text(maxLength: 5), "toolong"),
        (.text(maxLength: 5), "   "),
        (.integer(min: 0, max: 10), "11"),
        (.integer(min: 0, max: 10), "2.5"),
        (.integer(min: nil, max: nil), "two"),
        (.decimal(min: 0, max: 3), "3.01"),
        (.decimal(min: nil, max: nil), "1e3"),
        (.decimal(min: nil, max: nil), "nan"),
        (.choice(["Fire", "Flood"]), "3"),
        (.choice(["Fire", "Flood"]), "0"),
        (.choice(["Fire", "Flood"]), "f"),
        (.choice(["Fire", "Flood"]), "smoke"),
        (.yesNo(yes: [], no: []), "maybe"),
        (.yesNo(yes: [], no: []), "yes please"),
        (.date(dayFirst: true), "31.02.2026"),
        (.date(dayFirst: true), "29.02.2100"),
        (.date(dayFirst: true), "24.12.26"),
        (.date(dayFirst: true), "13/13/2026"),
        (.date(dayFirst: true), "tomorrow"),
        (.time, "24:00"),
        (.time, "9:5"),
        (.time, "13 pm"),
        (.time, "930"),
        (.phone(countryCode: nil), "12345678"),
        (.phone(countryCode: nil), "+47 12"),
        (.phone(countryCode: nil), "+47 1234a678"),
        (.phone(countryCode: "47"), "2222"),
        (.email, "kari@"),
        (.email, "mailto:kari@example.org"),
        (.email, "a@b@c"),
        (.pattern("[A-Z]{3}-[0-9]{3}"), "ABC-1234"),
        (.pattern("[A-Z]{3}-[0-9]{3}"), "xABC-123"),
    ])
    func doesNotFit(_ expect: AnswerExpectation, _ answer: String) {
        #expect(expect.check(answer) == .doesNotFit)
    }

    @Test func onlyFreeTextIsReadWhenLongerThan4KB() {
        let long = String(repeating: "A", count: 5000)
        #expect(AnswerExpectation.pattern("A+").check(long) == .doesNotFit)
        #expect(
            AnswerExpectation.pattern("A+").check(String(long.prefix(4000)))
                == .fits(.string(String(long.prefix(4000))), key: String(long.prefix(4000)).lowercased())
        )
        #expect(AnswerExpectation.text(maxLength: 65_536).check(long) == .fits(.string(long), key: long.lowercased()))
    }

    @Test func theKeyANextMapChoosesByIsTheNormalisedAnswer() {
        #expect(AnswerExpectation.choice(["Fire"]).check("1") == .fits(.string("Fire"), key: "fire"))
        #expect(AnswerExpectation.yesNo(yes: ["ja"], no: []).check("JA") == .fits(.bool(true), key: "yes"))
        #expect(AnswerExpectation.integer(min: nil, max: nil).check("+07") == .fits(.number(7), key: "7"))
        #expect(AnswerExpectation.decimal(min: nil, max: nil).check("2,50") == .fits(.number(2.5), key: "2.5"))
        #expect(AnswerExpectation.text(maxLength: 9).check("Harbour") == .fits(.string("Harbour"), key: "harbour"))
    }

    @Test func theDefaultInvalidMessageSaysWhatFits() {
        #expect(AnswerExpectation.integer(min: 0, max: nil).invalidMessage == "Please answer with a whole number of at least 0.")
        #expect(AnswerExpectation.decimal(min: nil, max: 2.5).invalidMessage == "Please answer with a number of at most 2.5.")
        #expect(AnswerExpectation.choice(["Fire", "Flood"]).invalidMessage == "Please answer with one of: 1 Fire, 2 Flood.")
        #expect(AnswerExpectation.phone(countryCode: nil).invalidMessage == "Please answer with a phone number starting with + and the country code.")
    }
}
