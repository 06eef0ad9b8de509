import ArgumentParser

/// The `switchboard` command: the hub's server and its operator tools.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A multi-channel messaging hub: SMS, email, IM, WebSocket topics and webhooks in one process.",
        subcommands: [Serve.self, Send.self, Tester.self, Users.self, QueueCommand.self, SMSCommand.self, CheckConfig.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command that opens the hub's data shares.
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: "The YAML configuration file (default: $SWITCHBOARD_CONFIG, else the embedded default).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Where the SQLite database lives (overrides storage.data_dir).")
    var dataDir: String?
}
