import SwitchboardCore

/// One SMTP server reply: a three-digit code and its text lines (RFC 5321 section 4.2).
///
/// Why the classification lives here: the whole connector follows one rule — 2xx done,
/// 3xx go on, 4xx try again later (transient), 5xx never (permanent) — so every step asks the
/// reply rather than comparing codes itself.
package struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    package var code: Int
    /// The text of each line, without the code and separator.
    package var lines: [String]

    package init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
    }
    package init(_ code: Int, _ text: String) { self.init(code: code, lines: [text]) }

    package var isPositive: Bool { (200..<300).contains(code) }
    package var isIntermediate: Bool { (300..<400).contains(code) }
    package var isTransientFailure: Bool { (400..<500).contains(code) }
    package var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// `code text` on one line, lines joined by spaces, cut at 300 characters for error messages.
    package var description: String {
        let text = "\(code) " + lines.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    /// The error a refusal means: 4xx transient, everything else that is not 2xx/3xx permanent.
    func error(_ what: String) -> ConnectorError {
        isTransientFailure ? .transient("\(what): \(self)") : .permanent("\(what): \(self)")
    }
}
