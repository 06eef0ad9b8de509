import ArgumentParser
import Foundation
import Logging
import SwitchboardCore

/// The operator's queue from the command line (NAV smsd's queue operations), straight on the
/// data directory: works whether or not the hub is running, and the operator's file
/// permissions are the authority. Changes are recorded with the actor `cli:$USER`.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and manage the outbox queue.",
        subcommands: [Recipients.self, Show.self, Cancel.self, DeadLetters.self, Retry.self, SetStatus.self, Test.self, DeliveryInfo.self]
    )

    /// Who the history names for a change made here.
    static var actor: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "operator") }

    /// Runs `body` with the hub on its store (SQLite or PostgreSQL, as `serve` opens it).
    static func withHub<T>(_ options: HubOptions, _ body: (Hub) async throws -> T) async throws -> T {
        try await HubFactory.withHub(options, logger: Logger(label: "switchboard.cli"), body)
    }

    /// A channel the hub knows (configured, or one deliveries are made on), so a typo is an
    /// error instead of a filter that matches nothing.
    static func channel(_ name: String?, in hub: Hub) throws -> ChannelName? {
        guard let name else { return nil }
        let channel = ChannelName(name)
        let known = Set(hub.configuration.channels.keys).union([.sms, .email, .im])
        guard known.contains(channel) else {
            throw CLIFailure("unknown channel '\(name)'; known: \(known.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        return channel
    }

    static func reason(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError("--reason must not be blank") }
        return trimmed
    }

    static func time(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "-" }

    /// One line of a listing: line breaks would split a row.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    struct Recipients: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recipients with waiting deliveries, most urgent first.")
        @OptionGroup var hub: HubOptions
        @Option(help: "Only this channel (sms, email, im, …).") var channel: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await QueueCommand.withHub(hub) { hub in
                let channel = try QueueCommand.channel(channel, in: hub)
                let recipients = try await CLIError.wrap { try await hub.store.pendingRecipients(channel: channel) }
                if json {
                    print(try CLIOutput.json(recipients))
                    return
                }
                if recipients.isEmpty {
                    print("nothing is waiting")
                    return
                }
                for r in recipients {
                    print("\(r.address)\t\(r.channel)\t\(r.count)\t\(r.highestSeverity.rawValue)\toldest \(QueueCommand.time(r.oldest))")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One recipient's waiting deliveries, most severe first.",
            discussion: "Example: switchboard queue show sms:+4712345678"
        )
        @OptionGroup var hub: HubOptions
        @Flag(help: "Print JSON.") var json = false
        @Argument(help: "The recipient's address, e.g. sms:+4712345678.") var address: String

        /// A waiting delivery with its message's severity and text.
        struct Row: Encodable {
            var id: String, messageID: String, address: String, channel: String, status: String
            var severity: String, subject: String?, text: String, attempts: Int
            var createdAt: Date, nextAttemptAt: Date?, lastError: String?
            enum CodingKeys: String, CodingKey {
                case id
                case messageID = "message_id"
                case address, channel, status, severity, subject, text, attempts
                case createdAt = "created_at"
                case nextAttemptAt = "next_attempt_at"
                case lastError = "last_error"
            }
            init(_ job: DeliveryJob) {
                let d = job.delivery
                let m = job.message
                id = d.id
                messageID = d.messageID
                address = d.address.description
                channel = d.channel.rawValue
                status = d.status.rawValue
                severity = m.severity.rawValue
                subject = m.subject
                text = m.text
                attempts = d.attempts
                createdAt = d.createdAt
                nextAttemptAt = d.nextAttemptAt
                lastError = d.lastError
            }
        }

        func run() async throws {
            try await QueueCommand.withHub(hub) { hub in
                let (parsed, jobs) = try await CLIError.wrap {
                    let parsed = try Address(parsing: address)
                    return (parsed, try await hub.store.pending(address: parsed))
                }
                if json {
                    struct Output: Encodable {
                        var address: String
                        var items: [Row]
                    }
                    print(try CLIOutput.json(Output(address: parsed.description, items: jobs.map(Row.init))))
                    return
                }
                if jobs.isEmpty {
                    print("nothing is waiting for \(parsed)")
                    return
                }
                for job in jobs {
                    let d = job.delivery
                    print(
                        "\(d.id)\t\(job.message.severity.rawValue)\t\(d.status.rawValue)\t\(QueueCommand.time(d.createdAt))\t\(QueueCommand.oneLine(job.message.text))"
                    )
                }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel queued and held deliveries older than an age.",
            discussion: "Example: switchboard queue cancel --min-age 1h --channel sms --reason \"storm is over\""
        )
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("min-age"), help: "Only deliveries at least this old: 30s, 5m, 1h, 2d, or seconds.") var minAge: String
        @Option(help: "Only this channel.") var channel: String?
        @Option(help: "Why; kept with each change.") var reason: String?
        @Flag(help: "Print JSON.") var json = false

        var age: TimeInterval? { ConfigReader.parseDuration(minAge).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }

        func validate() throws {
            guard age != nil else { throw ValidationError("--min-age '\(minAge)' is not a duration such as 30s, 5m, 1h or 2d") }
            _ = try QueueCommand.reason(reason)
        }

        func run() async throws {
            guard let age else { throw ValidationError("--min-age '\(minAge)' is not a duration") }
            let why = try QueueCommand.reason(reason) ?? "cancelled from the command line: older than \(minAge)"
            try await QueueCommand.withHub(hub) { hub in
                let channel = try QueueCommand.channel(channel, in: hub)
                let cancelled = try await CLIError.wrap {
                    try await hub.store.cancelPending(
                        createdBefore: Date().addingTimeInterval(-age),
                        channel: channel,
                        status: .cancelled,
                        reason: why,
                        by: QueueCommand.actor
                    )
                }
                if json {
                    struct Output: Encodable { var cancelled: Int }
                    print(try CLIOutput.json(Output(cancelled: cancelled)))
                } else {
                    print("cancelled \(cancelled) deliver\(cancelled == 1 ? "y" : "ies")")
                }
            }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-letters", abstract: "Failed deliveries, most recently failed first.")
        @OptionGroup var hub: HubOptions
        @Option(help: "At most this many (1 to 1000).") var limit = 100
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        }

        func run() async throws {
            try await QueueCommand.withHub(hub) { hub in
                let failed = try await CLIError.wrap { try await hub.store.deliveries(status: .failed, limit: limit) }
                if json {
                    print(try CLIOutput.json(failed))
                    return
                }
                if failed.isEmpty {
                    print("no failed deliveries")
                    return
                }
                for d in failed {
                    print(
                        "\(d.id)\t\(d.address)\t\(d.attempts) attempt(s)\t\(QueueCommand.time(d.updatedAt))\t\(QueueCommand.oneLine(d.lastError ?? ""))"
                    )
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put failed (or held) deliveries back in the queue with their attempts reset.",
            discussion: "Without ids, every delivery in that status. A running hub picks them up on its next poll."
        )
        @OptionGroup var hub: HubOptions
        @Option(help: "failed or held.") var status = "failed"
        @Option(help: "Why; kept with each change.") var reason: String?
        @Flag(help: "Print JSON.") var json = false
        @Argument(help: "Delivery ids (default: all in that status).") var ids: [String] = []

        func validate() throws {
            guard status == DeliveryStatus.failed.rawValue || status == DeliveryStatus.held.rawValue else {
                throw ValidationError("--status must be failed or held")
            }
            _ = try QueueCommand.reason(reason)
        }

        func run() async throws {
            guard let from = DeliveryStatus(rawValue: status), from == .failed || from == .held else {
                throw ValidationError("--status must be failed or held")
            }
            let why = try QueueCommand.reason(reason) ?? "retried from the command line"
            try await QueueCommand.withHub(hub) { hub in
                let requeued = try await CLIError.wrap {
                    try await hub.store.requeue(ids: ids.isEmpty ? nil : ids, status: from, reason: why, by: QueueCommand.actor, now: Date())
                }
                if json {
                    struct Output: Encodable { var requeued: Int }
                    print(try CLIOutput.json(Output(requeued: requeued)))
                } else {
                    print("requeued \(requeued) deliver\(requeued == 1 ? "y" : "ies")")
                }
            }
        }
    }

    struct SetStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-status",
            abstract: "Set a delivery's status by hand; only moves the delivery life cycle allows.",
            discussion: "Example: switchboard queue set-status ID cancelled --reason \"sent by mistake\""
        )
        @OptionGroup var hub: HubOptions
        @Option(help: "Why; required, and kept with the change.") var reason: String
        @Flag(help: "Print JSON.") var json = false
        @Argument(help: "The delivery id.") var id: String
        @Argument(help: "The new status: \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")).") var status: String

        func validate() throws {
            guard DeliveryStatus(rawValue: status) != nil else {
                throw ValidationError("unknown status '\(status)'; use one of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            _ = try QueueCommand.reason(reason)
        }

        func run() async throws {
            guard let to = DeliveryStatus(rawValue: status) else {
                throw ValidationError("unknown status '\(status)'; use one of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let why = try QueueCommand.reason(reason) else { throw ValidationError("--reason is required") }
            try await QueueCommand.withHub(hub) { hub in
                let delivery = try await CLIError.wrap {
                    try await hub.store.setStatus(deliveryID: id, to: to, reason: why, by: QueueCommand.actor, now: Date())
                }
                if json { print(try CLIOutput.json(delivery)) } else { print("delivery \(delivery.id) is now \(delivery.status.rawValue)") }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue numbered test messages ('Switchboard test message k/N') to one address.",
            discussion: "Example: switchboard queue test --to sms:+4712345678 --count 3"
        )
        @OptionGroup var hub: HubOptions
        @Option(help: "The address, e.g. sms:+4712345678.") var to: String
        @Option(help: "How many (1 to 100).") var count = 1
        @Option(help: "Severity: \(Severity.allCases.map(\.rawValue).joined(separator: ", ")).") var severity: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...100).contains(count) else { throw ValidationError("--count must be 1 to 100") }
            if let severity, Severity(rawValue: severity) == nil { throw ValidationError("unknown severity '\(severity)'") }
        }

        func run() async throws {
            try await QueueCommand.withHub(hub) { hub in
                let ids = try await CLIError.wrap {
                    let address = try Address(parsing: to)
                    var ids: [String] = []
                    for k in 1...count {
                        let request = SendRequest(
                            to: [address.description],
                            text: "Switchboard test message \(k)/\(count)",
                            severity: severity.flatMap(Severity.init)
                        )
                        ids.append(try await hub.send(request, sender: QueueCommand.actor).record.message.id)
                    }
                    return ids
                }
                if json {
                    struct Output: Encodable { var ids: [String] }
                    print(try CLIOutput.json(Output(ids: ids)))
                } else {
                    for id in ids { print("queued test message \(id)") }
                }
            }
        }
    }

    struct DeliveryInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delivery", abstract: "A delivery's status, attempts and status changes.")
        @OptionGroup var hub: HubOptions
        @Flag(help: "Print JSON.") var json = false
        @Argument(help: "The delivery id.") var id: String

        func run() async throws {
            try await QueueCommand.withHub(hub) { hub in
                let (delivery, attempts, changes) = try await CLIError.wrap {
                    guard let delivery = try await hub.store.delivery(id: id) else {
                        throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(id)")
                    }
                    return (delivery, try await hub.store.attempts(deliveryID: id), try await hub.store.statusChanges(deliveryID: id))
                }
                if json {
                    struct Output: Encodable {
                        var delivery: Delivery
                        var attempts: [DeliveryAttempt]
                        var statusChanges: [StatusChange]
                    }
                    print(try CLIOutput.json(Output(delivery: delivery, attempts: attempts, statusChanges: changes)))
                    return
                }
                print("delivery \(delivery.id) of message \(delivery.messageID)")
                print("  to:           \(delivery.address) (\(delivery.channel))")
                print("  status:       \(delivery.status.rawValue)")
                print("  attempts:     \(delivery.attempts)")
                print("  next attempt: \(QueueCommand.time(delivery.nextAttemptAt))")
                if let connector = delivery.connector { print("  connector:    \(connector)") }
                if let receipt = delivery.receiptID { print("  receipt:      \(receipt)") }
                if let error = delivery.lastError { print("  last error:   \(QueueCommand.oneLine(error))") }
                print("attempts:\(attempts.isEmpty ? " none" : "")")
                for a in attempts {
                    print(
                        "  #\(a.number) \(QueueCommand.time(a.at)) \(a.connector) \(a.outcome.rawValue)\(a.error.map { ": \(QueueCommand.oneLine($0))" } ?? "")"
                    )
                }
                print("status changes:\(changes.isEmpty ? " none" : "")")
                for c in changes {
                    print("  \(QueueCommand.time(c.at)) \(c.from.rawValue) -> \(c.to.rawValue) by \(c.actor): \(QueueCommand.oneLine(c.reason))")
                }
            }
        }
    }
}
