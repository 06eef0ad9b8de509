import Foundation

/// The id a hub process goes by in leases: `cluster.node_id` when set, else one made at start
/// from the host name, the process id and a random part, so two processes on one host (or a
/// restarted process that reused its pid) never take each other for the same node.
package enum ClusterNodeID {
    package static func make(configured: String? = nil) -> String {
        if let configured, !configured.isEmpty { return configured }
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let random = UInt32.random(in: 0...UInt32.max)
        return "\(host)-\(pid)-\(String(random, radix: 16))"
    }
}
