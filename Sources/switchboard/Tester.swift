import ArgumentParser
import Foundation
import Logging
import SwitchboardCore

/// The message tester (RapidSMS): inject a message "from" any address on any connector.
struct Tester: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The message tester: inject inbound messages as if a connector received them.",
        subcommands: [Inbound.self]
    )

    struct Inbound: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inject an inbound message; it is routed and lands in the inbox.",
            discussion: "Example: switchboard tester inbound --from sms:+4712345678 \"hello\""
        )
        @OptionGroup var hub: HubOptions
        @Option(help: "The connector it arrives on.") var connector = "tester"
        @Option(help: "Sender address, e.g. sms:+4712345678.") var from: String
        @Option(help: "Recipient address (decides a per-user inbox).") var to: String?
        @Option(help: "Subject (email).") var subject: String?
        @Flag(help: "Print the result as JSON.") var json = false
        @Argument(help: "The message text.") var text: String

        func run() async throws {
            try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
                let result = try await CLIError.wrap {
                    let fromAddress = try Address(parsing: from)
                    let toAddress = try to.map { try Address(parsing: $0) }
                    return try await hub.receive(InboundMessage(connector: connector, from: fromAddress, to: toAddress, text: text, subject: subject))
                }
                if json {
                    print(try CLIOutput.json(CLIOutput.Inbound(result)))
                } else {
                    print(
                        "received message \(result.messageID): \(result.inboxItemID.map { "in the inbox as item \($0)" } ?? result.disposition.rawValue)"
                    )
                    for r in result.replies { print("  reply queued: \(r)") }
                }
            }
        }
    }
}
