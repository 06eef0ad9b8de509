/// Everything the hub keeps. The SQLite store (`SwitchboardSQLite`) and `MemoryStore` implement
/// all of it and pass the same conformance suite (`SwitchboardTesting`'s `StoreConformance`).
package typealias HubStore = OutboxStore & InboxStore & DirectoryStore & CredentialStore & QueueStore & FormStore & DeliveryReportStore
