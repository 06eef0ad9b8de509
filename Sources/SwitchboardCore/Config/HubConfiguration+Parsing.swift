import Foundation

/// The outcome of reading a configuration tree: either a usable configuration with its
/// connectors, or every problem found.
///
/// One value rather than a throw so `check-config` can list all problems while `serve` (via
/// `ConfigLoader.load`) refuses to start on any of them; nothing half-valid leaks out.
package struct ParsedConfiguration: Sendable {
    /// The validated configuration; nil when there are problems.
    package var configuration: HubConfiguration?
    /// One connector per declared connector, made by its engine, in declaration order; empty
    /// when there are problems.
    package var connectors: [any Connector]
    /// Every problem found, in file order.
    package var problems: [ConfigProblem]
    /// Every key path the readers asked for (`ConfigReader.Log.asked`), present or not.
    package var keysRead: Set<String>

    package init(configuration: HubConfiguration?, connectors: [any Connector], problems: [ConfigProblem], keysRead: Set<String> = []) {
        self.configuration = configuration
        self.connectors = connectors
        self.problems = problems
        self.keysRead = keysRead
    }
}

extension ConfigProblem {
    /// `problems` by line, those without a line last, ties in the order found, so a report
    /// reads top to bottom like the file.
    public static func inFileOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated().sorted { a, b in
            let la = a.element.mark?.line ?? .max
            let lb = b.element.mark?.line ?? .max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

extension HubConfiguration {
    /// Validates a whole configuration tree (see `switchboard.example.yaml`) and makes its
    /// connectors through `engines`, reporting every problem with its key path and line.
    ///
    /// Absent keys take the defaults of `HubConfiguration`; no `connectors` means the embedded
    /// default's `tester` bucket; no `channels` means each channel is routed over the
    /// connectors serving it, in declaration order. Unknown keys are problems at every level.
    package static func parse(_ root: ConfigNode, engines: [ConnectorEngine], environment: ConfigEnvironment) -> ParsedConfiguration {
        HubConfigurationParser(root: root, engines: engines, environment: environment).parse()
    }

    /// Connector and channel names: 1-64 characters of `a-z`, `0-9`, `_`, `-`, so they are
    /// safe in key paths, URLs, metric labels and logs.
    package static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 }
    }
}

/// One pass over a configuration tree. A class because every section shares the reader log
/// and the cross-section problems.
final class HubConfigurationParser {
    static let nameRule = "1-64 characters of a-z, 0-9, '_' or '-'"
    let top: ConfigReader
    let engines: [String: ConnectorEngine]
    let environment: ConfigEnvironment
    /// Problems whose path or line a `ConfigReader` cannot name (list items, mapping keys).
    var extra: [ConfigProblem] = []
    /// Channel retry policies start from the dispatcher's.
    var dispatcherDefaults = DispatcherSettings()

    init(root: ConfigNode, engines: [ConnectorEngine], environment: ConfigEnvironment) {
        top = ConfigReader(node: root, path: "")
        var byName: [String: ConnectorEngine] = [:]
        for engine in engines where byName[engine.name] == nil { byName[engine.name] = engine }
        self.engines = byName
        self.environment = environment
    }

    func parse() -> ParsedConfiguration {
        var config = HubConfiguration()
        config.server = server(top.child("server"))
        config.storage = storage(top.child("storage"))
        config.logging = logging(top.child("logging"))
        config.admin = admin(top.child("admin"))
        config.dispatcher = DispatchSettingsParser.dispatcher(top.child("dispatcher"))
        dispatcherDefaults = config.dispatcher
        let (declared, made) = connectors()
        config.connectors = declared
        config.channels = channels(declared)
        config.forwarding = forwarding(declared)
        config.autoReplies = autoReplies()
        config.inbox = DispatchSettingsParser.inbox(top.child("inbox"))
        config.topics = HubConfiguration.parseTopics(top)
        config.templates = HubConfiguration.parseTemplates(top)
        let conversations = top.child("conversations")
        config.conversations = conversationSettings(conversations, connectors: declared)
        config.responders = conversations.map { HubConfiguration.parseResponders($0, topics: config.topics) } ?? []
        conversations?.rejectUnknownKeys()
        config.cluster = cluster(top.child("cluster"))
        top.rejectUnknownKeys()
        let problems = ConfigProblem.inFileOrder(top.problems + extra)
        guard problems.isEmpty else { return ParsedConfiguration(configuration: nil, connectors: [], problems: problems, keysRead: top.log.asked) }
        return ParsedConfiguration(configuration: config, connectors: made, problems: [], keysRead: top.log.asked)
    }

    // MARK: - Plain sections

    func server(_ r: ConfigReader?) -> ServerSettings {
        var s = ServerSettings()
        guard let r else { return s }
        if let v = r.string("host") { if v.isEmpty { r.problem("host", "must not be empty") } else { s.host = v } }
        if let v = r.int("port", in: 1...65535) { s.port = v }
        if let v = r.atLeast("max_body_bytes", 1) { s.maxBodyBytes = v }
        if let v = r.bool("secure_cookies") { s.secureCookies = v }
        if let v = r.positiveDuration("session_ttl") { s.sessionTTL = v }
        if let v = r.originList("allowed_origins") { s.allowedOrigins = v }
        if let v = r.originList("widget_origins") { s.widgetOrigins = v }
        s.transport = TransportSettings(r)
        r.rejectUnknownKeys()
        return s
    }

    func storage(_ r: ConfigReader?) -> StorageSettings {
        var s = StorageSettings()
        guard let r else { return s }
        if let v = oneOf(r, "driver", ["sqlite", "postgres"]).flatMap(StorageSettings.Driver.init) { s.driver = v }
        if let v = r.string("data_dir") { if v.isEmpty { r.problem("data_dir", "must not be empty") } else { s.dataDirectory = v } }
        if let v = oneOf(r, "synchronous", ["full", "normal"]).flatMap(StorageSettings.Synchronous.init) { s.synchronous = v }
        if let v = r.duration("credential_cache") {
            if v > 300 { r.problem("credential_cache", "must be at most 5m: a deleted token must stop working soon") } else { s.credentialCache = v }
        }
        s.postgres = PostgresSettings(r.child("postgres"), parent: r, required: s.driver == .postgres, environment: environment)
        r.rejectUnknownKeys()
        return s
    }

    func logging(_ r: ConfigReader?) -> LoggingSettings {
        var s = LoggingSettings()
        guard let r else { return s }
        if let v = oneOf(r, "level", ["trace", "debug", "info", "notice", "warning", "error", "critical"]) { s.level = v }
        if let v = oneOf(r, "format", ["text", "json"]).flatMap(LoggingSettings.Format.init) { s.format = v }
        r.rejectUnknownKeys()
        return s
    }

    func admin(_ r: ConfigReader?) -> AdminSettings {
        var s = AdminSettings()
        guard let r else { return s }
        if let v = r.string("username") {
            if Username.isValid(v) { s.username = v } else { r.problem("username", "must be 1-64 characters of a-z, 0-9, '.', '_' or '-'") }
        }
        if let v = r.string("password_env") {
            // Only the variable's name is checked here: when it is unset a password is generated.
            let ok =
                !v.isEmpty && v.first.map { !$0.isNumber } == true
                && v.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if ok { s.passwordEnv = v } else { r.problem("password_env", "'\(v)' is not an environment variable name") }
        }
        r.rejectUnknownKeys()
        return s
    }

    // MARK: - Connectors

    func connectors() -> ([ConnectorSettings], [any Connector]) {
        guard let node = top.value("connectors") else { return defaultConnectors() }
        guard case .mapping(let pairs, _) = node else {
            top.problem("connectors", "expected a mapping of connector names to their settings")
            return ([], [])
        }
        if pairs.isEmpty { top.problem("connectors", "declares no connector; declare one, or remove the key to use the built-in tester") }
        var declared: [ConnectorSettings] = []
        var made: [any Connector] = []
        for pair in pairs {
            let path = "connectors.\(pair.key)"
            if !HubConfiguration.isValidName(pair.key) {
                report(path, pair.keyMark ?? pair.value.mark, "connector name must be \(Self.nameRule)")
            }
            if declared.contains(where: { $0.name == pair.key }) {
                report(path, pair.keyMark ?? pair.value.mark, "connector is declared twice")
                continue
            }
            let reader = ConfigReader(node: pair.value, path: path, pattern: "connectors.*", log: top.log)
            guard isMappingOrNull(pair.value) else { continue }  // the reader has said so
            let engineName = reader.string("engine", required: true)
            let settings = ConnectorSettings(
                name: pair.key,
                engine: engineName ?? "",
                channels: channelList(reader),
                settings: engineKeys(pair.value),
                dispatch: DispatchSettingsParser.connector(reader),
                commandPrefix: Self.commandPrefix(reader)
            )
            declared.append(settings)
            guard let engineName, !engineName.isEmpty else { continue }
            guard let engine = engines[engineName] else {
                // Without the engine its keys cannot be told from typos, so they are not reported.
                let known = engines.keys.sorted().joined(separator: ", ")
                reader.problem("engine", "unknown engine '\(engineName)'; known engines: \(known.isEmpty ? "none" : known)")
                continue
            }
            if let connector = make(engine, settings, reader) { made.append(connector) }
        }
        return (declared, made)
    }

    /// The embedded default's connectors, made through their engines when those are known.
    func defaultConnectors() -> ([ConnectorSettings], [any Connector]) {
        let declared = HubConfiguration.embeddedDefault.connectors
        var made: [any Connector] = []
        for settings in declared {
            guard let engine = engines[settings.engine] else { continue }
            let reader = ConfigReader(node: settings.settings, path: "connectors.\(settings.name)", pattern: "connectors.*", log: top.log)
            if let connector = make(engine, settings, reader) { made.append(connector) }
        }
        return (declared, made)
    }

    func make(_ engine: ConnectorEngine, _ settings: ConnectorSettings, _ reader: ConfigReader) -> (any Connector)? {
        let before = top.problems.count
        reader.pattern = "connectors.<\(engine.name)>"  // what the engine reads is its own
        let connector = engine.make(settings, reader, environment)
        let engineReported = top.problems.count > before
        reader.rejectUnknownKeys()
        if connector == nil && !engineReported { reader.problem(nil, "engine '\(engine.name)' could not make this connector") }
        return connector
    }

    func channelList(_ reader: ConfigReader) -> [ChannelName] {
        guard reader.value("channels") != nil else {
            reader.problem("channels", "missing; list the channels this connector serves, e.g. [sms]")
            return []
        }
        guard let names = reader.stringList("channels") else { return [] }
        if names.isEmpty { reader.problem("channels", "must name at least one channel") }
        var out: [ChannelName] = []
        for name in names {
            if !HubConfiguration.isValidName(name) {
                reader.problem("channels", "'\(name)' is not a channel name (\(Self.nameRule))")
            } else if out.contains(ChannelName(name)) {
                reader.problem("channels", "'\(name)' is listed twice")
            } else {
                out.append(ChannelName(name))
            }
        }
        return out
    }

    /// The connector's mapping without the keys the hub reads, for the engine.
    func engineKeys(_ node: ConfigNode) -> ConfigNode {
        guard case .mapping(let pairs, let mark) = node else { return .mapping([], node.mark) }
        return .mapping(pairs.filter { $0.key != "engine" && $0.key != "channels" }, mark)
    }

    // MARK: - Channels

    func channels(_ connectors: [ConnectorSettings]) -> [ChannelName: ChannelSettings] {
        guard let node = top.value("channels") else {
            var derived: [ChannelName: ChannelSettings] = [:]
            for connector in connectors {
                for channel in connector.channels { derived[channel, default: ChannelSettings(route: [])].route.append(connector.name) }
            }
            return derived
        }
        guard case .mapping(let pairs, _) = node else {
            top.problem("channels", "expected a mapping of channel names to their routes")
            return [:]
        }
        var result: [ChannelName: ChannelSettings] = [:]
        let allChannels = Set(pairs.map { ChannelName($0.key) })
        for pair in pairs {
            let path = "channels.\(pair.key)"
            if !HubConfiguration.isValidName(pair.key) {
                report(path, pair.keyMark ?? pair.value.mark, "channel name must be \(Self.nameRule)")
            }
            let reader = ConfigReader(node: pair.value, path: path, pattern: "channels.*", log: top.log)
            guard isMappingOrNull(pair.value) else { continue }
            let route = self.route(reader, channel: ChannelName(pair.key), connectors)
            var settings = ChannelSettings(route: route)
            DispatchSettingsParser.channel(
                reader,
                into: &settings,
                name: ChannelName(pair.key),
                allChannels: allChannels,
                defaults: dispatcherDefaults
            )
            reader.rejectUnknownKeys()
            result[ChannelName(pair.key)] = settings
        }
        return result
    }

    func route(_ reader: ConfigReader, channel: ChannelName, _ connectors: [ConnectorSettings]) -> [String] {
        guard let entries = scalarItems(reader, "route", what: "connector name") else {
            if reader.value("route") == nil { reader.problem("route", "missing; list the connectors to try, in order") }
            return []
        }
        if entries.isEmpty { reader.problem("route", "must name at least one connector") }
        var route: [String] = []
        for (name, path, mark) in entries {
            guard let connector = connectors.first(where: { $0.name == name }) else {
                let declared = connectors.map(\.name).joined(separator: ", ")
                report(path, mark, "unknown connector '\(name)'; declared connectors: \(declared.isEmpty ? "none" : declared)")
                continue
            }
            guard connector.channels.contains(channel) else {
                let serves = connector.channels.map(\.rawValue).joined(separator: ", ")
                report(path, mark, "connector '\(name)' does not serve channel '\(channel)'; it serves: \(serves.isEmpty ? "none" : serves)")
                continue
            }
            guard !route.contains(name) else {
                report(path, mark, "connector '\(name)' is already in this route")
                continue
            }
            route.append(name)
        }
        return route
    }

    // MARK: - Helpers

    func report(_ path: String, _ mark: ConfigMark?, _ message: String) {
        extra.append(ConfigProblem(path: path, mark: mark, message: message))
    }

    func isMappingOrNull(_ node: ConfigNode) -> Bool {
        switch node {
        case .mapping, .null: true
        case .scalar, .sequence: false
        }
    }

    /// A list of single values at `key` (a lone value counts as a list of one), each with its
    /// own path and line; nil if absent or not a list (reported).
    func scalarItems(_ r: ConfigReader, _ key: String, what: String) -> [(String, String, ConfigMark?)]? {
        guard let node = r.value(key) else { return nil }
        switch node {
        case .scalar(let s, let mark): return [(s, r.keyPath(key), mark)]
        case .sequence(let items, _):
            var out: [(String, String, ConfigMark?)] = []
            for (i, item) in items.enumerated() {
                let path = "\(r.keyPath(key))[\(i)]"
                guard case .scalar(let s, let mark) = item else {
                    report(path, item.mark, "expected a \(what)")
                    continue
                }
                out.append((s, path, mark))
            }
            return out
        default:
            r.problem(key, "expected a list of \(what)s")
            return nil
        }
    }

    func oneOf(_ r: ConfigReader, _ key: String, _ allowed: [String]) -> String? {
        guard let s = r.string(key) else { return nil }
        guard allowed.contains(s) else {
            r.problem(key, "'\(s)' is not one of: \(allowed.joined(separator: ", "))")
            return nil
        }
        return s
    }

}
