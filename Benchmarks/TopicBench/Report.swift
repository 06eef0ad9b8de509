import Foundation

/// The figures of every part run, printed as the README's tables.
struct Report {
    var runs: [FanOutResult] = []
    var history: (median: Double, best: Double) = (0, 0)
    var idle: (connections: Int, bytesPerConnection: Double, before: Int, after: Int) = (0, 0, 0, 0)
    var machineLoad = 0.0
    var floor: DiskFloor.Result?

    func print() {
        func f(_ d: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", d) }
        let database = runs.contains { $0.databaseCPU != nil }
        Swift.print(
            "\n| run | messages | messages/s fanned out | deliveries/s | p50 ms | p99 ms | server CPU µs/message |"
                + (database ? " PostgreSQL CPU µs/message |" : "")
        )
        Swift.print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (database ? " ---: |" : ""))
        for r in runs {
            var name = r.paced.map { "1 → \(r.subscribers), paced \($0)/s" } ?? "1 → \(r.subscribers), full speed"
            name += r.topic == "bench" ? "" : ", durability: commit"
            Swift.print(
                "| \(name) | \(r.messages) | \(f(r.messagesPerSecond)) | \(f(r.deliveriesPerSecond)) | \(f(r.p50, 2)) | \(f(r.p99, 2)) | \(f(r.cpuMicrosPerMessage)) |"
                    + (database ? " \(r.databaseMicrosPerMessage.map { f($0) } ?? "-") |" : "")
            )
        }
        if runs.contains(where: { !$0.nodes.isEmpty }) {
            // Server CPU above is every node's together: they share this process's threads.
            Swift.print("\nper node (server CPU above is all nodes together, one process; node 0 wrote every row):")
            Swift.print("\n| run | node | subscribers | rows received | messages/s | rows/s | p50 ms | p99 ms |")
            Swift.print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for r in runs {
                let name =
                    (r.paced.map { "1 → \(r.subscribers), paced \($0)/s" } ?? "1 → \(r.subscribers), full speed")
                    + (r.topic == "bench" ? "" : ", commit")
                for n in r.nodes {
                    Swift.print(
                        "| \(name) | \(n.node) | \(n.subscribers) | \(n.rows) | \(f(n.messagesPerSecond)) | \(f(n.rowsPerSecond)) | \(f(n.p50, 2)) | \(f(n.p99, 2)) |"
                    )
                }
            }
        }
        if let floor {
            Swift.print(
                "\ndisk floor: appending \(floor.writes) records at \(floor.perSecond)/s with group commit and fdatasync, no hub: "
                    + "p50 \(f(floor.p50, 2)) ms, p99 \(f(floor.p99, 2)) ms, max \(f(floor.max, 1)) ms (the least a flushing write can wait here)"
            )
        }
        if history.median > 0 {
            Swift.print(
                "\nhistory: 2,000 rows on connect in \(f(history.median, 1)) ms (median of 9; best \(f(history.best, 1)) ms), connection and upgrade included"
            )
        }
        if idle.connections > 0 {
            Swift.print(
                "idle: \(idle.connections) connections, \(f(idle.bytesPerConnection / 1024, 1)) KB resident per connection "
                    + "(server RSS \(idle.before / 1_048_576) → \(idle.after / 1_048_576) MiB, clients in a child process)"
            )
        }
        Swift.print(
            "machine: \(f(machineLoad, 2)) of \(ProcessInfo.processInfo.activeProcessorCount) cores busy on average during the runs (this process and any other)"
        )
    }
}
