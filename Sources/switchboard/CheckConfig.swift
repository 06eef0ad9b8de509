import ArgumentParser
import SwitchboardConfig
import SwitchboardCore
import SwitchboardServer

/// Validates a configuration file and reports every problem with its key path and line.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file; report every problem with its key path and line.")
    @Option(help: "The YAML configuration file (default: $SWITCHBOARD_CONFIG).") var config: String?

    func run() async throws {
        let parsed = ConfigLoader.parse(path: config, engines: HubFactory.engines, environment: ConfigEnvironment())
        // Templates compile only where the template engine lives, after the file parsed.
        let problems = parsed.problems.map(\.description) + (parsed.configuration.map { MessageTemplates.problems($0.templates) } ?? [])
        if problems.isEmpty {
            print("configuration OK")
            return
        }
        for p in problems { print(p) }
        throw ExitCode(1)
    }
}
