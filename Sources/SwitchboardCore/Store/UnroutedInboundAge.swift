import Foundation

/// Unrouted marks with an age, for a store several nodes route from.
///
/// An inbound message is marked unrouted when it is committed and the mark is cleared when
/// its pipeline ends. On a store one process owns, every mark seen at start is the previous
/// run's. Where several nodes share the store, a fresh mark is most likely a message a live
/// node is routing at this moment: routing it again from another node would run its handlers
/// twice. Only a mark older than routing takes is one a dead node left behind, so re-routing
/// on a shared store asks for marks of at least an age, timed by the store's clock (never a
/// node's).
package protocol UnroutedInboundAge: Sendable {
    /// Inbound messages whose unrouted mark is at least `age` seconds old, oldest first.
    func unroutedInbound(limit: Int, markedFor age: TimeInterval) async throws -> [Message]
}
