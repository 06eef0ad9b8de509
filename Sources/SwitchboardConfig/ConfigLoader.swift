import SwitchboardCore

/// Finds, reads and validates the hub's one configuration file, for `serve` and `check-config`.
///
/// The file is `--config FILE` if given, else `$SWITCHBOARD_CONFIG`, else none: the embedded
/// default (one `tester` bucket connector on sms, email and im), so `switchboard serve` works
/// out of the box. Both entry points go through the same `parse`, so `check-config` reports
/// exactly what `serve` would refuse to start with.
package enum ConfigLoader {
    /// The environment variable naming the configuration file when `--config` is not given.
    package static let pathVariable = "SWITCHBOARD_CONFIG"

    /// The validated configuration and its connectors; throws every problem found at once.
    package static func load(
        path: String?,
        engines: [ConnectorEngine],
        environment: ConfigEnvironment
    ) throws(ConfigurationError) -> (HubConfiguration, [any Connector]) {
        let parsed = parse(path: path, engines: engines, environment: environment)
        guard let configuration = parsed.configuration, parsed.problems.isEmpty else {
            throw ConfigurationError(problems: parsed.problems)
        }
        return (configuration, parsed.connectors)
    }

    /// Every problem in the configuration `load` would use; empty when it is good.
    package static func check(path: String?, engines: [ConnectorEngine], environment: ConfigEnvironment) -> [ConfigProblem] {
        parse(path: path, engines: engines, environment: environment).problems
    }

    /// The file `load` reads: `path`, else `$SWITCHBOARD_CONFIG` if set and not empty, else nil
    /// (the embedded default).
    package static func resolvedPath(_ path: String?, environment: ConfigEnvironment) -> String? {
        if let path { return path }
        if let fromEnvironment = environment.variables[pathVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return nil
    }

    /// Reads and validates the configuration `load` would use, keeping every problem.
    package static func parse(path: String?, engines: [ConnectorEngine], environment: ConfigEnvironment) -> ParsedConfiguration {
        guard let file = resolvedPath(path, environment: environment) else {
            return HubConfiguration.parse(.mapping([]), engines: engines, environment: environment)
        }
        return combine(YAMLConfig.read(contentsOf: file), engines: engines, environment: environment)
    }

    /// Reads and validates YAML text, as `parse(path:…)` does a file's.
    package static func parse(yaml: String, engines: [ConnectorEngine], environment: ConfigEnvironment) -> ParsedConfiguration {
        combine(YAMLConfig.read(yaml: yaml), engines: engines, environment: environment)
    }

    private static func combine(
        _ read: (node: ConfigNode?, problems: [ConfigProblem]),
        engines: [ConnectorEngine],
        environment: ConfigEnvironment
    ) -> ParsedConfiguration {
        guard let node = read.node else { return ParsedConfiguration(configuration: nil, connectors: [], problems: read.problems) }
        var parsed = HubConfiguration.parse(node, engines: engines, environment: environment)
        guard !read.problems.isEmpty else { return parsed }
        // A duplicate key leaves a usable tree: report it together with what validation finds.
        parsed.problems = ConfigProblem.inFileOrder(read.problems + parsed.problems)
        parsed.configuration = nil
        parsed.connectors = []
        return parsed
    }
}
