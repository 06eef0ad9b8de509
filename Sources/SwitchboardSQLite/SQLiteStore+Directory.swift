import Foundation
import GRDB
import SwitchboardCore

extension SQLiteStore {
    // MARK: - Users

    package func createUser(_ user: UserAccount) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            error.isDuplicate ? .conflict("user_exists", "user '\(user.username)' already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in try UserRow(user).insert(db) }
    }

    package func user(named username: String) async throws -> UserAccount? {
        try await read { db in try UserRow.fetchOne(db, key: username)?.user }
    }

    package func requestUser(named username: String) async throws -> UserAccount? {
        if let cached = credentialCache.user(username) { return cached }
        let user = try await user(named: username)
        if let user { credentialCache.store(user: user) }
        return user
    }

    package func users() async throws -> [UserAccount] {
        try await read { db in try UserRow.order(Column("username")).fetchAll(db).map(\.user) }
    }

    /// A range of the primary key (username, byte order), one row beyond the page.
    package func users(limit: Int, after cursor: String?) async throws -> UserPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try NameCursor(parsing: text) }
        guard limit > 0 else { return UserPage(items: [], nextCursor: nil) }
        return try await read { db in
            var request = UserRow.order(Column("username"))
            if let cursor { request = request.filter(Column("username") > cursor.name) }
            return UserPage(rows: try request.limit(limit + 1).fetchAll(db).map(\.user), limit: limit, name: \.username)
        }
    }

    package func updateUser(_ user: UserAccount) async throws {
        defer { credentialCache.forgetAll() }
        try await write { db in
            guard try UserRow.exists(db, key: user.username) else { throw Self.unknownUser(user.username) }
            try UserRow(user).update(db)
        }
    }

    package func deleteUser(named username: String) async throws -> Bool {
        // Sessions and tokens go by ON DELETE CASCADE; linked contacts stay, unlinked (SET NULL).
        defer { credentialCache.forgetAll() }
        return try await write { db in try UserRow.deleteOne(db, key: username) }
    }

    static func unknownUser(_ username: String) -> SwitchboardError {
        .notFound("unknown_user", "no user named '\(username)'")
    }

    // MARK: - Contacts

    package func createContact(_ contact: Contact) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            if error.isForeignKeyViolation, let username = contact.username { return Self.unknownUser(username) }
            return error.isDuplicate ? .conflict("contact_exists", "contact \(contact.id) already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in
            try ContactRow(contact).insert(db)
            try Self.insertAddresses(of: contact, in: db)
        }
    }

    package func contact(id: String) async throws -> Contact? {
        try await read { db in
            try Self.withAddresses(ContactRow.fetchAll(db, keys: [id]), in: db).first
        }
    }

    package func contacts() async throws -> [Contact] {
        try await read { db in
            try Self.withAddresses(ContactRow.order(Column("name"), Column("id")).fetchAll(db), in: db)
        }
    }

    /// The contacts a search finds, a page at a time: a walk of `contacts_name` in name order
    /// from the cursor on, each word tested on the name, the addresses (a look-up in the
    /// primary key of `contact_addresses`) and the contact's groups (`group_members_contact`),
    /// lower-cased by Swift's own rule (GRDB's `swiftLowercaseString`, as the memory store
    /// lower-cases), stopping once the page is full.
    static func contactSearchSQL(words: Int, cursor: Bool, group: Bool = false) -> String {
        var clauses: [String] = []
        if cursor { clauses.append("(c.name, c.id) > (?, ?)") }
        if group { clauses.append("EXISTS (SELECT 1 FROM group_members m WHERE m.group_name = ? AND m.contact_id = c.id)") }
        let word = """
            (instr(swiftLowercaseString(c.name), ?) > 0
             OR EXISTS (SELECT 1 FROM contact_addresses a WHERE a.contact_id = c.id AND instr(swiftLowercaseString(a.address), ?) > 0)
             OR EXISTS (SELECT 1 FROM group_members g WHERE g.contact_id = c.id AND instr(swiftLowercaseString(g.group_name), ?) > 0))
            """
        clauses += Array(repeating: word, count: words)
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return "SELECT c.* FROM contacts c INDEXED BY contacts_name\(filter) ORDER BY c.name, c.id LIMIT ?"
    }

    package func contacts(_ query: ContactQuery) async throws -> ContactPage {
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ContactCursor(parsing: text) }
        guard query.limit > 0 else { return ContactPage(contacts: [], nextCursor: nil) }
        var arguments: StatementArguments = []
        if let cursor { arguments += [cursor.name, cursor.id] }
        if let group = query.group { arguments += [group] }
        for word in query.words { arguments += [word, word, word] }
        arguments += [query.limit + 1]
        let sql = Self.contactSearchSQL(words: query.words.count, cursor: cursor != nil, group: query.group != nil)
        return try await read { [arguments] db in
            let rows = try ContactRow.fetchAll(db, sql: sql, arguments: arguments)
            let page = try Self.withAddresses(Array(rows.prefix(query.limit)), in: db)
            let next = rows.count > query.limit ? page.last.map { ContactCursor($0).text } : nil
            return ContactPage(contacts: page, nextCursor: next)
        }
    }

    package func contact(username: String) async throws -> Contact? {
        try await read { db in
            // Oldest first, should several contacts ever be linked to one user.
            let rows =
                try ContactRow
                .filter(Column("username") == username)
                .order(Column("created_at"), Column("id"))
                .limit(1)
                .fetchAll(db)
            return try Self.withAddresses(rows, in: db).first
        }
    }

    package func contacts(withAddress address: Address) async throws -> [Contact] {
        try await read { db in
            let rows = try ContactRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM contacts
                    WHERE id IN (SELECT contact_id FROM contact_addresses WHERE address = ?)
                    ORDER BY name, id
                    """,
                arguments: [address.description]
            )
            return try Self.withAddresses(rows, in: db)
        }
    }

    package func contactNames(for addresses: [Address]) async throws -> [String: String] {
        let keys = Array(Set(addresses.map(\.description)))
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.address, c.name FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id
                    WHERE a.address IN (\(databaseQuestionMarks(count: keys.count)))
                    ORDER BY c.name, c.id
                    """,
                arguments: StatementArguments(keys)
            )
            var names: [String: String] = [:]
            for row in rows {
                let address: String = try row.decode(forColumn: "address")
                if names[address] == nil { names[address] = try row.decode(forColumn: "name") }
            }
            return names
        }
    }

    package func updateContact(_ contact: Contact) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            if error.isForeignKeyViolation, let username = contact.username { return Self.unknownUser(username) }
            return nil
        }
        try await write(mapConstraint: constraintError) { db in
            guard try ContactRow.exists(db, key: contact.id) else { throw Self.unknownContact(contact.id) }
            try ContactRow(contact).update(db)
            try db.execute(sql: "DELETE FROM contact_addresses WHERE contact_id = ?", arguments: [contact.id])
            try Self.insertAddresses(of: contact, in: db)
        }
    }

    package func deleteContact(id: String) async throws -> Bool {
        // Addresses and group memberships go by ON DELETE CASCADE.
        try await write { db in try ContactRow.deleteOne(db, key: id) }
    }

    static func unknownContact(_ id: String) -> SwitchboardError {
        .notFound("unknown_contact", "no contact with id \(id)")
    }

    private static func insertAddresses(of contact: Contact, in db: Database) throws {
        for (position, address) in contact.addresses.enumerated() {
            try db.execute(
                sql: "INSERT INTO contact_addresses (contact_id, position, address) VALUES (?, ?, ?)",
                arguments: [contact.id, position, address.description]
            )
        }
    }

    /// Fills in the addresses of many contacts with one query per 500 contacts.
    static func withAddresses(_ rows: [ContactRow], in db: Database) throws -> [Contact] {
        var addresses: [String: [Address]] = [:]
        for chunk in rows.map(\.contact.id).chunked(by: 500) {
            let request = SQLRequest<Row>(
                literal: """
                    SELECT contact_id, address FROM contact_addresses
                    WHERE contact_id IN \(Array(chunk)) ORDER BY contact_id, position
                    """
            )
            for row in try Row.fetchAll(db, request) {
                let id: String = try row.decode(forColumn: "contact_id")
                addresses[id, default: []].append(try row.decodeAddress(forColumn: "address", table: "contact_addresses"))
            }
        }
        return rows.map { row in
            var contact = row.contact
            contact.addresses = addresses[contact.id] ?? []
            return contact
        }
    }

    // MARK: - Groups

    package func createGroup(_ group: ContactGroup) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            error.isDuplicate ? .conflict("group_exists", "group '\(group.name)' already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in try GroupRow(group).insert(db) }
    }

    package func group(named name: String) async throws -> ContactGroup? {
        try await read { db in try GroupRow.fetchOne(db, key: name)?.group }
    }

    package func groups() async throws -> [ContactGroup] {
        try await read { db in try GroupRow.order(Column("name")).fetchAll(db).map(\.group) }
    }

    /// A range of the primary key (name, byte order), one row beyond the page.
    /// Each word of the search tested on the name lower-cased by Swift's own rule, as the
    /// contact search does.
    package func groups(search: String, limit: Int, after cursor: String?) async throws -> GroupPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try NameCursor(parsing: text) }
        guard limit > 0 else { return GroupPage(items: [], nextCursor: nil) }
        let words = ContactQuery.words(search)
        return try await read { db in
            var request = GroupRow.order(Column("name"))
            if let cursor { request = request.filter(Column("name") > cursor.name) }
            for word in words {
                request = request.filter(sql: "instr(swiftLowercaseString(name), ?) > 0", arguments: [word])
            }
            return GroupPage(rows: try request.limit(limit + 1).fetchAll(db).map(\.group), limit: limit, name: \.name)
        }
    }

    package func updateGroup(_ group: ContactGroup) async throws {
        try await write { db in
            guard try GroupRow.exists(db, key: group.name) else { throw Self.unknownGroup(group.name) }
            try GroupRow(group).update(db)
        }
    }

    package func deleteGroup(named name: String) async throws -> Bool {
        try await write { db in try GroupRow.deleteOne(db, key: name) }
    }

    package func addMember(group: String, contactID: String) async throws {
        try await write { db in
            guard try GroupRow.exists(db, key: group) else { throw Self.unknownGroup(group) }
            guard try ContactRow.exists(db, key: contactID) else { throw Self.unknownContact(contactID) }
            try db.execute(
                sql: "INSERT OR IGNORE INTO group_members (group_name, contact_id) VALUES (?, ?)",
                arguments: [group, contactID]
            )
        }
    }

    package func removeMember(group: String, contactID: String) async throws -> Bool {
        try await write { db in
            guard try GroupRow.exists(db, key: group) else { throw Self.unknownGroup(group) }
            try db.execute(
                sql: "DELETE FROM group_members WHERE group_name = ? AND contact_id = ?",
                arguments: [group, contactID]
            )
            return db.changesCount > 0
        }
    }

    /// One scan of the primary key of `group_members` (group name first).
    package func memberCounts() async throws -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT group_name, COUNT(*) AS count FROM group_members GROUP BY group_name") {
                counts[try row.decode(forColumn: "group_name")] = try row.decode(forColumn: "count")
            }
            return counts
        }
    }

    /// One range of `group_members`, each member's addresses looked up by its key; addresses
    /// are kept as `Address.description` writes them (`sms:…`, `mailto:…`).
    package func memberCounts(group: String) async throws -> GroupMemberCounts {
        try await read { db in
            guard try GroupRow.exists(db, key: group) else { throw Self.unknownGroup(group) }
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS members,
                      TOTAL(NOT EXISTS (SELECT 1 FROM contact_addresses a
                        WHERE a.contact_id = m.contact_id AND substr(a.address, 1, 4) = 'sms:')) AS without_phone,
                      TOTAL(NOT EXISTS (SELECT 1 FROM contact_addresses a
                        WHERE a.contact_id = m.contact_id AND substr(a.address, 1, 7) = 'mailto:')) AS without_email
                    FROM group_members m WHERE m.group_name = ?
                    """,
                arguments: [group]
            )
            guard let row else { return GroupMemberCounts(members: 0, withoutPhone: 0, withoutEmail: 0) }
            return GroupMemberCounts(
                members: try row.decode(forColumn: "members"),
                withoutPhone: Int(try row.decode(Double.self, forColumn: "without_phone")),
                withoutEmail: Int(try row.decode(Double.self, forColumn: "without_email"))
            )
        }
    }

    /// A range of `group_members_contact`.
    package func groupNames(ofContact contactID: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT group_name FROM group_members WHERE contact_id = ? ORDER BY group_name", arguments: [contactID])
        }
    }

    package func adminCount() async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE role = ?", arguments: [UserAccount.Role.admin.rawValue]) ?? 0
        }
    }

    package func members(group: String) async throws -> [Contact] {
        try await read { db in
            guard try GroupRow.exists(db, key: group) else { throw Self.unknownGroup(group) }
            let rows = try ContactRow.fetchAll(
                db,
                sql: """
                    SELECT c.* FROM contacts c JOIN group_members m ON m.contact_id = c.id
                    WHERE m.group_name = ? ORDER BY c.name, c.id
                    """,
                arguments: [group]
            )
            return try Self.withAddresses(rows, in: db)
        }
    }

    static func unknownGroup(_ name: String) -> SwitchboardError {
        .notFound("unknown_group", "no group named '\(name)'")
    }
}
