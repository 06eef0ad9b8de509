import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Counts the server's open connections, in all and per client address, and refuses one
/// beyond either cap.
///
/// Every accepted connection holds a file descriptor until it closes; past the process's
/// limit, `accept` and every other `open` fail (EMFILE), which no server survives for long.
/// The hub cap is therefore kept below the descriptor limit (see `FileDescriptorLimit`), and
/// the per-address cap keeps one client from taking all of it. A refused connection is
/// answered 503 and closed at once, without reading anything from it.
final class ConnectionLimiter: Sendable {
    enum Decision: Equatable {
        case admitted
        case refused(reason: String)
    }

    let maxConnections: Int
    let maxPerAddress: Int
    /// Addresses the per-address cap does not apply to (trusted reverse proxies).
    let exempt: @Sendable (String) -> Bool
    private let counts = NIOLockedValueBox((total: 0, byAddress: [String: Int]()))
    /// Refusals not yet logged, and when the last warning was: one line a minute at most.
    private let unlogged = NIOLockedValueBox((count: 0, lastWarning: NIODeadline.distantPast))
    private let refusals = Counter(label: "switchboard_http_connections_refused_total")

    init(maxConnections: Int, maxPerAddress: Int, exempt: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
        self.exempt = exempt
    }

    /// Admits a connection from `address` (nil: not an IP connection) or says why not; an
    /// admitted one must be `release`d exactly once.
    func admit(_ address: String?) -> Decision {
        let key = address ?? ""
        let capped = address.map { !exempt($0) } ?? false
        return counts.withLockedValue { counts in
            if counts.total >= maxConnections { return .refused(reason: "the hub has \(counts.total) connections open (server.max_connections)") }
            let mine = counts.byAddress[key, default: 0]
            if capped, mine >= maxPerAddress {
                return .refused(reason: "this address has \(mine) connections open (server.max_connections_per_address)")
            }
            counts.total += 1
            counts.byAddress[key] = mine + 1
            return .admitted
        }
    }

    func release(_ address: String?) {
        let key = address ?? ""
        counts.withLockedValue { counts in
            counts.total -= 1
            let left = counts.byAddress[key, default: 1] - 1
            counts.byAddress[key] = left > 0 ? left : nil
        }
    }

    var openConnections: Int { counts.withLockedValue { $0.total } }

    /// Accepts `channel` or answers it 503 and closes it. Returns whether it was admitted;
    /// an admitted channel is released when it closes.
    func admit(_ channel: any Channel, logger: Logger) -> Bool {
        let address = channel.remoteAddress?.ipAddress
        switch admit(address) {
        case .admitted:
            channel.closeFuture.whenComplete { _ in self.release(address) }
            return true
        case .refused(let reason):
            refusals.increment()
            warn(reason, logger: logger)
            let body = #"{"error":"too_many_connections","message":"\#(reason); try again later"}"#
            let response =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n\(body)"
            channel.writeAndFlush(ByteBuffer(string: response)).whenComplete { _ in channel.close(promise: nil) }
            return false
        }
    }

    private func warn(_ reason: String, logger: Logger) {
        let now = NIODeadline.now()
        let count: Int? = unlogged.withLockedValue { state in
            state.count += 1
            guard now - state.lastWarning >= .minutes(1) else { return nil }
            defer { state = (0, now) }
            return state.count
        }
        if let count { logger.warning("refusing connections", metadata: ["reason": "\(reason)", "refused": "\(count)"]) }
    }
}
