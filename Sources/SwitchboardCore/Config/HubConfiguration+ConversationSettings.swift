import Foundation

// The engine's keys under `conversations:` and each connector's `command_prefix`. The
// responders declared under `conversations.responders` are read by their own parser.
extension HubConfigurationParser {
    /// `conversations.{command_prefix, idle_timeout, signout_timeout, retention, sweep_interval}`.
    func conversationSettings(_ r: ConfigReader?, connectors: [ConnectorSettings]) -> ConversationSettings {
        var s = ConversationSettings()
        for connector in connectors {
            if let prefix = connector.commandPrefix { s.connectorPrefixes[connector.name] = prefix }
        }
        guard let r else { return s }
        if let v = Self.commandPrefix(r) { s.commandPrefix = v }
        if let v = r.positiveDuration("idle_timeout") { s.idleTimeout = v }
        if let v = r.positiveDuration("signout_timeout") { s.signOutTimeout = v }
        if let v = r.positiveDuration("retention") { s.retention = v }
        if let v = r.positiveDuration("sweep_interval") { s.sweepInterval = v }
        return s
    }

    /// `command_prefix` of `r` (the conversations section or a connector), checked.
    static func commandPrefix(_ r: ConfigReader) -> String? {
        guard let v = r.string("command_prefix") else { return nil }
        if let problem = ConversationSettings.prefixProblem(v) {
            r.problem("command_prefix", "'\(v)' \(problem)")
            return nil
        }
        return v
    }
}
