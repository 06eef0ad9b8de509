/// Readers for the answers of declared steps that have a fixed form (dates, times, phone
/// numbers), by hand: they run on every answer, and Foundation's formatters accept more than
/// they should (`31.02.2026` rolls over to March).
enum AnswerParsing {
    /// `YYYY-MM-DD`, or day, month and year separated by `.` or `/` (month first for `/` when
    /// not `dayFirst`); a real calendar date between the years 1000 and 9999, as `YYYY-MM-DD`.
    static func date(_ text: String, dayFirst: Bool) -> String? {
        let fields: [Substring]
        let year: Int?
        let month: Int?
        let day: Int?
        if text.contains("-") {
            fields = text.split(separator: "-", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0].count == 4 else { return nil }
            (year, month, day) = (number(fields[0]), number(fields[1]), number(fields[2]))
        } else {
            let slash = text.contains("/")
            fields = text.split(separator: slash ? "/" : ".", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].count == 4 else { return nil }
            let monthFirst = slash && !dayFirst
            year = number(fields[2])
            month = number(monthFirst ? fields[0] : fields[1])
            day = number(monthFirst ? fields[1] : fields[0])
        }
        guard fields.allSatisfy({ (1...4).contains($0.count) }), let year, let month, let day,
            (1000...9999).contains(year), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day)
        else { return nil }
        return "\(year)-\(twoDigits(month))-\(twoDigits(day))"
    }

    static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `H:MM`, `H.MM`, `HHMM`, or an hour alone with `am`/`pm` (`2 pm`, `2:30pm`); as `HH:MM`.
    static func time(_ text: String) -> String? {
        var t = Substring(text.lowercased().filter { $0 != " " })
        var shift: Int?
        for (suffix, add) in [("am", 0), ("a.m.", 0), ("pm", 12), ("p.m.", 12)] where t.hasSuffix(suffix) {
            t = t.dropLast(suffix.count)
            shift = add
            break
        }
        var hour: Int?
        var minute: Int? = 0
        if let sep = t.firstIndex(where: { $0 == ":" || $0 == "." }) {
            let m = t[t.index(after: sep)...]
            guard m.count == 2, (1...2).contains(t[..<sep].count) else { return nil }
            (hour, minute) = (number(t[..<sep]), number(m))
        } else if t.count == 4 && shift == nil {
            (hour, minute) = (number(t.prefix(2)), number(t.suffix(2)))
        } else if (1...2).contains(t.count) && shift != nil {
            hour = number(t)
        } else {
            return nil
        }
        guard var hour, let minute, (0...59).contains(minute) else { return nil }
        if let shift {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + shift
        }
        guard (0...23).contains(hour) else { return nil }
        return "\(twoDigits(hour)):\(twoDigits(minute))"
    }

    /// An international number (`+47 123 45 678`, `0047…`), or with `countryCode` a national
    /// one (`123 45 678`, or with a trunk `0`); checked by Core's `sms:` rules, as `+…`.
    static func phone(_ text: String, countryCode: String?) -> String? {
        let compact = text.filter { !" -().".contains($0) }
        let international: String
        if compact.hasPrefix("+") {
            international = compact
        } else if compact.hasPrefix("00") {
            international = "+" + compact.dropFirst(2)
        } else if let countryCode, compact.allSatisfy({ $0.isASCII && $0.isNumber }), compact.count >= 4 {
            international = "+" + countryCode + (compact.hasPrefix("0") ? compact.dropFirst() : Substring(compact))
        } else {
            return nil
        }
        guard case .sms(let number)? = try? Address.parseSMS(international, original: text), number.hasPrefix("+") else { return nil }
        return number
    }

    static func number(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
