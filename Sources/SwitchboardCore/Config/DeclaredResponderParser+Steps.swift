import Foundation

// The steps of a declared responder: each read on its own, then `next` checked against all.
extension DeclaredResponderParser {
    /// Keys that belong to one kind of `expect`, to refuse them under another.
    static let kindKeys: [String: [String]] = [
        "text": ["max_length"], "integer": ["min", "max"], "decimal": ["min", "max"], "choice": ["options"],
        "yes_no": ["yes_words", "no_words"], "date": ["day_first"], "phone": ["country_code"], "pattern": ["pattern"],
    ]

    func step(_ s: ConfigReader) {
        switch s.node {
        case .scalar, .sequence: return  // the reader has said it is not a mapping
        default: break
        }
        let stepName = s.string("name", required: true) ?? ""
        if !stepName.isEmpty {
            if !HubConfiguration.isValidName(stepName) || stepName.hasPrefix("_") || stepName == "end" {
                s.problem("name", "step name must be 1-64 characters of a-z, 0-9, '_' or '-', not starting with '_', and not 'end'")
            } else if steps.contains(where: { $0.step.name == stepName }) {
                s.problem("name", "step '\(stepName)' is declared twice")
            }
        }
        let prompt = template(s, "prompt", required: true) ?? ""
        var step = DeclaredStep(name: stepName, prompt: prompt, expect: expectation(s))
        step.invalid = template(s, "invalid")
        if let tries = s.int("tries", in: 1...100) { step.tries = tries }
        let exhausted = s.string("when_exhausted") ?? "abort"
        let abortMessage = template(s, "abort_message")
        switch exhausted {
        case "abort": step.whenExhausted = .abort(message: abortMessage)
        case "skip":
            step.whenExhausted = .skip
            if abortMessage != nil { s.problem("abort_message", "applies only with when_exhausted: abort") }
        default: s.problem("when_exhausted", "'\(exhausted)' is not one of: abort, skip")
        }
        if let path = s.string("save_as") {
            if let parsed = DataPath(parsing: path) {
                step.saveAs = parsed
            } else {
                s.problem("save_as", "'\(path)' is not a key path: names of a-z, A-Z, 0-9, '_' or '-' joined by '.', none starting with '_'")
            }
        }
        if let other = steps.first(where: { $0.step.saveAs != step.saveAs && $0.step.saveAs.overlaps(step.saveAs) }) {
            s.problem(
                "save_as",
                "'\(step.saveAs)' overlaps '\(other.step.saveAs)', where step '\(other.step.name)' saves; one would overwrite the other"
            )
        }
        step.list = s.string("list")
        steps.append((step, s, next(s)))
        s.rejectUnknownKeys()
    }

    func expectation(_ s: ConfigReader) -> AnswerExpectation {
        let kind = s.string("expect") ?? "text"
        let allowed = Set(Self.kindKeys[kind] ?? [])
        for key in Set(Self.kindKeys.values.joined()).subtracting(allowed).sorted() where s.has(key) {
            _ = s.value(key)
            let kinds = Self.kindKeys.filter { $0.value.contains(key) }.keys.sorted().joined(separator: " or ")
            s.problem(key, "applies only to expect: \(kinds)")
        }
        switch kind {
        case "text": return .text(maxLength: s.int("max_length", in: 1...65_536) ?? AnswerExpectation.defaultMaxLength)
        case "integer":
            let (min, max) = (s.int("min"), s.int("max"))
            if let min, let max, min > max { s.problem("max", "\(max) is less than min \(min)") }
            return .integer(min: min, max: max)
        case "decimal":
            let (min, max) = (s.double("min"), s.double("max"))
            if let min, let max, min > max { s.problem("max", "\(max) is less than min \(min)") }
            return .decimal(min: min, max: max)
        case "choice": return .choice(options(s))
        case "yes_no":
            let yes = (s.stringList("yes_words") ?? []).map { $0.lowercased() }
            let no = (s.stringList("no_words") ?? []).map { $0.lowercased() }
            let both = Set(AnswerExpectation.yesWords + yes).intersection(AnswerExpectation.noWords + no)
            if !both.isEmpty { s.problem("no_words", "\(both.sorted().map { "'\($0)'" }.joined(separator: ", ")) would mean both yes and no") }
            return .yesNo(yes: yes, no: no)
        case "date": return .date(dayFirst: s.bool("day_first") ?? true)
        case "time": return .time
        case "phone":
            let code = s.string("country_code")
            if let code, !(1...3).contains(code.count) || !code.allSatisfy({ $0.isASCII && $0.isNumber }) || code.hasPrefix("0") {
                s.problem("country_code", "'\(code)' is not a country calling code (1 to 3 digits, e.g. 47)")
            }
            return .phone(countryCode: code)
        case "email": return .email
        case "pattern":
            let source = s.string("pattern", required: true) ?? ""
            do {
                _ = try Regex(source)
            } catch {
                s.problem("pattern", "'\(source)' is not a regular expression: \(error)")
            }
            return .pattern(source)
        default:
            s.problem("expect", "'\(kind)' is not one of: \(AnswerExpectation.kinds.joined(separator: ", "))")
            return .text(maxLength: AnswerExpectation.defaultMaxLength)
        }
    }

    func options(_ s: ConfigReader) -> [String] {
        let options = s.stringList("options") ?? []
        if options.isEmpty { s.problem("options", s.has("options") ? "must list at least one option" : "missing; a choice needs its options") }
        var seen: Set<String> = []
        for option in options {
            if option.trimmingCharacters(in: .whitespaces).isEmpty {
                s.problem("options", "an option must not be empty")
            } else if Int(option) != nil {
                s.problem("options", "'\(option)' is a number, but a number answers by position; write it as a word")
            } else if !seen.insert(option.lowercased()).inserted {
                s.problem("options", "'\(option)' is listed twice")
            }
        }
        return options
    }

    /// `next` and `end` as written.
    func next(_ s: ConfigReader) -> UnresolvedNext {
        let end = s.bool("end") ?? false
        guard let node = s.value("next") else { return end ? .target("end", s, key: "end") : .following }
        if end { s.problem("end", "give next or end, not both") }
        switch node {
        case .scalar(let target, _): return .target(target, s, key: "next")
        case .mapping:
            guard let m = s.child("next") else { return .following }
            var pairs: [(answer: String, target: String)] = []
            var otherwise: String?
            for answer in m.keys {
                guard let target = m.string(answer) else { continue }
                if answer == "default" { otherwise = target } else { pairs.append((answer, target)) }
            }
            return .byAnswer(pairs, otherwise: otherwise, m)
        default:
            s.problem("next", "expected a step name, or a mapping of answers to step names with a default")
            return .following
        }
    }

    /// Every step with its `next` resolved: targets checked, answers of a `next` map read as
    /// the step reads answers, and a default required unless the map covers every answer.
    func resolveSteps(lists: [DeclaredList]) -> [DeclaredStep] {
        let names = steps.map(\.step.name)
        func target(_ t: String, _ reader: ConfigReader, _ key: String) -> DeclaredTarget? {
            if t == "end" { return .end }
            if names.contains(t) { return .step(t) }
            reader.problem(key, "unknown step '\(t)'; steps: \(names.joined(separator: ", ")), or end")
            return nil
        }
        var out: [DeclaredStep] = []
        for (i, entry) in steps.enumerated() {
            var step = entry.step
            switch entry.next {
            case .following:
                step.next = i + 1 < steps.count ? .step(steps[i + 1].step.name) : .end
            case .target(let t, let reader, let key):
                switch target(t, reader, key) {
                case .step(let s)?: step.next = .step(s)
                default: step.next = .end
                }
            case .byAnswer(let pairs, let otherwise, let m):
                var map: [String: DeclaredTarget] = [:]
                for (answer, t) in pairs {
                    guard case .fits(_, let key) = step.expect.check(answer) else {
                        m.problem(answer, "'\(answer)' is not an answer step '\(step.name)' accepts")
                        continue
                    }
                    if map[key] != nil { m.problem(answer, "'\(answer)' means the same answer as another entry") }
                    if let resolved = target(t, m, answer) { map[key] = resolved }
                }
                let fallback = otherwise.flatMap { target($0, m, "default") }
                if otherwise == nil && !Self.covers(map, step.expect) {
                    m.problem(nil, "add a default: the step to go to for answers not listed (a step name, or end)")
                }
                if case .skip = step.whenExhausted, otherwise == nil {
                    entry.reader.problem("when_exhausted", "skip needs next.default: the step to go to when no answer fitted")
                }
                step.next = .byAnswer(map, otherwise: fallback)
            }
            if let list = step.list, !lists.contains(where: { $0.name == list }) {
                let declared = lists.map(\.name).joined(separator: ", ")
                entry.reader.problem("list", "unknown list '\(list)'; this responder's lists: \(declared.isEmpty ? "none" : declared)")
            }
            out.append(step)
        }
        return out
    }

    /// Whether a `next` map names a step for every answer the step can accept.
    static func covers(_ map: [String: DeclaredTarget], _ expect: AnswerExpectation) -> Bool {
        switch expect {
        case .choice(let options): options.allSatisfy { map[$0.lowercased()] != nil }
        case .yesNo: map["yes"] != nil && map["no"] != nil
        default: false
        }
    }
}
