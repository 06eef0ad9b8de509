import Foundation
import NIOCore
import SwitchboardCore
import Synchronization

/// Up to `size` SMTP sessions to one server, kept open between sends.
///
/// Why pool: a TLS handshake and AUTH cost several round trips, and an alert to a group is
/// many sends in a row. A session taken from the pool is first proved with RSET (which also
/// clears anything a failed transaction left); one that fails RSET, sat idle too long, or saw
/// any error is closed and replaced, never reused. Callers beyond `size` wait their turn.
final class SMTPConnectionPool: Sendable {
    private struct Idle {
        var connection: SMTPConnection
        var since: ContinuousClock.Instant
    }
    private struct State {
        var idle: [Idle] = []
        var closed = false
    }

    let endpoint: SMTPConnection.Endpoint
    let size: Int
    /// Sessions idle longer than this are closed rather than reused (servers drop them after a few minutes).
    let maxIdle: Duration
    private let group: any EventLoopGroup
    private let permits: AsyncSemaphore
    private let state = Mutex(State())

    init(endpoint: SMTPConnection.Endpoint, size: Int, maxIdle: Duration = .seconds(60), group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.size = max(1, size)
        self.maxIdle = maxIdle
        self.group = group
        permits = AsyncSemaphore(permits: max(1, size))
    }

    /// Runs `body` with a ready session; the session goes back to the pool only if `body` succeeded.
    func withConnection<T: Sendable>(_ body: (SMTPConnection) async throws(ConnectorError) -> T) async throws(ConnectorError) -> T {
        do { try await permits.acquire() } catch { throw .transient("cancelled while waiting for a free SMTP connection") }
        defer { permits.release() }
        let connection = try await lease()
        do {
            let value = try await body(connection)
            giveBack(connection)
            return value
        } catch {
            connection.close()
            throw error
        }
    }

    /// The number of sessions waiting in the pool (for tests).
    var idleCount: Int { state.withLock { $0.idle.count } }

    /// Closes idle sessions with QUIT; later sends fail transiently.
    func shutdown() async {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        for i in idle { await i.connection.quit() }
    }

    private func lease() async throws(ConnectorError) -> SMTPConnection {
        while true {
            let next: Idle?? = state.withLock { s in s.closed ? .none : .some(s.idle.popLast()) }
            guard let candidate = next else { throw .transient("SMTP connector is shut down") }
            guard let idle = candidate else { return try await SMTPConnection.connect(endpoint, group: group) }
            guard idle.connection.isActive, ContinuousClock.now - idle.since < maxIdle else {
                await idle.connection.quit()
                continue
            }
            do {
                try await idle.connection.reset()
                return idle.connection
            } catch {
                idle.connection.close()
            }
        }
    }

    private func giveBack(_ connection: SMTPConnection) {
        let keep = state.withLock { s in
            guard !s.closed, connection.isActive, s.idle.count < size else { return false }
            s.idle.append(Idle(connection: connection, since: .now))
            return true
        }
        if !keep { connection.close() }
    }
}
