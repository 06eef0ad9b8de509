/// What the server said it can do in its EHLO reply (RFC 5321 section 4.1.1.1).
///
/// Why it matters: STARTTLS, the AUTH mechanisms and the SIZE limit all decide what the
/// client does next; a server that answered only HELO has none of them.
struct SMTPCapabilities: Equatable, Sendable {
    /// Keyword (upper-cased) to its parameters.
    var keywords: [String: [String]] = [:]

    init() {}

    /// From an EHLO reply: the first line is the greeting, each further line one keyword.
    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            var key = first.uppercased()
            var params = Array(words.dropFirst())
            // Old servers write "AUTH=LOGIN PLAIN".
            if key.hasPrefix("AUTH=") {
                params.insert(String(key.dropFirst(5)), at: 0)
                key = "AUTH"
            }
            keywords[key, default: []] += params
        }
    }

    func has(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }
    var startTLS: Bool { has("STARTTLS") }
    var authMechanisms: Set<String> { Set((keywords["AUTH"] ?? []).map { $0.uppercased() }) }
    var smtpUTF8: Bool { has("SMTPUTF8") }
    /// The largest message the server takes, when it says; `SIZE 0` means no fixed limit.
    var sizeLimit: Int? {
        guard let p = keywords["SIZE"] else { return nil }
        guard let n = p.first.flatMap(Int.init), n > 0 else { return nil }
        return n
    }
    var advertisesSize: Bool { has("SIZE") }
}
