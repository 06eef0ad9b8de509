import Foundation
import GRDB
import SwitchboardCore

// One record per directory and credentials table; see OutboxRecords.swift for the conventions.

/// A row of `users`.
struct UserRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "users"
    var user: UserAccount

    init(_ user: UserAccount) { self.user = user }

    init(row: Row) throws {
        user = UserAccount(
            username: try row.decode(forColumn: "username"),
            displayName: try row.decode(forColumn: "display_name"),
            role: try row.decodeEnum(UserAccount.Role.self, forColumn: "role", table: Self.databaseTableName),
            passwordHash: try row.decode(forColumn: "password_hash"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at"))
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["username"] = user.username
        container["display_name"] = user.displayName
        container["role"] = user.role.rawValue
        container["password_hash"] = user.passwordHash
        container["created_at"] = SQLDate.encode(user.createdAt)
    }
}

/// A row of `contacts`; the addresses live in `contact_addresses` so that finding the contacts
/// of an address is an index look-up.
struct ContactRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "contacts"
    var contact: Contact

    init(_ contact: Contact) { self.contact = contact }

    init(row: Row) throws {
        contact = Contact(
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            addresses: [],
            username: try row.decode(forColumn: "username"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at"))
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = contact.id
        container["name"] = contact.name
        container["username"] = contact.username
        container["created_at"] = SQLDate.encode(contact.createdAt)
    }
}

/// A row of `groups`.
struct GroupRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "groups"
    var group: ContactGroup

    init(_ group: ContactGroup) { self.group = group }

    init(row: Row) throws {
        group = ContactGroup(
            name: try row.decode(forColumn: "name"),
            description: try row.decode(forColumn: "description"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at"))
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["name"] = group.name
        container["description"] = group.description
        container["created_at"] = SQLDate.encode(group.createdAt)
    }
}

/// A row of `api_tokens`.
struct TokenRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "api_tokens"
    var token: APIToken

    init(_ token: APIToken) { self.token = token }

    init(row: Row) throws {
        token = APIToken(
            id: try row.decode(forColumn: "id"),
            username: try row.decode(forColumn: "username"),
            name: try row.decode(forColumn: "name"),
            tokenHash: try row.decode(forColumn: "token_hash"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at")),
            scopes: try row.decode(String?.self, forColumn: "scopes").map(TokenScope.parse)
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["scopes"] = token.scopes.map(TokenScope.text)
        container["id"] = token.id
        container["username"] = token.username
        container["name"] = token.name
        container["token_hash"] = token.tokenHash
        container["created_at"] = SQLDate.encode(token.createdAt)
    }
}
