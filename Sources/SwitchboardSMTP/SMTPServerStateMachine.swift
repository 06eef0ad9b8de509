/// The inbound SMTP/LMTP server protocol as a plain value: each line from the client (or
/// the sink's verdict on a received mail) moves it on and returns what to answer.
///
/// ```
/// greeting ─EHLO/HELO (LHLO for LMTP)─▶ ready ─MAIL FROM─▶ mail ─RCPT TO × n─▶ mail ─DATA─▶ data
/// data ─lines…─"."─▶ deliver (the session hands each recipient's copy to the sink) ─▶ ready
/// ```
///
/// Why the answer waits for the sink: `250` tells the sender the mail is ours; it is sent
/// only after the hub committed it, so a crash before that makes the sender try again instead
/// of losing the mail. A recipient outside `domains` gets 550; one inside is looked up
/// (`checkRecipient`: the session asks the sink) and gets 550 too when no user or contact has
/// it, 451 when the look-up failed. A mail over `max_size` gets 552.
/// LMTP answers the end of data once per accepted recipient (RFC 2033); SMTP once for all.
struct SMTPServerStateMachine {
    enum ProtocolKind: String, Sendable, CaseIterable { case smtp, lmtp }

    struct Settings: Sendable {
        var hostname: String
        var protocolKind: ProtocolKind = .smtp
        /// Lower-cased domains whose addresses are accepted.
        var domains: Set<String>
        var maxSize: Int
        var maxRecipients = 100
    }

    /// One received mail: the envelope and the bytes after un-stuffing.
    struct Mail: Sendable, Equatable {
        var from: String
        var recipients: [String]
        var data: [UInt8]
    }

    enum Event: Sendable {
        case connected
        case line([UInt8])
        /// The sink's verdict per recipient of the mail being delivered (true: committed).
        case delivered([Bool])
        /// What the look-up asked for by `checkRecipient` found.
        case recipientChecked(RecipientVerdict)
    }

    enum RecipientVerdict: Sendable, Equatable { case known, unknown, lookupFailed }

    enum Action: Sendable, Equatable {
        case reply([SMTPReply])
        case replyAndClose(SMTPReply)
        /// Hand the mail to the sink, then report `.delivered`.
        case deliver(Mail)
        /// Ask whether anyone has this address, then report `.recipientChecked`.
        case checkRecipient(String)
        case none
    }

    private enum State {
        case greeting
        case ready
        case mail(from: String, recipients: [String])
        case checking(from: String, recipients: [String], candidate: String)
        case data(from: String, recipients: [String], body: [UInt8], oversize: Bool)
        case delivering(recipients: [String])
        case closed
        /// Only while a payload is moved out to be changed in place (see `.line`).
        case modifying
    }

    let settings: Settings
    private var state: State = .greeting

    init(settings: Settings) { self.settings = settings }

    mutating func event(_ event: Event) -> Action {
        switch event {
        case .connected:
            let proto = settings.protocolKind == .lmtp ? "LMTP" : "ESMTP"
            return .reply([SMTPReply(220, "\(settings.hostname) \(proto) Switchboard")])
        case .line(let bytes):
            if case .data(let from, let recipients, var body, var oversize) = state {
                // Release the state's reference first, so appending to `body` finds its storage
                // unique and grows it in place instead of copying the whole mail every line.
                state = .modifying
                return dataLine(bytes, from: from, recipients: recipients, body: &body, oversize: &oversize)
            }
            return command(bytes)
        case .delivered(let results):
            guard case .delivering(let recipients) = state else { return .none }
            state = .ready
            let ok = SMTPReply(250, "2.0.0 Ok: committed")
            let failed = SMTPReply(451, "4.3.0 could not store the message; try again later")
            if settings.protocolKind == .lmtp {
                return .reply(zip(recipients, results).map { $0.1 ? SMTPReply(250, "2.0.0 <\($0.0)> committed") : failed })
            }
            return .reply([results.allSatisfy { $0 } ? ok : failed])
        case .recipientChecked(let verdict):
            guard case .checking(let from, var recipients, let candidate) = state else { return .none }
            switch verdict {
            case .known:
                if !recipients.contains(candidate) { recipients.append(candidate) }
                state = .mail(from: from, recipients: recipients)
                return .reply([SMTPReply(250, "2.1.5 Ok")])
            case .unknown:
                state = .mail(from: from, recipients: recipients)
                return .reply([SMTPReply(550, "5.1.1 <\(candidate)>: no such user or contact here")])
            case .lookupFailed:
                state = .mail(from: from, recipients: recipients)
                return .reply([SMTPReply(451, "4.3.0 <\(candidate)>: could not look the recipient up; try again later")])
            }
        }
    }

    private mutating func dataLine(_ bytes: [UInt8], from: String, recipients: [String], body: inout [UInt8], oversize: inout Bool) -> Action {
        if bytes == [UInt8(ascii: ".")] {
            if oversize {
                state = .ready
                return .reply([SMTPReply(552, "5.3.4 message larger than \(settings.maxSize) bytes")])
            }
            state = .delivering(recipients: recipients)
            return .deliver(Mail(from: from, recipients: recipients, data: body))
        }
        let line = bytes.first == UInt8(ascii: ".") ? bytes.dropFirst() : bytes[...]
        if !oversize {
            if body.count + line.count + 2 > settings.maxSize {
                oversize = true
                body = []
            } else {
                body += line
                body += [13, 10]
            }
        }
        state = .data(from: from, recipients: recipients, body: body, oversize: oversize)
        return .none
    }

    private mutating func command(_ bytes: [UInt8]) -> Action {
        let line = String(decoding: bytes, as: UTF8.self)
        let verb = line.prefix { $0 != " " }.uppercased()
        let argument = line.dropFirst(verb.count).trimmingCharacters(in: .whitespaces)
        let lmtp = settings.protocolKind == .lmtp
        switch verb {
        case "EHLO", "HELO", "LHLO":
            if lmtp != (verb == "LHLO") { return .reply([SMTPReply(500, "5.5.1 use \(lmtp ? "LHLO" : "EHLO or HELO")")]) }
            guard !argument.isEmpty else { return .reply([SMTPReply(501, "5.5.4 \(verb) needs a domain")]) }
            state = .ready
            if verb == "HELO" { return .reply([SMTPReply(250, settings.hostname)]) }
            return .reply([
                SMTPReply(code: 250, lines: [settings.hostname, "SIZE \(settings.maxSize)", "8BITMIME", "ENHANCEDSTATUSCODES", "PIPELINING"])
            ])
        case "MAIL":
            guard case .ready = state else { return .reply([SMTPReply(503, "5.5.1 \(isGreeting ? "say EHLO first" : "nested MAIL command")")]) }
            guard let (path, params) = Self.path(argument, prefix: "FROM:") else {
                return .reply([SMTPReply(501, "5.5.4 syntax: MAIL FROM:<address>")])
            }
            if let size = params.first(where: { $0.uppercased().hasPrefix("SIZE=") }).flatMap({ Int($0.dropFirst(5)) }), size > settings.maxSize {
                return .reply([SMTPReply(552, "5.3.4 message larger than \(settings.maxSize) bytes")])
            }
            state = .mail(from: path, recipients: [])
            return .reply([SMTPReply(250, "2.1.0 Ok")])
        case "RCPT":
            guard case .mail(let from, let recipients) = state else { return .reply([SMTPReply(503, "5.5.1 need MAIL first")]) }
            guard let (path, _) = Self.path(argument, prefix: "TO:"), !path.isEmpty else {
                return .reply([SMTPReply(501, "5.5.4 syntax: RCPT TO:<address>")])
            }
            guard recipients.count < settings.maxRecipients else { return .reply([SMTPReply(452, "4.5.3 too many recipients")]) }
            let domain = path.split(separator: "@").last.map { $0.lowercased() } ?? ""
            guard path.contains("@"), settings.domains.contains(domain) else {
                return .reply([SMTPReply(550, "5.1.1 <\(path)>: recipient not accepted here")])
            }
            if recipients.contains(path) { return .reply([SMTPReply(250, "2.1.5 Ok")]) }
            state = .checking(from: from, recipients: recipients, candidate: path)
            return .checkRecipient(path)
        case "DATA":
            guard case .mail(let from, let recipients) = state else { return .reply([SMTPReply(503, "5.5.1 need MAIL first")]) }
            guard !recipients.isEmpty else { return .reply([SMTPReply(554, "5.5.1 no valid recipients")]) }
            state = .data(from: from, recipients: recipients, body: [], oversize: false)
            return .reply([SMTPReply(354, "end data with <CR><LF>.<CR><LF>")])
        case "RSET":
            if !isGreeting { state = .ready }
            return .reply([SMTPReply(250, "2.0.0 Ok")])
        case "NOOP":
            return .reply([SMTPReply(250, "2.0.0 Ok")])
        case "QUIT":
            state = .closed
            return .replyAndClose(SMTPReply(221, "2.0.0 bye"))
        case "VRFY":
            return .reply([SMTPReply(252, "2.5.0 cannot verify; send the mail and see")])
        case "STARTTLS", "AUTH":
            return .reply([SMTPReply(502, "5.5.1 \(verb) not offered")])
        default:
            return .reply([SMTPReply(500, "5.5.2 command not recognised")])
        }
    }

    private var isGreeting: Bool { if case .greeting = state { true } else { false } }

    /// Where the body being received is stored, for tests that prove it grows in place.
    var bodyStorage: UnsafeRawPointer? {
        guard case .data(_, _, let body, _) = state else { return nil }
        return body.withUnsafeBytes { $0.baseAddress }
    }

    /// `FROM:<a@b> SIZE=10` → ("a@b", ["SIZE=10"]); the null path `<>` is "".
    static func path(_ argument: String, prefix: String) -> (String, [String])? {
        guard argument.uppercased().hasPrefix(prefix) else { return nil }
        let rest = argument.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        var path = String(rest[rest.index(after: rest.startIndex)..<close])
        if path.hasPrefix("@"), let colon = path.firstIndex(of: ":") { path = String(path[path.index(after: colon)...]) }  // source route
        let params = rest[rest.index(after: close)...].split(separator: " ").map(String.init)
        return (path, params)
    }
}

extension SMTPReply {
    /// The reply as the server writes it: `250-first`, …, `250 last`.
    var wireText: String {
        lines.enumerated().map { "\(code)\($0.offset == lines.count - 1 ? " " : "-")\($0.element)\r\n" }.joined()
    }
}
