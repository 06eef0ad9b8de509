/// NUL (U+0000) in text, which the store cannot keep.
///
/// SQLite's C API, as GRDB calls it, binds and reads text up to its first NUL, so
/// "before\u{0}after" would be kept, listed and sent as "before". Nothing is cut silently:
/// where a person or a program can correct the text (the API, webhooks, topic frames, the
/// CLI) it is refused with the field named; what a gateway hands over (SMS, email) cannot be
/// sent back, so it is kept whole with U+FFFD in each NUL's place, and the change is logged.
package enum NULText {
    package static let replacement: Unicode.Scalar = "\u{FFFD}"

    package static func contains(_ text: String?) -> Bool { text?.utf8.contains(0) ?? false }

    /// `text` with each NUL replaced by U+FFFD.
    package static func replaced(_ text: String) -> String {
        guard contains(text) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { out.append(s == "\u{0}" ? replacement : s) }  // scalars: NUL may lead a grapheme
        return String(out)
    }

    /// The refusal for a field that holds NUL.
    package static func refusal(_ field: String) -> String {
        "'\(field)' contains a NUL character (U+0000), which cannot be stored; remove it"
    }
}

extension InboundMessage {
    /// Replaces NUL in every text field (see `NULText`); returns the names of the fields changed.
    package mutating func replaceNUL() -> [String] {
        var changed: [String] = []
        func fix(_ value: inout String, _ name: String) {
            if NULText.contains(value) {
                value = NULText.replaced(value)
                changed.append(name)
            }
        }
        fix(&text, "text")
        if var s = subject {
            fix(&s, "subject")
            subject = s
        }
        if var h = html {
            fix(&h, "html")
            html = h
        }
        for i in attachments.indices {
            fix(&attachments[i].filename, "attachments[\(i)].filename")
            fix(&attachments[i].contentType, "attachments[\(i)].content_type")
        }
        return changed
    }
}
