import ArgumentParser
import Foundation
import Logging
import SwitchboardCore

/// Queues a message from the command line, straight into the hub's outbox.
///
/// Works on the data directory, so the operator's file permissions are the authority; a
/// running hub sends it on its next poll.
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue a message for sending.",
        discussion: "Example: switchboard send --to sms:+4712345678 --to group:field-team \"Road closed at km 12\""
    )

    @OptionGroup var hub: HubOptions
    @Option(name: .long, help: "A recipient: sms:+47…, mailto:…, xmpp:…, user:NAME, contact:ID or group:NAME (repeatable).")
    var to: [String]
    @Option(help: "Subject (email).") var subject: String?
    @Option(help: "Severity: \(Severity.allCases.map(\.rawValue).joined(separator: ", ")).") var severity: String?
    @Option(name: .customLong("idempotency-key"), help: "Makes a repeated command a no-op.") var idempotencyKey: String?
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: "The message text.") var text: String

    func run() async throws {
        var sev: Severity?
        if let severity {
            guard let s = Severity(rawValue: severity) else { throw ValidationError("unknown severity '\(severity)'") }
            sev = s
        }
        try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
            let request = SendRequest(to: to, text: text, subject: subject, severity: sev)
            let sender = "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "operator")
            let result = try await CLIError.wrap { try await hub.send(request, sender: sender, idempotencyKey: idempotencyKey) }
            if json {
                print(try CLIOutput.json(result.record))
            } else {
                print("queued message \(result.record.message.id)\(result.replayed ? " (already queued earlier)" : "")")
                for d in result.record.deliveries { print("  \(d.channel)\t\(d.address)\t\(d.status.rawValue)\t\(d.id)") }
                for w in result.record.warnings { print("warning: \(w)") }
            }
        }
    }
}
