import Foundation
import PostgresNIO
import SwitchboardCore

/// Users, contacts and groups, as `SQLiteStore+Directory` keeps them: names unique (a
/// duplicate is `conflict`), a change to something missing `notFound`, lists in byte order of
/// the name (`COLLATE "C"`, as SQLite sorts, whatever the database's locale).
extension PostgresStore: DirectoryStore {
    // MARK: - Users

    package func createUser(_ user: UserAccount) async throws {
        do {
            try await changes(
                """
                INSERT INTO users (username, display_name, role, password_hash, created_at)
                VALUES (\(user.username), \(user.displayName), \(user.role.rawValue), \(user.passwordHash), \(user.createdAt))
                """
            )
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("user_exists", "user '\(user.username)' already exists")
        }
    }

    package func user(named username: String) async throws -> UserAccount? {
        try await rows("SELECT \(unescaped: DirectoryRecords.userColumns) FROM users WHERE username = \(username)")
            .first.map(DirectoryRecords.user)
    }

    package func users() async throws -> [UserAccount] {
        try await rows("SELECT \(unescaped: DirectoryRecords.userColumns) FROM users ORDER BY username COLLATE \"C\"")
            .map(DirectoryRecords.user)
    }

    /// A page of users in byte order of the username (`PostgresNameListing`).
    package func users(limit: Int, after cursor: String?) async throws -> UserPage {
        try await page(of: .users, limit: limit, after: cursor)
    }

    package func updateUser(_ user: UserAccount) async throws {
        let updated = try await changes(
            """
            UPDATE users SET display_name = \(user.displayName), role = \(user.role.rawValue),
                password_hash = \(user.passwordHash), created_at = \(user.createdAt)
            WHERE username = \(user.username)
            """
        )
        guard updated > 0 else { throw Self.unknownUser(user.username) }
    }

    package func deleteUser(named username: String) async throws -> Bool {
        // Sessions and tokens go by ON DELETE CASCADE; linked contacts stay, unlinked (SET NULL).
        try await changes("DELETE FROM users WHERE username = \(username)") > 0
    }

    static func unknownUser(_ username: String) -> SwitchboardError {
        .notFound("unknown_user", "no user named '\(username)'")
    }

    // MARK: - Contacts

    package func createContact(_ contact: Contact) async throws {
        do {
            try await transaction { connection in
                try await connection.execute(
                    """
                    INSERT INTO contacts (id, name, username, created_at)
                    VALUES (\(contact.id), \(contact.name), \(contact.username), \(contact.createdAt))
                    """,
                    logger: logger
                )
                try await Self.insertAddresses(of: contact, on: connection, logger: logger)
            }
        } catch  where isForeignKeyViolation(error) && contact.username != nil {
            throw Self.unknownUser(contact.username ?? "")
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("contact_exists", "contact \(contact.id) already exists")
        }
    }

    package func contact(id: String) async throws -> Contact? {
        try await rows("SELECT \(unescaped: DirectoryRecords.contactColumns) FROM contacts c WHERE c.id = \(id)")
            .first.map(DirectoryRecords.contact)
    }

    package func contacts() async throws -> [Contact] {
        try await rows(
            "SELECT \(unescaped: DirectoryRecords.contactColumns) FROM contacts c ORDER BY c.name COLLATE \"C\", c.id COLLATE \"C\""
        )
        .map(DirectoryRecords.contact)
    }

    /// The contacts a search finds, a page at a time: `contacts_name` in name order from the
    /// cursor on, each word an `ILIKE` pattern (bound, its `%`, `_` and backslash escaped) on the
    /// name, the addresses and the contact's groups, stopping once the page is full.
    package func contacts(_ query: ContactQuery) async throws -> ContactPage {
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ContactCursor(parsing: text) }
        guard query.limit > 0 else { return ContactPage(contacts: [], nextCursor: nil) }
        var b = QueryBuilder()
        var clauses: [String] = []
        if let cursor {
            clauses.append("(c.name COLLATE \"C\", c.id COLLATE \"C\") > (\(b.bind(cursor.name)) COLLATE \"C\", \(b.bind(cursor.id)) COLLATE \"C\")")
        }
        if let group = query.group {
            clauses.append("EXISTS (SELECT 1 FROM group_members m WHERE m.group_name = \(b.bind(group)) AND m.contact_id = c.id)")
        }
        for word in query.words {
            let pattern = b.bind("%" + Self.likeEscaped(word) + "%")
            clauses.append(
                """
                (c.name ILIKE \(pattern)
                 OR EXISTS (SELECT 1 FROM contact_addresses a WHERE a.contact_id = c.id AND a.address ILIKE \(pattern))
                 OR EXISTS (SELECT 1 FROM group_members g WHERE g.contact_id = c.id AND g.group_name ILIKE \(pattern)))
                """
            )
        }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let sql = """
            SELECT \(DirectoryRecords.contactColumns) FROM contacts c \(filter)
            ORDER BY c.name COLLATE "C", c.id COLLATE "C" LIMIT \(b.bind(Int64(query.limit + 1)))
            """
        let rows = try await rows(b.query(sql))
        let page = try rows.prefix(query.limit).map(DirectoryRecords.contact)
        let next = rows.count > query.limit ? page.last.map { ContactCursor($0).text } : nil
        return ContactPage(contacts: page, nextCursor: next)
    }

    /// A word as an `ILIKE` pattern's literal part: the escape character (`ILIKE`'s default, a backslash)
    /// and the wildcards `%` and `_` each escaped, so a search for `50%` finds only that.
    static func likeEscaped(_ word: String) -> String {
        var out = ""
        for c in word.unicodeScalars {
            if c == "\\" || c == "%" || c == "_" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out
    }

    package func contact(username: String) async throws -> Contact? {
        // Oldest first, should several contacts ever be linked to one user.
        try await rows(
            """
            SELECT \(unescaped: DirectoryRecords.contactColumns) FROM contacts c
            WHERE c.username = \(username) ORDER BY c.created_at, c.id COLLATE "C" LIMIT 1
            """
        )
        .first.map(DirectoryRecords.contact)
    }

    package func contacts(withAddress address: Address) async throws -> [Contact] {
        try await rows(
            """
            SELECT \(unescaped: DirectoryRecords.contactColumns) FROM contacts c
            WHERE c.id IN (SELECT contact_id FROM contact_addresses WHERE address = \(address.description))
            ORDER BY c.name COLLATE "C", c.id COLLATE "C"
            """
        )
        .map(DirectoryRecords.contact)
    }

    /// One query for a page of addresses (`contact_addresses_address`); where several contacts
    /// share an address, the first by name then id, as `contacts(withAddress:)` orders them.
    package func contactNames(for addresses: [Address]) async throws -> [String: String] {
        let keys = Array(Set(addresses.map(\.description)))
        guard !keys.isEmpty else { return [:] }
        let rows = try await rows(
            """
            SELECT a.address, c.name FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id
            WHERE a.address = ANY(\(keys))
            ORDER BY c.name COLLATE "C", c.id COLLATE "C"
            """
        )
        var names: [String: String] = [:]
        for row in rows {
            let address = try row["address"].decode(String.self)
            if names[address] == nil { names[address] = try row["name"].decode(String.self) }
        }
        return names
    }

    package func updateContact(_ contact: Contact) async throws {
        do {
            try await transaction { connection in
                let updated = try await connection.execute(
                    """
                    UPDATE contacts SET name = \(contact.name), username = \(contact.username), created_at = \(contact.createdAt)
                    WHERE id = \(contact.id)
                    """,
                    logger: logger
                )
                guard updated > 0 else { throw Self.unknownContact(contact.id) }
                try await connection.execute("DELETE FROM contact_addresses WHERE contact_id = \(contact.id)", logger: logger)
                try await Self.insertAddresses(of: contact, on: connection, logger: logger)
            }
        } catch  where isForeignKeyViolation(error) && contact.username != nil {
            throw Self.unknownUser(contact.username ?? "")
        }
    }

    package func deleteContact(id: String) async throws -> Bool {
        // Addresses and group memberships go by ON DELETE CASCADE.
        try await changes("DELETE FROM contacts WHERE id = \(id)") > 0
    }

    static func unknownContact(_ id: String) -> SwitchboardError {
        .notFound("unknown_contact", "no contact with id \(id)")
    }

    /// All of a contact's addresses in one statement, numbered in order from 0.
    private static func insertAddresses(of contact: Contact, on connection: PostgresConnection, logger: Logger) async throws {
        guard !contact.addresses.isEmpty else { return }
        let addresses = contact.addresses.map(\.description)
        try await connection.execute(
            """
            INSERT INTO contact_addresses (contact_id, position, address)
            SELECT \(contact.id), a.n - 1, a.address FROM unnest(\(addresses)::text[]) WITH ORDINALITY AS a (address, n)
            """,
            logger: logger
        )
    }

    // MARK: - Groups

    package func createGroup(_ group: ContactGroup) async throws {
        do {
            try await changes(
                "INSERT INTO \"groups\" (name, description, created_at) VALUES (\(group.name), \(group.description), \(group.createdAt))"
            )
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("group_exists", "group '\(group.name)' already exists")
        }
    }

    package func group(named name: String) async throws -> ContactGroup? {
        try await rows("SELECT \(unescaped: DirectoryRecords.groupColumns) FROM \"groups\" WHERE name = \(name)")
            .first.map(DirectoryRecords.group)
    }

    package func groups() async throws -> [ContactGroup] {
        try await rows("SELECT \(unescaped: DirectoryRecords.groupColumns) FROM \"groups\" ORDER BY name COLLATE \"C\"")
            .map(DirectoryRecords.group)
    }

    /// A page of groups in byte order of the name, each word of the search an `ILIKE` pattern
    /// on the name (`PostgresNameListing`).
    package func groups(search: String, limit: Int, after cursor: String?) async throws -> GroupPage {
        try await page(of: .groups, search: search, limit: limit, after: cursor)
    }

    package func updateGroup(_ group: ContactGroup) async throws {
        let updated = try await changes(
            "UPDATE \"groups\" SET description = \(group.description), created_at = \(group.createdAt) WHERE name = \(group.name)"
        )
        guard updated > 0 else { throw Self.unknownGroup(group.name) }
    }

    package func deleteGroup(named name: String) async throws -> Bool {
        try await changes("DELETE FROM \"groups\" WHERE name = \(name)") > 0
    }

    package func addMember(group: String, contactID: String) async throws {
        do {
            try await changes(
                "INSERT INTO group_members (group_name, contact_id) VALUES (\(group), \(contactID)) ON CONFLICT DO NOTHING"
            )
        } catch  where isForeignKeyViolation(error) {
            // Which one is missing, the group first (as the SQLite store checks them).
            guard try await groupExists(group) else { throw Self.unknownGroup(group) }
            throw Self.unknownContact(contactID)
        }
    }

    package func removeMember(group: String, contactID: String) async throws -> Bool {
        let removed = try await changes("DELETE FROM group_members WHERE group_name = \(group) AND contact_id = \(contactID)")
        guard removed > 0 else {
            guard try await groupExists(group) else { throw Self.unknownGroup(group) }
            return false
        }
        return true
    }

    package func memberCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await rows("SELECT group_name, COUNT(*) AS count FROM group_members GROUP BY group_name") {
            counts[try row["group_name"].decode(String.self)] = try row["count"].decode(Int.self)
        }
        return counts
    }

    /// One range of `group_members`, each member's addresses looked up by its key; addresses
    /// are kept as `Address.description` writes them (`sms:…`, `mailto:…`).
    package func memberCounts(group: String) async throws -> GroupMemberCounts {
        guard try await groupExists(group) else { throw Self.unknownGroup(group) }
        let row = try await rows(
            """
            SELECT COUNT(*) AS members,
              COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM contact_addresses a
                WHERE a.contact_id = m.contact_id AND left(a.address, 4) = 'sms:')) AS without_phone,
              COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM contact_addresses a
                WHERE a.contact_id = m.contact_id AND left(a.address, 7) = 'mailto:')) AS without_email
            FROM group_members m WHERE m.group_name = \(group)
            """
        )
        .first
        guard let row else { return GroupMemberCounts(members: 0, withoutPhone: 0, withoutEmail: 0) }
        return GroupMemberCounts(
            members: try row["members"].decode(Int.self),
            withoutPhone: try row["without_phone"].decode(Int.self),
            withoutEmail: try row["without_email"].decode(Int.self)
        )
    }

    /// A range of `group_members_contact`, in byte order.
    package func groupNames(ofContact contactID: String) async throws -> [String] {
        try await rows("SELECT group_name FROM group_members WHERE contact_id = \(contactID) ORDER BY group_name COLLATE \"C\"")
            .map { try $0["group_name"].decode(String.self) }
    }

    package func adminCount() async throws -> Int {
        try await rows("SELECT COUNT(*) AS admins FROM users WHERE role = \(UserAccount.Role.admin.rawValue)").first?["admins"].decode(Int.self) ?? 0
    }

    package func members(group: String) async throws -> [Contact] {
        guard try await groupExists(group) else { throw Self.unknownGroup(group) }
        return try await rows(
            """
            SELECT \(unescaped: DirectoryRecords.contactColumns) FROM contacts c JOIN group_members m ON m.contact_id = c.id
            WHERE m.group_name = \(group) ORDER BY c.name COLLATE "C", c.id COLLATE "C"
            """
        )
        .map(DirectoryRecords.contact)
    }

    private func groupExists(_ name: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM \"groups\" WHERE name = \(name)").isEmpty
    }

    static func unknownGroup(_ name: String) -> SwitchboardError {
        .notFound("unknown_group", "no group named '\(name)'")
    }
}
