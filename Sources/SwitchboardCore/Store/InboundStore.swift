/// The inbound part of the store: inbound messages (with their replay keys and unrouted
/// marks), the inboxes that show them, and the forms parsed from them. Proven by
/// `InboundStoreConformance` on its own, on a store that also has the dispatch and accounts
/// parts (inbound messages are rows of the outbox's messages; inboxes belong to users).
package typealias InboundStore = InboxStore & FormStore
