import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardCore

/// Rings this node's dispatcher when any node queues a delivery, so a message accepted on
/// node A is sent as soon as node B is free, not at B's next poll.
///
/// Writes that make deliveries due (`accept`, `addDeliveries`, `requeue`, a hand-made move
/// to `queued`, `releaseClaims`) `NOTIFY switchboard_deliveries` with a message id or nothing
/// as the payload, never message data; PostgreSQL delivers the notice at commit, so a ring always finds the rows.
/// The doorbell `LISTEN`s on a connection of its own (not the pool's: it is held for good).
/// Notices are a hint, not the truth: the dispatcher's polling stays the fallback, a ring
/// goes off each time listening (re)starts to cover what was missed meanwhile, and a lost
/// connection is opened again with the store's back-off.
package struct PostgresDoorbell: Service {
    /// The notification channel; the payload is a message id.
    package static let channel = "switchboard_deliveries"

    /// What the doorbell went through, for logs and tests.
    package enum Event: Sendable, Equatable {
        case listening
        case lost(reason: String)
    }

    let store: PostgresStore
    let ring: @Sendable () -> Void
    let retry: RetryPolicy
    let onEvent: @Sendable (Event) -> Void

    /// `ring` is the dispatcher's `wake()`; `onEvent` defaults to logging.
    package init(
        store: PostgresStore,
        retry: RetryPolicy = PostgresStore.reconnect,
        onEvent: (@Sendable (Event) -> Void)? = nil,
        ring: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.ring = ring
        self.retry = retry
        let logger = store.logger
        self.onEvent =
            onEvent ?? { event in
                switch event {
                case .listening: logger.debug("listening for deliveries queued by any node")
                case .lost(let reason):
                    logger.warning("lost the connection listening for queued deliveries; polling until it is back", metadata: ["reason": "\(reason)"])
                }
            }
    }

    /// The connection's `application_name`, so an operator sees it in `pg_stat_activity`.
    package var applicationName: String { "switchboard-doorbell" + (store.configuration.schema.map { "-\($0)" } ?? "") }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                do {
                    let connection = try await store.connect(applicationName: applicationName)
                    do {
                        try await connection.listen(on: Self.channel) { notifications in
                            failures = 0
                            onEvent(.listening)
                            ring()
                            for try await _ in notifications { ring() }
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
                    // Whatever was queued while nobody listened is found by the ring on the way back.
                    try await Task.sleep(for: .seconds(retry.backoff(afterAttempts: failures) ?? retry.maxDelay))
                }
            }
        }
    }
}

/// The notification stream ended without an error: the server closed the connection.
private struct ListenEnded: Error, CustomStringConvertible {
    var description: String { "the server closed the listening connection" }
}
