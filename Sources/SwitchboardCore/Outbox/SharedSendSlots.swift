import Foundation

/// Send slots of a connector's `throughput` counted in the store, so that the limit holds for
/// every node of a cluster together (a gateway that allows 10 SMS a second allows them to the
/// account, not to each hub process). PostgreSQL keeps them; a store that is one node by design
/// has no need and the gate paces in memory.
package protocol SharedSendSlots: Sendable {
    /// Reserves `count` consecutive send slots of `connector`, `interval` seconds apart, after
    /// every slot any node reserved before (the store's clock decides).
    /// - Returns: seconds from the store's now until the first of them (0 when it is now).
    func reserveSendSlots(connector: String, count: Int, interval: TimeInterval) async throws -> TimeInterval
}
