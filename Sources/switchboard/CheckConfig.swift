import ArgumentParser
import SwitchboardConfig
import SwitchboardCore
import SwitchboardServer

/// Validates a configuration file and reports every problem with its key path and line.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file; report every problem with its key path and line."
    )
    @Option(help: "The YAML configuration file (default: $SWITCHBOARD_CONFIG).") var config: String?
    @Argument(help: "The YAML configuration file, as a plain argument (the same as --config).") var file: String?

    func validate() throws {
        if let file, let config, file != config {
            throw ValidationError("two configuration files given ('\(file)' and --config '\(config)'); check one at a time")
        }
    }

    func run() async throws {
        let parsed = ConfigLoader.parse(path: file ?? config, engines: HubFactory.engines, environment: ConfigEnvironment())
        // Templates (message templates, topic alerts) compile only where the template engine
        // lives, after the file parsed.
        let problems = (parsed.problems + (parsed.configuration?.templateProblems ?? [])).map(\.description)
        if problems.isEmpty {
            print("configuration OK")
            return
        }
        for p in problems { print(p) }
        throw ExitCode(1)
    }
}
