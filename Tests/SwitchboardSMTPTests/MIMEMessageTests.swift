import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

@Suite("MIME builder")
struct MIMEMessageTests {
    let from = try! MailAddress("alerts@hub.example.org", name: "Switchboard")
    let to = try! MailAddress("kari@example.org")

    /// The top header block, unfolded.
    func headerBlock(_ s: String) -> String {
        String(s[..<s.range(of: "\r\n\r\n")!.lowerBound]).replacingOccurrences(of: "\r\n ", with: " ")
    }

    @Test("a plain ASCII mail is one 7bit text/plain part with MIME-Version, Date and Message-ID")
    func plainText() throws {
        let mail = MIMEMessage(from: from, to: [to], subject: "Road closed", text: "Road closed at km 12.\nDetour via E6.")
        let out = try mail.rendered()
        let head = headerBlock(out)
        #expect(head.contains("From: Switchboard <alerts@hub.example.org>\r\n"))
        #expect(head.contains("To: kari@example.org\r\n"))
        #expect(head.contains("Subject: Road closed\r\n"))
        #expect(head.contains("MIME-Version: 1.0\r\n"))
        #expect(head.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit"))
        #expect(mail.messageID.hasPrefix("<") && mail.messageID.hasSuffix("@hub.example.org>"))
        #expect(UUID(uuidString: String(mail.messageID.dropFirst().prefix(36))) != nil)
        let date = try #require(ReceivedMail(parsing: Array(out.utf8)).header("Date"))
        #expect(date.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) != nil)
        #expect(out.hasSuffix("Road closed at km 12.\r\nDetour via E6."))
        let parsed = ReceivedMail(parsing: Array(out.utf8))
        #expect(parsed.text == "Road closed at km 12.\nDetour via E6.")
        #expect(parsed.html == nil && parsed.attachments.isEmpty)
    }

    @Test("every kind of line ending in a body becomes CRLF, and no bare CR or LF is left")
    func lineEndings() throws {
        let out = try MIMEMessage(from: from, to: [to], subject: "x", text: "a\nb\rc\r\nd").rendered()
        #expect(out.hasSuffix("\r\n\r\na\r\nb\r\nc\r\nd"))
        let bytes = Array(out.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 10 { #expect(i > 0 && bytes[i - 1] == 13) }
            if b == 13 { #expect(i + 1 < bytes.count && bytes[i + 1] == 10) }
        }
    }

    @Test("HTML with a plain-text alternative is multipart/alternative, text first")
    func htmlAlternative() throws {
        let mail = MIMEMessage(from: from, to: [to], subject: "Status", text: "All good", html: "<p>All <b>good</b></p>")
        let out = try mail.rendered()
        #expect(headerBlock(out).contains("Content-Type: multipart/alternative; boundary=\"=_sb_"))
        let plainAt = try #require(out.range(of: "text/plain")).lowerBound
        let htmlAt = try #require(out.range(of: "text/html")).lowerBound
        #expect(plainAt < htmlAt)
        let parsed = ReceivedMail(parsing: Array(out.utf8))
        #expect(parsed.text == "All good")
        #expect(parsed.html == "<p>All <b>good</b></p>")
    }

    @Test("HTML without text gets a text part made from the HTML")
    func htmlOnly() throws {
        let out = try MIMEMessage(from: from, to: [to], subject: "s", text: "", html: "<h1>Alert</h1><p>Fire &amp; smoke</p>").rendered()
        #expect(ReceivedMail(parsing: Array(out.utf8)).text == "Alert\nFire & smoke")
    }

    @Test("attachments make multipart/mixed with base64 in 76-character lines, type and file name")
    func attachments() throws {
        let pdf = Data((0..<3000).map { UInt8($0 % 251) })
        let mail = MIMEMessage(
            from: from,
            to: [to],
            subject: "Report",
            text: "See attached",
            html: "<p>See attached</p>",
            attachments: [
                Attachment(filename: "report.pdf", contentType: "application/pdf", data: pdf),
                Attachment(filename: "data.csv", contentType: "", data: Data("a,b\n1,2\n".utf8)),
            ]
        )
        let out = try mail.rendered()
        #expect(headerBlock(out).contains("Content-Type: multipart/mixed; boundary="))
        #expect(
            out.replacingOccurrences(of: "\r\n ", with: " ").contains(
                "Content-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64"
            )
        )
        #expect(out.contains("Content-Type: text/csv; name=\"data.csv\""), "an empty type is guessed from the extension")
        for line in out.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "line too long: \(line)") }
        let base64Lines = out.components(separatedBy: "\r\n").filter { $0.count == 76 }
        #expect(base64Lines.count >= 50)
        let parsed = ReceivedMail(parsing: Array(out.utf8))
        #expect(parsed.text == "See attached" && parsed.html == "<p>See attached</p>")
        #expect(parsed.attachments.map(\.filename) == ["report.pdf", "data.csv"])
        #expect(parsed.attachments.map(\.contentType) == ["application/pdf", "text/csv"])
        #expect(parsed.attachments[0].data == pdf)
    }

    @Test("a non-ASCII subject becomes UTF-8 encoded-words of at most 75 characters that decode back")
    func rfc2047Subject() throws {
        let subjects = [
            "Brann på Ålesund sjukehus – evakuer østfløyen nå",
            "避難指示：川の水位が危険な水準に達しました。直ちに高台へ避難してください。繰り返します。",
            "Looks like =?UTF-8?Q?an_encoded_word?= but is not",
            String(repeating: "ø", count: 200),
        ]
        for subject in subjects {
            let out = try MIMEMessage(from: from, to: [to], subject: subject, text: "x").rendered()
            let head = String(out[..<out.range(of: "\r\n\r\n")!.lowerBound])
            for line in head.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
            let words = head.matches(of: /=\?UTF-8\?[BQ]\?[^?]*\?=/).map { String($0.output) }
            #expect(!words.isEmpty)
            for w in words { #expect(w.count <= 75) }
            #expect(ReceivedMail(parsing: Array(out.utf8)).subject == subject)
        }
    }

    @Test("Q is used for mostly-ASCII text and B for other scripts")
    func encodedWordChoice() {
        #expect(EncodedWord.encode("Grüße aus Oslo") == ["=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Oslo?="])
        #expect(EncodedWord.encode("Привет мир") == ["=?UTF-8?B?0J/RgNC40LLQtdGCINC80LjRgA==?="])
        #expect(EncodedWord.decode("=?UTF-8?Q?a?= =?UTF-8?Q?b?= c =?ISO-8859-1?Q?=E6?=") == "ab c æ")
    }

    @Test("non-ASCII display names are encoded, names with specials quoted")
    func displayNames() throws {
        let nordic = try MailAddress("kare@example.org", name: "Kåre Ås")
        #expect(nordic.headerValue == "=?UTF-8?B?S8OlcmUgw4Vz?= <kare@example.org>")
        #expect(try MailAddress("x@example.org", name: "Nordmann, Kari").headerValue == "\"Nordmann, Kari\" <x@example.org>")
        let parsed = try MailAddress(parsing: "\"Nordmann, Kari\" <X@Example.ORG>")
        #expect(parsed.name == "Nordmann, Kari" && parsed.address == "X@example.org")
        let out = try MIMEMessage(from: nordic, to: [to], subject: "s", text: "t").rendered()
        #expect(ReceivedMail(parsing: Array(out.utf8)).header("From") == "Kåre Ås <kare@example.org>")
    }

    @Test("a non-ASCII file name is written per RFC 2231 with an RFC 2047 name= fallback")
    func rfc2231FileName() throws {
        let names = [
            "Årsrapport 2024 – økonomi.pdf",
            "Ein sehr langer Dateiname mit Umlauten äöü und noch viel mehr Text damit er umbricht.txt",
        ]
        for name in names {
            let out = try MIMEMessage(
                from: from,
                to: [to],
                subject: "s",
                text: "t",
                attachments: [Attachment(filename: name, contentType: "application/pdf", data: Data([1, 2, 3]))]
            ).rendered()
            #expect(out.contains("filename*=UTF-8''") || out.contains("filename*0*=UTF-8''"))
            #expect(out.contains("name=\"=?UTF-8?"))
            for line in out.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
            let parsed = ReceivedMail(parsing: Array(out.utf8))
            #expect(parsed.attachments.first?.filename == name)
        }
        #expect(MIMePartFileName.percent("æ b.pdf") == "filename*=UTF-8''%C3%A6%20b.pdf")
    }

    @Test("mostly-ASCII bodies go quoted-printable, other scripts base64, both decode back")
    func bodyEncodings() throws {
        let norwegian =
            "Vannstanden i Glomma stiger. Hold deg unna elvebredden ved Årnes. " + String(repeating: "Mer tekst her. ", count: 10) + "Slutt="
        let out = try MIMEMessage(from: from, to: [to], subject: "s", text: norwegian).rendered()
        #expect(out.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(out.contains("=C3=85rnes"))
        for line in out.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76 || line.hasPrefix("Content-")) }
        #expect(ReceivedMail(parsing: Array(out.utf8)).text == norwegian)

        let greek = "Προειδοποίηση: πλημμύρα στην περιοχή σας.\nΑκολουθήστε τις οδηγίες."
        let out2 = try MIMEMessage(from: from, to: [to], subject: "s", text: greek).rendered()
        #expect(out2.contains("Content-Transfer-Encoding: base64"))
        #expect(ReceivedMail(parsing: Array(out2.utf8)).text == greek)
    }

    @Test("quoted-printable keeps trailing blanks and soft-breaks long lines")
    func quotedPrintable() {
        let encoded = QuotedPrintable.encode("end with space \nx" + String(repeating: "y", count: 100))
        #expect(encoded.hasPrefix("end with space=20\r\n"))
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(
            String(decoding: QuotedPrintable.decode(Array(encoded.utf8)), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
                == "end with space \nx" + String(repeating: "y", count: 100)
        )
    }

    @Test("a CR or LF in a subject, address, display name, file name or header is refused")
    func headerInjection() throws {
        func refused(_ body: () throws -> Void) -> Bool {
            do {
                try body()
                return false
            } catch { return (error as? MIMEError)?.isHeaderInjection == true }
        }
        #expect(refused { _ = try MIMEMessage(from: from, to: [to], subject: "Hi\r\nBcc: victim@example.org", text: "x").rendered() })
        #expect(refused { _ = try MIMEMessage(from: from, to: [to], subject: "Hi\nBcc: v@example.org", text: "x").rendered() })
        #expect(refused { _ = try MailAddress("a@example.org\r\nBcc: v@example.org") })
        #expect(refused { _ = try MailAddress("a@example.org", name: "Eve\r\nBcc: v@example.org") })
        #expect(refused { _ = try MailAddress(parsing: "Eve <a@example.org>\nBcc: v@example.org") })
        #expect(
            refused {
                _ = try MIMEMessage(
                    from: from,
                    to: [to],
                    subject: "s",
                    text: "x",
                    attachments: [Attachment(filename: "a.txt\r\nX-Evil: 1", contentType: "text/plain", data: Data())]
                ).rendered()
            }
        )
        var mail = MIMEMessage(from: from, to: [to], subject: "s", text: "x")
        mail.extraHeaders = [("X-Note", "a\r\nBcc: v@example.org")]
        #expect(refused { _ = try mail.rendered() })
        // A changed field is checked again at rendering.
        var changed = MIMEMessage(from: from, to: [to], subject: "s", text: "x")
        changed.to[0].name = "x\ny"
        #expect(refused { _ = try changed.rendered() })
    }

    @Test("addresses are validated with the hub's rules")
    func invalidAddresses() {
        #expect(throws: MIMEError.self) { try MailAddress("not an address") }
        #expect(throws: MIMEError.self) { try MailAddress("a@@b.org") }
        #expect(throws: MIMEError.self) { try MailAddress(parsing: "Name <a@b.org") }
    }
}

/// Reaches the RFC 2231 writer under a readable name.
enum MIMePartFileName {
    static func percent(_ s: String) -> String { MIMEPart.rfc2231("filename", s) }
}
