import Foundation
import SwitchboardCore

/// What a run sends to: one hub in this process (`BenchHub`, SQLite) or hub processes on
/// one PostgreSQL (`HubNodes`). The load generator spreads requests over `baseURLs`.
protocol BenchSystem: Sendable {
    /// Every node's API, `http://127.0.0.1:PORT`.
    var baseURLs: [String] { get }
    var bearerToken: String { get }
    /// The hub itself when it runs in this process (entries `direct` and `store`, `--stage split`).
    var inProcessHub: Hub? { get }
    /// When each delivery id reached `target`'s connector.
    func arrivals(at target: BenchTarget) -> [String: Date]
    /// Whether anything is still queued or sending.
    func hasOutstanding() async throws -> Bool
    /// CPU seconds so far of the hub processes and the database, when they are processes of their own.
    func clusterCPU() -> ClusterCPU?
}

/// CPU seconds of the processes of a `--store postgres` run, read from `/proc`.
struct ClusterCPU: Sendable {
    var nodes: Int
    var hubSeconds: Double
    /// `nil` when the database does not run on this machine.
    var databaseSeconds: Double?

    static func - (after: ClusterCPU, before: ClusterCPU) -> ClusterCPU {
        ClusterCPU(
            nodes: after.nodes,
            hubSeconds: after.hubSeconds - before.hubSeconds,
            databaseSeconds: after.databaseSeconds.flatMap { a in before.databaseSeconds.map { a - $0 } }
        )
    }
}
