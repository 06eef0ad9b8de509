import Foundation
import PostgresNIO
import SwitchboardCore

/// Conversions between the accounts tables and the model. Columns are named once here: the
/// queries of `PostgresStore+Directory` and `+Credentials` select `columns` and read rows with
/// these functions. A contact's addresses come with its row, as an ordered `text[]`.
enum DirectoryRecords {
    static let userColumns = "username, display_name, role, password_hash, created_at"
    static let groupColumns = "name, description, created_at"
    static let tokenColumns = "id, username, name, token_hash, created_at, scopes"
    /// A contact with its addresses in order, for a query `FROM contacts c`.
    static let contactColumns = """
        c.id, c.name, c.username, c.created_at,
        ARRAY(SELECT a.address FROM contact_addresses a WHERE a.contact_id = c.id ORDER BY a.position) AS addresses
        """

    static func user(_ row: PostgresRandomAccessRow) throws -> UserAccount {
        let role = try row["role"].decode(String.self)
        guard let decodedRole = UserAccount.Role(rawValue: role) else {
            throw PostgresStoreError.unreadable(table: "users", column: "role", value: role)
        }
        return UserAccount(
            username: try row["username"].decode(String.self),
            displayName: try row["display_name"].decode(String?.self),
            role: decodedRole,
            passwordHash: try row["password_hash"].decode(String.self),
            createdAt: try row["created_at"].decode(Date.self)
        )
    }

    static func contact(_ row: PostgresRandomAccessRow) throws -> Contact {
        Contact(
            id: try row["id"].decode(String.self),
            name: try row["name"].decode(String.self),
            addresses: try row["addresses"].decode([String].self).map(storedAddress),
            username: try row["username"].decode(String?.self),
            createdAt: try row["created_at"].decode(Date.self)
        )
    }

    static func group(_ row: PostgresRandomAccessRow) throws -> ContactGroup {
        ContactGroup(
            name: try row["name"].decode(String.self),
            description: try row["description"].decode(String?.self),
            createdAt: try row["created_at"].decode(Date.self)
        )
    }

    static func token(_ row: PostgresRandomAccessRow) throws -> APIToken {
        APIToken(
            id: try row["id"].decode(String.self),
            username: try row["username"].decode(String.self),
            name: try row["name"].decode(String.self),
            tokenHash: try row["token_hash"].decode(String.self),
            createdAt: try row["created_at"].decode(Date.self),
            scopes: try row["scopes"].decode(String?.self).map(TokenScope.parse)
        )
    }

    /// Stored addresses are canonical (written from `Address.description`): read without
    /// parsing again; anything else is parsed, and refused with the column named.
    private static func storedAddress(_ text: String) throws -> Address {
        if let address = Address(canonical: text) { return address }
        do { return try Address(parsing: text) } catch {
            throw PostgresStoreError.unreadable(table: "contact_addresses", column: "address", value: text)
        }
    }
}
