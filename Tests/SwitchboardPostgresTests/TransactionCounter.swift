import Logging
import Synchronization

/// Counts the transactions the server began on a store's connections: its `BEGIN`
/// CommandComplete replies, which postgres-nio logs at trace level as it receives them.
final class TransactionCounter: LogHandler, Sendable {
    private let begins = Atomic<Int>(0)

    var transactions: Int { begins.load(ordering: .acquiring) }
    func reset() { begins.store(0, ordering: .releasing) }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        guard event.message.description == "Backend message received",
            event.metadata?.values.contains(where: { "\($0)" == #".commandComplete("BEGIN")"# }) == true
        else { return }
        begins.add(1, ordering: .relaxed)
    }
}
