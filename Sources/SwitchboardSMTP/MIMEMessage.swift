import Foundation
import SwitchboardCore

/// An email as the hub sends it, built into RFC 5322 / MIME text by `rendered()`.
///
/// Why a builder of our own: no MIME package exists in the dependency set, and the hub needs
/// exactly one shape, chosen by what the message has:
///
/// ```
/// text only                  text/plain
/// text + html                multipart/alternative [text/plain, text/html]
/// … + attachments            multipart/mixed [the above, attachment, attachment, …]
/// ```
///
/// The output is 7-bit clean (bodies in quoted-printable or base64 when they are not ASCII,
/// headers in RFC 2047 encoded-words, file names in RFC 2231), so it passes any SMTP server
/// without 8BITMIME. Every value that reaches a header is checked for CR and LF: rendering
/// throws `MIMEError.headerInjection` rather than letting a subject add a `Bcc:`.
package struct MIMEMessage: Sendable {
    package var from: MailAddress
    /// The `To:` header; the envelope recipients are given to the SMTP client separately.
    package var to: [MailAddress]
    package var cc: [MailAddress] = []
    package var replyTo: MailAddress?
    package var subject: String
    /// The plain-text body; when empty and `html` is set, a text version is made from the HTML.
    package var text: String
    package var html: String?
    package var attachments: [Attachment]
    /// `<unique@domain>`; a fresh one is made from the sender's domain.
    package var messageID: String
    package var date: Date
    /// Further headers (`X-Switchboard-Delivery`, `Auto-Submitted`), checked like the others.
    package var extraHeaders: [(name: String, value: String)] = []

    package init(
        from: MailAddress,
        to: [MailAddress],
        subject: String,
        text: String,
        html: String? = nil,
        attachments: [Attachment] = [],
        messageID: String? = nil,
        date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.date = date
        self.messageID = messageID ?? Self.makeMessageID(domain: from.domain)
    }

    /// `<uuid@domain>`.
    package static func makeMessageID(id: String = UUID().uuidString.lowercased(), domain: String) -> String {
        "<\(id)@\(domain)>"
    }

    /// The whole message, headers and body, with CRLF line endings and only ASCII characters.
    package func rendered() throws(MIMEError) -> String {
        try validate()
        var head = MIMEText.header("From", from.headerValue)
        head += MIMEText.header("To", to.isEmpty ? "undisclosed-recipients:;" : to.map(\.headerValue).joined(separator: ", "))
        if !cc.isEmpty { head += MIMEText.header("Cc", cc.map(\.headerValue).joined(separator: ", ")) }
        if let replyTo { head += MIMEText.header("Reply-To", replyTo.headerValue) }
        head += Self.subjectHeader(subject)
        head += MIMEText.header("Date", Self.rfc5322Date(date))
        head += MIMEText.header("Message-ID", messageID)
        head += "MIME-Version: 1.0\r\n"
        for h in extraHeaders { head += MIMEText.header(h.name, h.value) }
        let entity = MIMEPart.body(text: text, html: html, attachments: attachments)
        return head + entity.rendered()
    }

    /// The rendered message as bytes, for the SMTP client.
    package func renderedBytes() throws(MIMEError) -> [UInt8] { Array(try rendered().utf8) }

    func validate() throws(MIMEError) {
        try MIMEError.checkHeaderValue(subject, field: "subject")
        try MIMEError.checkHeaderValue(messageID, field: "Message-ID")
        guard messageID.hasPrefix("<"), messageID.hasSuffix(">"), messageID.contains("@"), !messageID.contains(" ") else {
            throw .invalidHeader("Message-ID '\(messageID)' must look like <id@domain>")
        }
        // Addresses were checked when they were made; a caller may have changed the fields since.
        for a in [from] + to + cc + (replyTo.map { [$0] } ?? []) {
            try MIMEError.checkHeaderValue(a.address, field: "email address")
            if let n = a.name { try MIMEError.checkHeaderValue(n, field: "display name of \(a.address)") }
        }
        for a in attachments {
            try MIMEError.checkHeaderValue(a.filename, field: "attachment file name")
            try MIMEError.checkHeaderValue(a.contentType, field: "content type of attachment \(a.filename)")
        }
        for h in extraHeaders {
            guard !h.name.isEmpty, h.name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
                throw .invalidHeader("header name '\(h.name)' is not a valid field name")
            }
            try MIMEError.checkHeaderValue(h.value, field: "header \(h.name)")
            guard h.value.unicodeScalars.allSatisfy(\.isASCII) else { throw .invalidHeader("header \(h.name) must be ASCII") }
        }
    }

    /// Plain ASCII subjects stay readable; anything else (or text that looks like an
    /// encoded-word) becomes UTF-8 encoded-words.
    static func subjectHeader(_ subject: String) -> String {
        let plain = subject.unicodeScalars.allSatisfy { $0.isASCII && ($0.value >= 32 && $0.value < 127 || $0 == "\t") }
        if plain && !subject.contains("=?") { return MIMEText.header("Subject", subject) }
        return MIMEText.header("Subject", EncodedWord.encode(subject, firstLineUsed: "Subject: ".count).joined(separator: " "))
    }

    /// `Tue, 14 May 2024 09:30:00 +0000` (RFC 5322 section 3.3), always in UTC.
    package static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }
}
