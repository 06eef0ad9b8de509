import ArgumentParser
import SwitchboardConfig
import SwitchboardCore

/// Validates a configuration file and reports every problem with its key path and line.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file; report every problem with its key path and line.")
    @Option(help: "The YAML configuration file (default: $SWITCHBOARD_CONFIG).") var config: String?

    func run() async throws {
        let problems = ConfigLoader.check(path: config, engines: HubFactory.engines, environment: ConfigEnvironment())
        if problems.isEmpty {
            print("configuration OK")
            return
        }
        for p in problems { print(p.description) }
        throw ExitCode(1)
    }
}
