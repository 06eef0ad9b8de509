import Foundation

/// How many SMS a text costs, and why: the figures a sender needs before paying for three
/// messages instead of one because of a single `ç` or emoji.
///
/// Units are septets for `gsm7` (an extension-table character counts two) and UTF-16 code
/// units for `ucs2` (a character outside the Basic Multilingual Plane counts two).
package struct SMSCount: Codable, Sendable, Equatable {
    /// The encoding a phone network would use for the text.
    package enum Encoding: String, Codable, Sendable { case gsm7, ucs2 }

    package var encoding: Encoding
    /// Septets (gsm7) or UTF-16 code units (ucs2) of the whole text.
    package var units: Int
    /// SMS needed: 1 while the text fits one message, else the concatenated parts.
    package var parts: Int
    /// Units one part holds: 160/70 for a single message, 153/67 for concatenated parts
    /// (the user data header takes the rest).
    package var perPart: Int
    /// Units still free in the last part (a part that had to end early at an escape pair or
    /// surrogate pair is not counted here; only the last part's free room).
    package var remainingInLastPart: Int
    /// The characters that forced UCS-2, each once, in order of first appearance; empty for gsm7.
    package var nonGSMCharacters: [String]

    package init(encoding: Encoding, units: Int, parts: Int, perPart: Int, remainingInLastPart: Int, nonGSMCharacters: [String]) {
        self.encoding = encoding
        self.units = units
        self.parts = parts
        self.perPart = perPart
        self.remainingInLastPart = remainingInLastPart
        self.nonGSMCharacters = nonGSMCharacters
    }
}

/// SMS text encoding rules (3GPP TS 23.038 / 23.040): counting, splitting into parts and
/// cutting to fit, so packing, the CLI and the pre-send report (`Hub.preview`) agree with
/// what the network will charge. In Core, beside `GSMAlphabet`, since the report is Core's.
///
/// The text is taken in Unicode NFC, as phones and gateways send it, so a decomposed `é`
/// (e + combining accent) counts as the GSM character it is. Parts are cut between Unicode
/// scalars, never inside an ESC + character pair (gsm7) or a surrogate pair (ucs2): such a
/// part ends one unit early, holding 152 septets or 66 UTF-16 units.
package enum SMSEncoding {
    /// Septets in a single 7-bit SMS, and in each part of a concatenated one.
    package static let gsm7Single = 160, gsm7Part = 153
    /// UTF-16 code units in a single UCS-2 SMS, and in each part of a concatenated one.
    package static let ucs2Single = 70, ucs2Part = 67

    /// The encoding, size and number of parts of `text`.
    package static func count(_ text: String) -> SMSCount {
        let a = analyse(text)
        let parts = layout(a)
        let single = parts.count == 1
        let perPart =
            switch a.encoding {
            case .gsm7: single ? gsm7Single : gsm7Part
            case .ucs2: single ? ucs2Single : ucs2Part
            }
        let lastUnits = parts.last.map { $0.reduce(0) { $0 + $1.units } } ?? 0
        return SMSCount(
            encoding: a.encoding,
            units: a.units,
            parts: parts.count,
            perPart: perPart,
            remainingInLastPart: perPart - lastUnits,
            nonGSMCharacters: a.nonGSM
        )
    }

    /// `text` (in NFC) cut into the parts a gateway would send; one part if it fits a single SMS.
    /// An empty text is one empty part, as it costs one SMS.
    package static func split(_ text: String) -> [String] {
        layout(analyse(text)).map { part in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: part.map(\.scalar))
            return String(view)
        }
    }

    /// Whether `text` goes in at most `maxParts` SMS.
    package static func fits(_ text: String, maxParts: Int) -> Bool { count(text).parts <= maxParts }

    /// The longest prefix of `text` (whole characters, in NFC) that fits in `maxParts` SMS.
    /// Adding characters never makes a text cheaper, so a binary search over prefixes finds it.
    package static func truncate(_ text: String, toParts maxParts: Int) -> String {
        let characters = Array(text.precomposedStringWithCanonicalMapping)
        var low = 0
        var high = characters.count  // low always fits; find the largest that does
        if fits(String(characters), maxParts: maxParts) { return String(characters) }
        while low < high {
            let mid = (low + high + 1) / 2
            if fits(String(characters[..<mid]), maxParts: maxParts) { low = mid } else { high = mid - 1 }
        }
        return String(characters[..<low])
    }

    // MARK: - Internals

    struct Unit {
        var scalar: Unicode.Scalar
        var units: Int
    }
    struct Analysis {
        var encoding: SMSCount.Encoding
        var items: [Unit]
        var units: Int
        var nonGSM: [String]
    }

    static func analyse(_ text: String) -> Analysis {
        let normalized = text.precomposedStringWithCanonicalMapping
        var nonGSM: [String] = []
        var seen: Set<String> = []
        for character in normalized where character.unicodeScalars.contains(where: { GSMAlphabet.septets($0) == nil }) {
            let s = String(character)
            if seen.insert(s).inserted { nonGSM.append(s) }
        }
        let encoding: SMSCount.Encoding = nonGSM.isEmpty ? .gsm7 : .ucs2
        let items = normalized.unicodeScalars.map { scalar in
            Unit(scalar: scalar, units: encoding == .gsm7 ? GSMAlphabet.septets(scalar) ?? 1 : UTF16.width(scalar))
        }
        return Analysis(encoding: encoding, items: items, units: items.reduce(0) { $0 + $1.units }, nonGSM: nonGSM)
    }

    /// Cuts the units into parts: all in one if they fit a single SMS, else greedily into
    /// concatenated parts, starting a new part when the next scalar would not fit whole.
    static func layout(_ a: Analysis) -> [[Unit]] {
        let (single, part) = a.encoding == .gsm7 ? (gsm7Single, gsm7Part) : (ucs2Single, ucs2Part)
        if a.units <= single { return [a.items] }
        var parts: [[Unit]] = [[]]
        var used = 0
        for item in a.items {
            if used + item.units > part {
                parts.append([])
                used = 0
            }
            parts[parts.count - 1].append(item)
            used += item.units
        }
        return parts
    }
}
