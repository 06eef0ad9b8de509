/// Everything the hub keeps. The SQLite store (`SwitchboardSQLite`) and `MemoryStore` implement
/// all of it and pass the same conformance suites (`SwitchboardTesting`'s `StoreConformance`
/// and, for conversations, `ConversationStoreConformance`).
package typealias HubStore = OutboxStore & InboxStore & DirectoryStore & CredentialStore & QueueStore & FormStore & DeliveryReportStore
    & ConversationStore

/// The part of the store the outbox dispatcher and the operator's queue work on: messages and
/// their deliveries, claims, outcomes, the queue and delivery reports. Its conformance suite
/// (`DispatchStoreConformance`) runs on its own, so a store can be proven part by part.
package typealias DispatchStore = OutboxStore & QueueStore & DeliveryReportStore
