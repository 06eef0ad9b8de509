import NIOCore

/// What the client says to the server; `SMTPCommandEncoder` writes it.
///
/// ```
/// EHLO client.example.org\r\n
/// MAIL FROM:<a@example.org> SIZE=1234\r\n
/// <message, dot-stuffed>\r\n.\r\n          (messageBody: already stuffed by SMTPDataStuffing)
/// ```
enum SMTPCommand: Equatable, Sendable {
    case ehlo(String)
    case helo(String)
    case startTLS
    /// `AUTH mechanism [initial-response]`.
    case auth(mechanism: String, initialResponse: String?)
    /// A base64 line answering a 334 challenge (AUTH LOGIN).
    case authResponse(String)
    case mailFrom(String, parameters: [String])
    case rcptTo(String)
    case data
    /// The message, dot-stuffed and ending in `CRLF.CRLF`.
    case messageBody(ByteBuffer)
    case rset
    case noop
    case quit

    /// The command line as it goes on the wire, without CRLF (nil for the message body).
    var line: String? {
        switch self {
        case .ehlo(let d): "EHLO \(d)"
        case .helo(let d): "HELO \(d)"
        case .startTLS: "STARTTLS"
        case .auth(let m, let ir): ir.map { "AUTH \(m) \($0)" } ?? "AUTH \(m)"
        case .authResponse(let r): r
        case .mailFrom(let a, let p): (["MAIL FROM:<\(a)>"] + p).joined(separator: " ")
        case .rcptTo(let a): "RCPT TO:<\(a)>"
        case .data: "DATA"
        case .messageBody: nil
        case .rset: "RSET"
        case .noop: "NOOP"
        case .quit: "QUIT"
        }
    }

    /// For logs and error messages: never the credentials.
    var redacted: String {
        switch self {
        case .auth(let m, let ir): ir == nil ? "AUTH \(m)" : "AUTH \(m) ***"
        case .authResponse: "***"
        case .messageBody(let b): "<message, \(b.readableBytes) bytes>"
        default: line ?? ""
        }
    }
}

/// Writes `SMTPCommand`s as CRLF-terminated lines.
struct SMTPCommandEncoder: MessageToByteEncoder {
    typealias OutboundIn = SMTPCommand

    func encode(data: SMTPCommand, out: inout ByteBuffer) throws {
        if case .messageBody(var body) = data {
            out.writeBuffer(&body)
            return
        }
        out.writeString(data.line!)
        out.writeString("\r\n")
    }
}
