import SwitchboardCore

/// What became of one recipient of a multi-recipient send.
///
/// Why per recipient: SMTP accepts or refuses each RCPT TO on its own, so one bad address in
/// a group alert must not fail (or re-send to) the others. A refusal carries the transient or
/// permanent `ConnectorError` the server's code means.
package enum RecipientResult: Sendable, Equatable, CustomStringConvertible {
    /// The server took the message for this recipient; its final reply (often with a queue id).
    case accepted(SMTPReply)
    case refused(ConnectorError)

    package var isAccepted: Bool { if case .accepted = self { true } else { false } }
    package var error: ConnectorError? { if case .refused(let e) = self { e } else { nil } }

    package var description: String {
        switch self {
        case .accepted(let reply): "accepted (\(reply))"
        case .refused(let error): "refused (\(error))"
        }
    }

    /// Reads a transaction's replies: a refused RCPT TO is that recipient's error; for the
    /// accepted ones, the answer to the message decides.
    static func results(_ t: SMTPClientStateMachine.TransactionResult) -> [String: RecipientResult] {
        var out: [String: RecipientResult] = [:]
        for (address, reply) in t.recipients {
            if !reply.isPositive {
                out[address] = .refused(reply.error("RCPT TO:<\(address)> refused"))
            } else if let data = t.data, data.isPositive {
                out[address] = .accepted(data)
            } else if let data = t.data {
                out[address] = .refused(data.error("message refused"))
            } else {
                out[address] = .refused(.transient("no answer to the message"))
            }
        }
        return out
    }
}
