/// A modem's refusal or silence, classified for the dispatcher: `transient` (the network is
/// busy, no service, the modem did not answer: try the next connector, then again later) or
/// `permanent` (invalid number, barred: this modem will never send this message).
///
/// The message names the command (never a PIN) and quotes the modem's answer.
package struct ModemError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable { case transient, permanent }

    package var kind: Kind
    package var message: String
    /// The `+CMS ERROR`/`+CME ERROR` number, when the modem gave one.
    package var code: Int?

    package init(_ kind: Kind, _ message: String, code: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    package var description: String { "\(kind.rawValue): \(message)" }

    /// `+CMS ERROR` numbers that no retry can fix (3GPP TS 27.005 §3.2.5; 1-127 are the
    /// network's RP-cause values of TS 24.011 §8.2.5.4, 128-255 TP-FCS of TS 23.040 §9.2.3.22).
    /// Everything else — network out of order (38), temporary failure (41), congestion (42),
    /// no network service (331), network timeout (332), SIM busy (314), unknown (500) — is transient.
    static let permanentCMS: Set<Int> = {
        var codes: Set<Int> = [1, 8, 10, 21, 28, 29, 30, 50, 69, 81, 95, 96, 97, 98, 99, 111, 127, 304, 305]
        // TP-FCS: all final except "SC busy" (0xC0), "SC system failure" (0xC2) and memory full (0xD0, 0xD3).
        codes.formUnion(Set(128...255).subtracting([0xC0, 0xC2, 0xD0, 0xD3]))
        return codes
    }()

    /// `+CME ERROR` numbers that stay true however often the command is repeated (TS 27.007
    /// §9.2.1): operation not supported (4), incorrect password (16), SIM PUK needed (12, 18),
    /// SIM wrong (15). No network (30), network timeout (31), SIM busy (14) and the rest are transient.
    static let permanentCME: Set<Int> = [4, 12, 15, 16, 18]

    /// Classifies a final result line, or returns nil if `line` is not an error.
    static func from(finalLine line: String, command: String) -> ModemError? {
        if line == "ERROR" { return ModemError(.transient, "\(command) answered ERROR") }
        for (prefix, permanent) in [("+CMS ERROR:", permanentCMS), ("+CME ERROR:", permanentCME)] where line.hasPrefix(prefix) {
            let detail = line.dropFirst(prefix.count).trimmingSpaces
            let code = Int(detail)
            let kind: Kind = code.map { permanent.contains($0) } == true ? .permanent : .transient
            return ModemError(kind, "\(command) answered \(line)", code: code)
        }
        return nil
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
