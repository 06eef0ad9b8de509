import SwitchboardCore

extension MIMEMessage {
    /// The hub's message as a mail to one recipient.
    ///
    /// Subject: the message's, or its first line of text (SMS-style messages have none). The
    /// Message-ID is made from the delivery id, so every attempt of one delivery carries the
    /// same id and a recipient's mail system can drop a duplicate after a retry.
    package init(outbound: Outbound, from: MailAddress, to: MailAddress) throws(MIMEError) {
        let message = outbound.message
        self.init(
            from: from,
            to: [to],
            subject: Self.subject(for: message),
            text: message.text,
            html: message.html,
            attachments: message.attachments,
            messageID: Self.makeMessageID(
                id: outbound.delivery.id.isEmpty ? Identifier.make() : outbound.delivery.id,
                domain: from.domain
            ),
            date: message.createdAt
        )
        extraHeaders = [("Auto-Submitted", "auto-generated")]
        try validate()
    }

    static func subject(for message: Message) -> String {
        if let s = message.subject, !s.trimmingCharacters(in: .whitespaces).isEmpty { return s }
        let firstLine = MIMEText.lines(message.text).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if firstLine.isEmpty { return "(no subject)" }
        return firstLine.count > 70 ? String(firstLine.prefix(70)) + "…" : firstLine
    }
}
