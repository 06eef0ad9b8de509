import Foundation

/// What answer a declared step expects, and how an answer is read: the step's `expect` with
/// its settings. Reading is forgiving where people are (case, spaces, a unique prefix of a
/// choice, `2,5` for `2.5`) and strict about meaning (a range, a real calendar date, a phone
/// number the hub can send to), so what is saved in `data` is always in one form.
package enum AnswerExpectation: Sendable, Equatable {
    /// Any text of 1 to `maxLength` characters.
    case text(maxLength: Int)
    /// A whole number, within the bounds given.
    case integer(min: Int?, max: Int?)
    /// A number (`.` or `,` before the fraction), within the bounds given.
    case decimal(min: Double?, max: Double?)
    /// One of `options`, by its number (from 1) or its word, without regard to case; a
    /// unique prefix of a word will do.
    case choice([String])
    /// yes/y or no/n, or one of the extra words; saved as `true` or `false`.
    case yesNo(yes: [String], no: [String])
    /// `2026-12-24`, `24.12.2026` or `24/12/2026` (`12/24/2026` when not `dayFirst`);
    /// saved as `2026-12-24`.
    case date(dayFirst: Bool)
    /// `14:30`, `14.30`, `1430`, `2:30 pm`; saved as `14:30`.
    case time
    /// A phone number the hub can send SMS to (Core's `sms:` rules); with `countryCode`,
    /// national numbers too. Saved as `+4712345678`.
    case phone(countryCode: String?)
    /// An email address (Core's `mailto:` rules), saved with its domain lower-cased.
    case email
    /// Text the whole of which matches a regular expression (Swift `Regex` syntax).
    case pattern(String)

    /// The longest free text answer unless `max_length` says otherwise.
    package static let defaultMaxLength = 1000
    /// The longest answer, in bytes, that any kind but free text reads at all.
    package static let longestFormedAnswer = 4096
    /// The kind names the configuration uses for `expect`.
    package static let kinds = ["text", "integer", "decimal", "choice", "yes_no", "date", "time", "phone", "email", "pattern"]
    /// Yes and no words every yes/no step takes.
    package static let yesWords = ["yes", "y"]
    package static let noWords = ["no", "n"]

    /// What an answer told the step.
    package enum Check: Sendable, Equatable {
        /// The value to save, and the key a `next` map chooses by (lower-cased).
        case fits(JSONValue, key: String)
        case doesNotFit
    }

    /// Reads `answer` (the message text as it came).
    package func check(_ answer: String) -> Check {
        // Only free text may be long: a number, a date or a code is never 4 KB, and a pattern
        // is not run over 64 KB an attacker chose.
        if case .text = self {} else if answer.utf8.count > Self.longestFormedAnswer { return .doesNotFit }
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .doesNotFit }
        switch self {
        case .text(let maxLength):
            return text.count <= maxLength ? .fits(.string(text), key: text.lowercased()) : .doesNotFit
        case .integer(let min, let max):
            let compact = text.filter { $0 != " " }
            guard let n = Int(compact), min.map({ n >= $0 }) ?? true, max.map({ n <= $0 }) ?? true else { return .doesNotFit }
            return .fits(.number(Double(n)), key: String(n))
        case .decimal(let min, let max):
            let compact = text.filter { $0 != " " }.replacingOccurrences(of: ",", with: ".")
            guard compact.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
                let d = Double(compact), d.isFinite, min.map({ d >= $0 }) ?? true, max.map({ d <= $0 }) ?? true
            else { return .doesNotFit }
            return .fits(.number(d), key: JSONValue.number(d).text ?? compact)
        case .choice(let options):
            guard let option = Self.choose(text, among: options) else { return .doesNotFit }
            return .fits(.string(option), key: option.lowercased())
        case .yesNo(let yes, let no):
            let word = text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".!"))
            if (Self.yesWords + yes).contains(word) { return .fits(.bool(true), key: "yes") }
            if (Self.noWords + no).contains(word) { return .fits(.bool(false), key: "no") }
            return .doesNotFit
        case .date(let dayFirst):
            guard let date = AnswerParsing.date(text, dayFirst: dayFirst) else { return .doesNotFit }
            return .fits(.string(date), key: date)
        case .time:
            guard let time = AnswerParsing.time(text) else { return .doesNotFit }
            return .fits(.string(time), key: time)
        case .phone(let countryCode):
            guard let number = AnswerParsing.phone(text, countryCode: countryCode) else { return .doesNotFit }
            return .fits(.string(number), key: number)
        case .email:
            guard !text.contains(":"), case .email(let address)? = try? Address.parseEmail(text, original: text) else { return .doesNotFit }
            return .fits(.string(address), key: address.lowercased())
        case .pattern(let source):
            guard let regex = try? Regex(source), (try? regex.wholeMatch(in: text)) != nil else { return .doesNotFit }
            return .fits(.string(text), key: text.lowercased())
        }
    }

    /// The option `text` names: its number, the option itself (any case), or the only option
    /// it is a prefix of.
    static func choose(_ text: String, among options: [String]) -> String? {
        if let n = Int(text), (1...options.count).contains(n) { return options[n - 1] }
        let lower = text.lowercased()
        if let exact = options.first(where: { $0.lowercased() == lower }) { return exact }
        let candidates = options.filter { $0.lowercased().hasPrefix(lower) }
        return candidates.count == 1 ? candidates[0] : nil
    }

    /// What the party is told when an answer does not fit and the step says nothing itself.
    package var invalidMessage: String {
        switch self {
        case .text(let maxLength): "Please answer in at most \(maxLength) characters."
        case .integer(let min, let max): "Please answer with a whole number\(Self.range(min.map(String.init), max.map(String.init)))."
        case .decimal(let min, let max):
            "Please answer with a number\(Self.range(min.flatMap { JSONValue.number($0).text }, max.flatMap { JSONValue.number($0).text }))."
        case .choice(let options):
            "Please answer with one of: " + options.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: ", ") + "."
        case .yesNo: "Please answer yes or no."
        case .date(let dayFirst): "Please answer with a date, e.g. \(dayFirst ? "24.12.2026" : "12/24/2026") or 2026-12-24."
        case .time: "Please answer with a time, e.g. 14:30."
        case .phone(let countryCode): "Please answer with a phone number\(countryCode == nil ? " starting with + and the country code" : "")."
        case .email: "Please answer with an email address."
        case .pattern: "That answer does not have the expected form; please try again."
        }
    }

    static func range(_ min: String?, _ max: String?) -> String {
        switch (min, max) {
        case (let a?, let b?): " from \(a) to \(b)"
        case (let a?, nil): " of at least \(a)"
        case (nil, let b?): " of at most \(b)"
        case (nil, nil): ""
        }
    }
}
