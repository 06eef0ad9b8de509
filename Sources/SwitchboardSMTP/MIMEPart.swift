import Foundation
import SwitchboardCore

/// One entity of a MIME tree: its header lines and its encoded body.
///
/// ```
/// Content-Type: multipart/mixed; boundary="=_sb_…"
///
/// --=_sb_…
/// Content-Type: text/plain; charset=utf-8
/// Content-Transfer-Encoding: quoted-printable
///
/// …
/// --=_sb_…--
/// ```
///
/// Boundaries start with `=_`, which can appear in neither quoted-printable nor base64
/// output, so a body can never end a part early.
struct MIMEPart {
    var headers: String
    var body: String

    func rendered() -> String { headers + "\r\n" + body }

    static func boundary() -> String { "=_sb_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    static func multipart(_ subtype: String, _ parts: [MIMEPart]) -> MIMEPart {
        let b = boundary()
        var body = ""
        for p in parts { body += "--\(b)\r\n" + p.rendered() + "\r\n" }
        body += "--\(b)--\r\n"
        return MIMEPart(headers: MIMEText.header("Content-Type", "multipart/\(subtype); boundary=\"\(b)\""), body: body)
    }

    static func text(_ text: String, subtype: String) -> MIMEPart {
        let encoding = MIMEText.transferEncoding(for: text)
        let headers =
            MIMEText.header("Content-Type", "text/\(subtype); charset=utf-8")
            + MIMEText.header("Content-Transfer-Encoding", encoding.rawValue)
        return MIMEPart(headers: headers, body: MIMEText.encodeBody(text, encoding))
    }

    /// The body of a message: text, text + HTML alternative, then attachments around them.
    static func body(text: String, html: String?, attachments: [Attachment]) -> MIMEPart {
        var main: MIMEPart
        if let html {
            let plain = text.isEmpty ? HTMLText.plainText(html) : text
            main = multipart("alternative", [self.text(plain, subtype: "plain"), self.text(html, subtype: "html")])
        } else {
            main = self.text(text, subtype: "plain")
        }
        guard !attachments.isEmpty else { return main }
        return multipart("mixed", [main] + attachments.map(attachment))
    }

    static func attachment(_ a: Attachment) -> MIMEPart {
        let type = contentType(a)
        var headers: String
        var disposition = "attachment"
        if a.filename.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 && $0.value < 127 }) {
            let quoted = quote(a.filename)
            headers = MIMEText.header("Content-Type", "\(type); name=\(quoted)")
            disposition += "; filename=\(quoted)"
        } else {
            // RFC 2231 for readers that know it, an encoded-word name= for those that do not.
            let words = EncodedWord.encode(a.filename, firstLineUsed: " name=\"".count).joined(separator: " ")
            headers = MIMEText.header("Content-Type", "\(type); name=\"\(words)\"")
            disposition += "; " + rfc2231("filename", a.filename)
        }
        headers += MIMEText.header("Content-Disposition", disposition)
        headers += "Content-Transfer-Encoding: base64\r\n"
        return MIMEPart(headers: headers, body: MIMEText.base64Lines(a.data) + "\r\n")
    }

    /// The attachment's `type/subtype` (plus its charset, if any) when well formed, else a
    /// guess from the file name's extension, else `application/octet-stream`.
    static func contentType(_ a: Attachment) -> String {
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")
        let params = a.contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        if let main = params.first {
            let pieces = main.split(separator: "/", omittingEmptySubsequences: false)
            if pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty, main.allSatisfy({ token.contains($0) || $0 == "/" }),
                main.lowercased() != "application/octet-stream"
            {
                let charset = params.dropFirst().first { $0.lowercased().hasPrefix("charset=") && $0.allSatisfy { token.contains($0) || $0 == "=" } }
                return main.lowercased() + (charset.map { "; \($0)" } ?? "")
            }
        }
        let ext = a.filename.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return knownTypes[ext] ?? "application/octet-stream"
    }

    static let knownTypes: [String: String] = [
        "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv", "html": "text/html", "htm": "text/html",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
        "json": "application/json", "xml": "application/xml", "zip": "application/zip", "gz": "application/gzip",
        "doc": "application/msword", "xls": "application/vnd.ms-excel", "ics": "text/calendar",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `name*=UTF-8''%C3%A6rlig.pdf`, split into `name*0*=…; name*1*=…` when long
    /// (RFC 2231 sections 3 and 4), never cutting a `%XX` escape.
    static func rfc2231(_ name: String, _ value: String) -> String {
        let attrChar = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8)
        var pieces: [String] = []
        for b in value.utf8 { pieces.append(attrChar.contains(b) ? String(Unicode.Scalar(b)) : "%" + EncodedWord.hex(b)) }
        let encoded = pieces.joined()
        if encoded.utf8.count <= 60 { return "\(name)*=UTF-8''\(encoded)" }
        var sections: [String] = []
        var current = "UTF-8''"
        for p in pieces {
            if current.utf8.count + p.utf8.count > 60 {
                sections.append(current)
                current = ""
            }
            current += p
        }
        sections.append(current)
        return sections.enumerated().map { "\(name)*\($0.offset)*=\($0.element)" }.joined(separator: "; ")
    }
}
