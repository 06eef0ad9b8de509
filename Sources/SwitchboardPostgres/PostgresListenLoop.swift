import PostgresNIO
import SwitchboardCore

/// What a listening connection went through, for logs and tests (the doorbell's and the
/// fan-out listener's alike).
package enum PostgresListenEvent: Sendable, Equatable {
    case listening
    case lost(reason: String)
}

/// One connection that `LISTEN`s on one channel for good: the loop the doorbell and the
/// fan-out listener share, so they connect, listen, lose and come back the same way.
///
/// The connection is its own, not the pool's (it is held for good), named by
/// `applicationName` for `pg_stat_activity`. Each time listening (re)starts, the failure count
/// resets, `.listening` is reported and `listening()` runs before any notification (the caller
/// catches up on what it missed meanwhile); notifications go to `notified` one at a time, in
/// the order they came. A lost connection, or a stream the server ended, is reported as
/// `.lost`, and `deaf(wait)` spends the store's back-off (sleeping, or polling meanwhile)
/// before the next attempt. Cancellation ends the loop quietly.
struct PostgresListenLoop: Sendable {
    let store: PostgresStore
    let channel: String
    let applicationName: String
    let retry: RetryPolicy
    let onEvent: @Sendable (PostgresListenEvent) -> Void

    func run(
        listening: () async -> Void,
        notified: (PostgresNotification) async -> Void,
        deaf: (Duration) async throws -> Void
    ) async throws {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await store.connect(applicationName: applicationName)
                do {
                    try await connection.listen(on: channel) { notifications in
                        failures = 0
                        onEvent(.listening)
                        await listening()
                        for try await notification in notifications { await notified(notification) }
                    }
                    try? await connection.close()
                    throw ListenEnded()
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                onEvent(.lost(reason: store.reason(error)))
                try await deaf(.seconds(retry.backoff(afterAttempts: failures) ?? retry.maxDelay))
            }
        }
    }
}

/// The notification stream ended without an error: the server closed the connection.
private struct ListenEnded: Error, CustomStringConvertible {
    var description: String { "the server closed the listening connection" }
}
