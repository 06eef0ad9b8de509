import Foundation

/// A message template from the configuration (`templates:`): Mustache sources for a message's
/// subject, plain text and HTML, filled from the `data` of a send request that names it.
///
/// Core keeps only the sources; the HTTP layer compiles and renders them (Core has no
/// template engine), and `check-config` asks it to compile them, so a syntax error shows
/// before the hub starts.
package struct MessageTemplateSettings: Sendable, Equatable {
    package var name: String
    /// Rendered as plain text (no escaping); line breaks become spaces.
    package var subject: String?
    /// Rendered as plain text: what SMS and IM recipients get, and the email's text part.
    package var text: String
    /// Rendered as HTML: `{{name}}` escapes the data (`<`, `&`, quotes), `{{{name}}}` does not.
    package var html: String?
    /// Where each part was written (`subject`, `text`, `html`; the `_file` key for a file),
    /// so that one the HTTP layer cannot compile is reported with its line.
    package var marks: [String: ConfigMark] = [:]
    package init(name: String, subject: String? = nil, text: String, html: String? = nil) {
        self.name = name
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// Equal when they render alike, wherever they were written.
    package static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.subject == b.subject && a.text == b.text && a.html == b.html
    }
}

extension HubConfiguration {
    /// Largest template source read from a file.
    static let maxTemplateFileBytes = 1 << 20

    /// Reads `templates:` (names to `subject`, `text` or `text_file`, `html` or `html_file`),
    /// reporting every problem through `top`'s log. Files are read now, relative to the working
    /// directory, so a missing file stops `serve` and shows in `check-config`.
    package static func parseTemplates(_ top: ConfigReader) -> [MessageTemplateSettings] {
        var out: [MessageTemplateSettings] = []
        for (name, r) in top.namedChildren("templates") {
            if !isValidName(name) { r.problem(nil, "template name must be 1-64 characters of a-z, 0-9, '_' or '-'") }
            let subject = r.string("subject")
            if let subject, subject.isEmpty { r.problem("subject", "must not be empty") }
            let text = source(r, inline: "text", file: "text_file", required: true)
            let html = source(r, inline: "html", file: "html_file", required: false)
            r.rejectUnknownKeys()
            guard let text else { continue }
            var settings = MessageTemplateSettings(name: name, subject: subject, text: text, html: html)
            let files = templateMarks(r, ["text_file", "html_file"])
            settings.marks = templateMarks(r, ["subject", "text", "html"])
            settings.marks["text"] = settings.marks["text"] ?? files["text_file"]
            settings.marks["html"] = settings.marks["html"] ?? files["html_file"]
            out.append(settings)
        }
        return out
    }

    /// The template source from `inline` or from the file named by `file`; exactly one may be given.
    static func source(_ r: ConfigReader, inline: String, file: String, required: Bool) -> String? {
        let given = r.string(inline)
        let path = r.string(file)
        switch (given, path) {
        case (.some, .some):
            r.problem(file, "give \(inline) or \(file), not both")
            return nil
        case (.some(let s), nil):
            if s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                r.problem(inline, "must not be empty")
                return nil
            }
            return s
        case (nil, .some(let p)):
            guard let data = FileManager.default.contents(atPath: p) else {
                r.problem(file, "cannot read '\(p)' (relative paths are from the working directory)")
                return nil
            }
            guard data.count <= maxTemplateFileBytes, let s = String(data: data, encoding: .utf8) else {
                r.problem(file, "'\(p)' is not UTF-8 text of at most \(maxTemplateFileBytes) bytes")
                return nil
            }
            return s
        case (nil, nil):
            if required { r.problem(inline, "missing; give \(inline) (a Mustache template) or \(file)") }
            return nil
        }
    }
}
