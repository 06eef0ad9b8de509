import Foundation

/// The figures as a Markdown table, ready for the README.
enum ReportTable {
    static let header = [
        "target", "load", "sync", "accepted", "accepted/s", "sent/s",
        "accept p50/p99 ms", "accept→sent p50 / p90 / p99 / max ms", "errors", "drained s", "CPU % (others)", "RSS max MiB",
    ]

    static func render(_ results: [RunResult], cores: Int, flush: Percentiles?) -> String {
        var lines = [row(header), row(header.map { _ in "---" })]
        for r in results { lines.append(row(cells(r))) }
        lines.append("")
        lines.append("accept: request started (or scheduled, open loop) → 202 read. accept→sent: 202 read → the connector got it.")
        lines.append("drained: first request → nothing queued or sending in the store. CPU % of one core (\(cores) cores = \(cores * 100) %);")
        lines.append("(others): CPU used meanwhile by other processes on the machine. split: sent/s and drained from the dispatcher's start.")
        lines.append(
            "CPU µs per message, while submitting / afterwards: "
                + results.map { r in
                    "\(r.target.rawValue) \(r.load) \(OutboxBench.format(r.cpuMicrosecondsPerMessageWhileSubmitting, decimals: 0)) / \(OutboxBench.format(r.cpuMicrosecondsPerMessageAfterwards, decimals: 0))"
                }.joined(separator: "; ") + "."
        )
        let clustered = results.filter { $0.nodes != nil }
        if !clustered.isEmpty {
            lines.append(
                "CPU µs per message with --store postgres, hub processes + PostgreSQL + this process (load and stand-in): "
                    + clustered.map { r in
                        let f = OutboxBench.format
                        let bench = r.cpuMicrosecondsPerMessageWhileSubmitting + r.cpuMicrosecondsPerMessageAfterwards
                        return "\(r.nodes ?? 1) node(s) \(r.load) \(f(r.hubCPUMicrosecondsPerMessage ?? .nan, 0)) + "
                            + "\(f(r.databaseCPUMicrosecondsPerMessage ?? .nan, 0)) + \(f(bench, 0))"
                    }.joined(separator: "; ") + "."
            )
            lines.append("CPU % (others) with --store postgres: this process; (others) includes the hubs and PostgreSQL.")
        }
        lines.append("Disk flush (4 KiB write + fdatasync): \(describe(flush)).")
        return lines.joined(separator: "\n")
    }

    static func cells(_ r: RunResult) -> [String] {
        let f = OutboxBench.format
        let errors = r.errors.values.reduce(0, +)
        let lost = r.accepted - r.sent
        return [
            r.target.rawValue + (r.nodes.map { ", \($0) node\($0 == 1 ? "" : "s")" } ?? ""),
            r.load + (r.entry == .http ? "" : ", \(r.entry.rawValue)") + (r.stage == "split" ? ", split" : ""),
            r.synchronous.uppercased(),
            "\(r.accepted)", f(r.acceptedPerSecond, 0), f(r.sentPerSecond, 0),
            "\(f(r.acceptMs.p50, 1)) / \(f(r.acceptMs.p99, 1))",
            "\(f(r.acceptToSentMs.p50, 1)) / \(f(r.acceptToSentMs.p90, 1)) / \(f(r.acceptToSentMs.p99, 1)) / \(f(r.acceptToSentMs.max, 1))",
            errors == 0 && lost == 0 ? "0" : "\(errors)" + (lost > 0 ? " (\(lost) not sent)" : ""),
            r.settledSeconds.map { f($0, 1) } ?? "timeout",
            "\(f(r.cpuPercent, 0)) (\(f(r.otherProcessesCPUPercent, 0)))", f(r.peakResidentMiB, 0),
        ]
    }

    /// One line for progress on standard error.
    static func summary(_ r: RunResult) -> String {
        let f = OutboxBench.format
        var line =
            "\(r.accepted) accepted, \(f(r.acceptedPerSecond, 0))/s accepted, \(f(r.sentPerSecond, 0))/s sent, "
            + "accept→sent p50 \(f(r.acceptToSentMs.p50, 1)) ms p99 \(f(r.acceptToSentMs.p99, 1)) ms, CPU \(f(r.cpuPercent, 0)) %"
            + " (others \(f(r.otherProcessesCPUPercent, 0)) %), CPU µs/message \(f(r.cpuMicrosecondsPerMessageWhileSubmitting, 0))"
            + " + \(f(r.cpuMicrosecondsPerMessageAfterwards, 0))"
        if let hubs = r.hubCPUMicrosecondsPerMessage {
            line += "; hubs \(f(hubs, 0)) + PostgreSQL \(f(r.databaseCPUMicrosecondsPerMessage ?? .nan, 0)) µs/message"
        }
        if !r.errors.isEmpty { line += ", errors \(r.errors)" }
        if r.sent < r.accepted { line += ", \(r.accepted - r.sent) not sent" }
        return line
    }

    static func describe(_ flush: Percentiles?) -> String {
        guard let flush else { return "could not measure" }
        let f = OutboxBench.format
        return "p50 \(f(flush.p50, 2)) ms, p90 \(f(flush.p90, 2)) ms, p99 \(f(flush.p99, 2)) ms"
    }

    static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
}
