/// One node's share of a fan-out run over several nodes: what its subscribers received and
/// how late, so the node that wrote the rows can be told from the nodes that heard of them.
struct NodeFigures {
    var node: Int
    var subscribers: Int
    /// Rows received by this node's subscribers, all told.
    var rows: Int
    /// From the first publish to the last row at this node.
    var seconds: Double
    var p50: Double, p99: Double
    var rowsPerSecond: Double { Double(rows) / seconds }
    /// Messages per second reaching every subscriber of this node (as the run's own column).
    var messagesPerSecond: Double { subscribers == 0 ? 0 : rowsPerSecond / Double(subscribers) }

    init(node: Int, subscribers subs: [Subscriber], sent: [UInt64]) {
        self.node = node
        subscribers = subs.count
        rows = subs.reduce(0) { $0 + $1.received.load(ordering: .relaxed) }
        let end = subs.map { $0.lastArrival.load(ordering: .relaxed) }.max() ?? 0
        seconds = Double(end &- (sent.first ?? end)) / 1e9
        let latencies = Self.latencies(of: subs, sent: sent)
        p50 = Self.percentile(latencies, 50)
        p99 = Self.percentile(latencies, 99)
    }

    /// Milliseconds from publish to receipt at the sampled subscribers, sorted.
    static func latencies(of subs: [Subscriber], sent: [UInt64]) -> [Double] {
        var latencies: [Double] = []
        for s in subs {
            for (i, t) in (s.arrivals?.withLock { $0 } ?? []).enumerated() where t > 0 {
                latencies.append(Double(t - sent[i]) / 1e6)
            }
        }
        return latencies.sorted()
    }

    static func percentile(_ sorted: [Double], _ p: Int) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * p / 100)]
    }
}
