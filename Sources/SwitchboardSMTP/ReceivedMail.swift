import Foundation
import SwitchboardCore

/// A mail as it arrived over SMTP, read into what the hub keeps: subject, plain text, HTML and
/// attachments.
///
/// Why the hub reads MIME itself: the inbound listener must turn whatever a mail client sent
/// (nested multiparts, base64 or quoted-printable, Latin-1 or UTF-8, encoded-word subjects,
/// RFC 2231 file names) into an `InboundMessage`. The first `text/plain` and the first
/// `text/html` that are not attachments become the bodies; every other leaf is an attachment.
/// Reading is lenient: a broken part is skipped rather than losing the whole mail.
package struct ReceivedMail: Sendable {
    /// Header fields, unfolded, in order; values still raw (not 2047-decoded).
    package var headers: [(name: String, value: String)]
    package var subject: String?
    package var text: String?
    package var html: String?
    package var attachments: [Attachment]

    /// Multiparts nested deeper than this are not read (a defence against crafted mail).
    static let maxDepth = 20

    package init(parsing bytes: [UInt8]) {
        let (headers, body) = Self.splitEntity(bytes[...])
        self.headers = headers
        subject = headers.first { $0.name.lowercased() == "subject" }.map { EncodedWord.decode($0.value) }
        text = nil
        html = nil
        attachments = []
        read(headers: headers, body: body, depth: 0)
    }

    /// The first value of a header, encoded-words decoded.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }.map { EncodedWord.decode($0.value) }
    }

    mutating func read(headers: [(name: String, value: String)], body: ArraySlice<UInt8>, depth: Int) {
        let typeHeader = headers.last { $0.name.lowercased() == "content-type" }?.value ?? "text/plain; charset=us-ascii"
        let type = MIMEHeaderField(parsing: typeHeader)
        let disposition = headers.last { $0.name.lowercased() == "content-disposition" }.map { MIMEHeaderField(parsing: $0.value) }
        let encoding =
            headers.last { $0.name.lowercased() == "content-transfer-encoding" }?.value
            .trimmingCharacters(in: .whitespaces).lowercased() ?? "7bit"

        if type.value.hasPrefix("multipart/"), depth < Self.maxDepth, let boundary = type.parameters["boundary"], !boundary.isEmpty {
            for part in Self.splitMultipart(body, boundary: boundary) {
                let (h, b) = Self.splitEntity(part)
                read(headers: h, body: b, depth: depth + 1)
            }
            return
        }
        let data = Self.decodeTransfer(body, encoding: encoding)
        let filename = disposition?.parameters["filename"] ?? type.parameters["name"]
        let isAttachment = disposition?.value == "attachment" || filename != nil
        if !isAttachment, type.value == "text/plain", text == nil {
            text = Self.normalizeNewlines(MIMECharset.decode(data, charset: type.parameters["charset"] ?? "us-ascii"))
        } else if !isAttachment, type.value == "text/html", html == nil {
            html = Self.normalizeNewlines(MIMECharset.decode(data, charset: type.parameters["charset"] ?? "us-ascii"))
        } else {
            let name = filename ?? "part-\(attachments.count + 1)"
            attachments.append(Attachment(filename: name, contentType: type.value, data: Data(data)))
        }
    }

    /// Header fields and body of one entity; the header block ends at the first empty line.
    static func splitEntity(_ bytes: ArraySlice<UInt8>) -> ([(name: String, value: String)], ArraySlice<UInt8>) {
        var lines: [String] = []
        var i = bytes.startIndex
        var bodyStart = bytes.endIndex
        while i < bytes.endIndex {
            var end = i
            while end < bytes.endIndex, bytes[end] != 10 { end += 1 }
            var line = bytes[i..<end]
            if line.last == 13 { line = line.dropLast() }
            let next = end < bytes.endIndex ? end + 1 : end
            if line.isEmpty {
                bodyStart = next
                break
            }
            let text = MIMECharset.decode(Array(line), charset: "utf-8")
            if line.first == 32 || line.first == 9, !lines.isEmpty { lines[lines.count - 1] += text } else { lines.append(text) }
            i = next
            bodyStart = i
        }
        let fields: [(name: String, value: String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
        return (fields, bytes[bodyStart...])
    }

    /// The parts between `--boundary` lines, up to `--boundary--`; the CRLF before each
    /// boundary line belongs to the boundary.
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let marker = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var i = body.startIndex
        while i < body.endIndex {
            var end = i
            while end < body.endIndex, body[end] != 10 { end += 1 }
            var line = body[i..<end]
            if line.last == 13 { line = line.dropLast() }
            if line.starts(with: marker) {
                let rest = line.dropFirst(marker.count)
                let closing = rest.starts(with: [45, 45])
                if closing || rest.allSatisfy({ $0 == 32 || $0 == 9 }) {
                    if let s = partStart {
                        var e = i
                        if e > s, body[e - 1] == 10 { e -= 1 }
                        if e > s, body[e - 1] == 13 { e -= 1 }
                        parts.append(body[s..<max(s, e)])
                    }
                    if closing { return parts }
                    partStart = end < body.endIndex ? end + 1 : end
                }
            }
            i = end < body.endIndex ? end + 1 : end
        }
        if let s = partStart, s < body.endIndex { parts.append(body[s...]) }
        return parts
    }

    static func decodeTransfer(_ body: ArraySlice<UInt8>, encoding: String) -> [UInt8] {
        switch encoding {
        case "base64":
            let clean = body.filter { !($0 == 13 || $0 == 10 || $0 == 32 || $0 == 9) }
            var text = String(decoding: clean, as: UTF8.self)
            while text.utf8.count % 4 != 0 { text += "=" }
            return Data(base64Encoded: text, options: .ignoreUnknownCharacters).map(Array.init) ?? Array(body)
        case "quoted-printable":
            return QuotedPrintable.decode(Array(body))
        default:
            return Array(body)
        }
    }

    static func normalizeNewlines(_ s: String) -> String {
        MIMEText.lines(s).joined(separator: "\n")
    }
}
