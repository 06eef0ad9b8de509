import Foundation

/// Reads the dispatch keys shared by every connector and every channel, whatever the engine:
/// failover behaviour, limits, retries, autocancel, fallback and packing.
enum DispatchSettingsParser {
    /// `connectors.NAME.{permanent_errors_as_transient, throughput, max_in_flight, failure_threshold, cooldown}`.
    static func connector(_ r: ConfigReader) -> ConnectorDispatchSettings {
        var s = ConnectorDispatchSettings()
        if let v = r.bool("permanent_errors_as_transient") { s.permanentErrorsAreTransient = v }
        if let v = r.double("throughput") {
            if v > 0 { s.gate.throughput = v } else { r.problem("throughput", "must be more than 0 messages per second") }
        }
        if let v = r.int("max_in_flight", in: 1...10_000) { s.gate.maxInFlight = v }
        if let v = r.int("failure_threshold", in: 1...1_000) { s.gate.failureThreshold = v }
        if let v = r.duration("cooldown") { s.gate.cooldown = v }
        return s
    }

    /// `channels.NAME.{strategy, retry, at_limit, autocancel, fallback, packing}`.
    static func channel(
        _ r: ConfigReader,
        into s: inout ChannelSettings,
        name: ChannelName,
        allChannels: Set<ChannelName>,
        defaults: DispatcherSettings
    ) {
        if let v = r.string("strategy") {
            if let strategy = ChannelSettings.RouteStrategy(rawValue: v) {
                s.strategy = strategy
            } else {
                let allowed = ChannelSettings.RouteStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                r.problem("strategy", "'\(v)' is not one of: \(allowed)")
            }
        }
        if let retry = r.child("retry") {
            var p = RetryPolicy(
                delay: defaults.retryDelay,
                factor: defaults.retryFactor,
                maxDelay: defaults.retryMaxDelay,
                limit: defaults.retryLimit,
                jitter: defaults.retryJitter
            )
            if let v = retry.duration("delay") { p.delay = v }
            if let v = retry.double("factor") {
                if v >= 1 { p.factor = v } else { retry.problem("factor", "must be at least 1") }
            }
            if let v = retry.duration("max_delay") { p.maxDelay = v }
            if let v = retry.int("limit", in: 1...1_000) { p.limit = v }
            if let v = retry.duration("jitter") { p.jitter = v }
            if p.maxDelay < p.delay { retry.problem("max_delay", "must not be less than delay") }
            retry.rejectUnknownKeys()
            s.retry = p
        }
        if let v = r.choice("at_limit", ChannelSettings.LimitAction.self) { s.atLimit = v }
        if let v = r.duration("autocancel") {
            if v > 0 { s.autocancelAfter = v } else { r.problem("autocancel", "must be more than 0 (remove the key to never autocancel)") }
        }
        if let v = r.string("fallback") {
            let fallback = ChannelName(v)
            if fallback == name {
                r.problem("fallback", "a channel cannot fall back to itself")
            } else if !allChannels.contains(fallback) {
                r.problem("fallback", "unknown channel '\(v)'; configured channels: \(allChannels.map(\.rawValue).sorted().joined(separator: ", "))")
            } else {
                s.fallback = fallback
            }
        }
        if let packing = r.child("packing") {
            var p = PackingSettings()
            if let mode = packing.string("mode") {
                if ["nav", "segments"].contains(mode) { p.mode = mode } else { packing.problem("mode", "'\(mode)' is not one of: nav, segments") }
            }
            if let v = packing.int("max_parts", in: 1...10) { p.maxParts = v }
            packing.rejectUnknownKeys()
            s.packing = p
        }
    }

    /// `inbox:`.
    static func inbox(_ r: ConfigReader?) -> InboxSettings {
        var s = InboxSettings()
        guard let r else { return s }
        if let v = r.bool("replies_to_sender") { s.repliesToSender = v }
        if let v = r.positiveDuration("reply_window") { s.replyWindow = v }
        r.rejectUnknownKeys()
        return s
    }

    /// `dispatcher:`.
    static func dispatcher(_ r: ConfigReader?) -> DispatcherSettings {
        var s = DispatcherSettings()
        guard let r else { return s }
        if let v = r.int("workers", in: 1...256) { s.workers = v }
        if let v = r.positiveDuration("poll_interval") { s.pollInterval = v }
        if let v = r.positiveDuration("lease") { s.lease = v }
        if let v = r.duration("retry_delay") { s.retryDelay = v }
        if let v = r.double("retry_factor") {
            if v >= 1 { s.retryFactor = v } else { r.problem("retry_factor", "must be at least 1 (1 keeps every retry delay the same)") }
        }
        if let v = r.duration("retry_max_delay") { s.retryMaxDelay = v }
        if let v = r.atLeast("retry_limit", 1) { s.retryLimit = v }
        if let v = r.duration("shutdown_grace") { s.shutdownGrace = v }
        if let v = r.duration("retry_jitter") { s.retryJitter = v }
        if s.retryMaxDelay < s.retryDelay {
            r.problem("retry_max_delay", "must not be less than retry_delay (\(seconds(s.retryMaxDelay)) < \(seconds(s.retryDelay)))")
        }
        r.rejectUnknownKeys()
        return s
    }

    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? "\(Int(t))s" : "\(t)s"
    }
}

extension ConfigReader {
    /// A whole number no smaller than `minimum`.
    func atLeast(_ key: String, _ minimum: Int) -> Int? {
        guard let v = int(key) else { return nil }
        guard v >= minimum else {
            problem(key, "must be at least \(minimum)")
            return nil
        }
        return v
    }

    /// A duration longer than zero.
    func positiveDuration(_ key: String) -> TimeInterval? {
        guard let v = duration(key) else { return nil }
        guard v > 0 else {
            problem(key, "must be longer than 0")
            return nil
        }
        return v
    }
}
