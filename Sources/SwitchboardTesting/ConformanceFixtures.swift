import Foundation
import SwitchboardCore

/// Data the conformance checks build on. Dates sit on whole milliseconds, far from rounding
/// boundaries, so any store keeping at least millisecond precision reads them back as the
/// same millisecond.
enum StoreFixture {
    /// 2026-01-01T00:00:00.250Z.
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600.250)

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    /// Every byte value, so a store that treats blobs as text is caught.
    static let binary = Data((0...255).map { UInt8($0) } + [0, 0, 255])

    static func outbound(
        _ text: String = "Server room temperature is 41 °C",
        attachments: Int = 0,
        sender: String? = "alice",
        at date: Date = t0
    ) -> Message {
        Message(
            direction: .outbound,
            subject: attachments > 0 ? "Alarm: rack 4" : nil,
            text: text,
            html: attachments > 0 ? "<p>Server room temperature is <b>41 °C</b></p>" : nil,
            attachments: (0..<attachments).map { index in
                Attachment(filename: "graph-\(index).png", contentType: "image/png", data: binary + Data([UInt8(index)]))
            },
            severity: attachments > 0 ? .critical : .info,
            sender: sender,
            createdAt: date
        )
    }

    static func inbound(_ text: String, from: Address = .sms("+4712345678"), attachments: Int = 0, at date: Date = t0) -> Message {
        Message(
            direction: .inbound,
            subject: nil,
            text: text,
            attachments: (0..<attachments).map { Attachment(filename: "photo-\($0).jpg", contentType: "image/jpeg", data: binary) },
            severity: .info,
            sender: from.description,
            createdAt: date,
            origin: Origin(connector: "kannel", from: from, to: .sms("+4790000000"))
        )
    }

    /// A queued SMS delivery of `message`, due at `due`.
    static func sms(_ message: Message, _ number: Int = 12_345_678, due: Date = t0) -> Delivery {
        Delivery(
            messageID: message.id,
            address: .sms("+47\(number)"),
            channel: .sms,
            nextAttemptAt: due,
            createdAt: t0
        )
    }

    /// A submission of one message with an SMS delivery per due date.
    static func submission(dueAt dates: [Date], text: String = "ping") -> Submission {
        let message = outbound(text)
        let deliveries = dates.enumerated().map { index, due in sms(message, 40_000_000 + index, due: due) }
        return Submission(message: message, deliveries: deliveries)
    }

    static func user(_ name: String, role: UserAccount.Role = .user) -> UserAccount {
        UserAccount(username: name, displayName: name.capitalized, role: role, passwordHash: "$2b$12$\(name)hash", createdAt: t0)
    }
}

// MARK: - Millisecond normalisation

extension Date {
    /// The date on its nearest millisecond, the precision the checks compare at.
    var ms: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000) }
}

extension Message {
    var ms: Message {
        var m = self
        m.createdAt = createdAt.ms
        return m
    }
}

extension Delivery {
    /// Also drops `updatedAt`, which a store sets from its own clock.
    var ms: Delivery {
        var d = self
        d.nextAttemptAt = nextAttemptAt?.ms
        d.createdAt = createdAt.ms
        d.updatedAt = .distantPast
        return d
    }
}

extension MessageRecord {
    var ms: MessageRecord { MessageRecord(message: message.ms, deliveries: deliveries.map(\.ms), warnings: warnings) }
}

extension DeliveryAttempt {
    var ms: DeliveryAttempt {
        var a = self
        a.at = at.ms
        return a
    }
}

extension InboxItem {
    /// Also drops `receivedAt`, which a store sets from its own clock.
    var ms: InboxItem {
        var i = self
        i.message = message.ms
        i.receivedAt = .distantPast
        return i
    }
}

extension UserAccount {
    var ms: UserAccount {
        var u = self
        u.createdAt = createdAt.ms
        return u
    }
}

extension Contact {
    var ms: Contact {
        var c = self
        c.createdAt = createdAt.ms
        return c
    }
}

extension ContactGroup {
    var ms: ContactGroup {
        var g = self
        g.createdAt = createdAt.ms
        return g
    }
}

extension APIToken {
    var ms: APIToken {
        var t = self
        t.createdAt = createdAt.ms
        return t
    }
}
