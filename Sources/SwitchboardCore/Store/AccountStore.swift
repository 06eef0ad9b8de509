/// The accounts part of the store: users, contacts and groups, and the sessions and tokens
/// that belong to users. Credentials hang off users (a session needs its user, deleting a user
/// ends its sessions), so the two are proven together by `AccountStoreConformance`, on their
/// own, by a store that implements only this part.
package typealias AccountStore = DirectoryStore & CredentialStore
