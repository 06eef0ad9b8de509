/// Everything the hub keeps. The SQLite store (`SwitchboardSQLite`) and `MemoryStore` implement
/// all of it and pass the same conformance suites (`SwitchboardTesting`'s `StoreConformance`
/// and, for conversations, `ConversationStoreConformance`).
package typealias HubStore = OutboxStore & InboxStore & DirectoryStore & CredentialStore & QueueStore & FormStore & DeliveryReportStore
    & ConversationStore
