import Foundation

// Users, contacts and groups in memory, with the SQLite store's keys and links: names and ids
// are unique, a contact may be linked only to an existing user (unlinked when the user goes),
// and a deleted contact or group leaves no membership behind.
extension MemoryStore: DirectoryStore {
    // MARK: - Users

    package func createUser(_ user: UserAccount) async throws {
        try withState { state in
            guard state.users[user.username] == nil else {
                throw SwitchboardError.conflict("user_exists", "user '\(user.username)' already exists")
            }
            state.users[user.username] = user
        }
    }

    package func user(named username: String) async throws -> UserAccount? {
        try withState { $0.users[username] }
    }

    package func users() async throws -> [UserAccount] {
        try withState { state in
            state.users.values.sorted { $0.username.precedesInBinaryOrder($1.username) }
        }
    }

    package func users(limit: Int, after cursor: String?) async throws -> UserPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try NameCursor(parsing: text) }
        guard limit > 0 else { return UserPage(items: [], nextCursor: nil) }
        return try withState { state in
            let after = state.users.values.filter { cursor?.precedes($0.username) ?? true }
            return UserPage(
                rows: Array(after.sorted { $0.username.precedesInBinaryOrder($1.username) }.prefix(limit + 1)),
                limit: limit,
                name: \.username
            )
        }
    }

    package func updateUser(_ user: UserAccount) async throws {
        try withState { state in
            guard state.users[user.username] != nil else { throw State.unknownUser(user.username) }
            state.users[user.username] = user
        }
    }

    package func deleteUser(named username: String) async throws -> Bool {
        try withState { state in
            guard state.users.removeValue(forKey: username) != nil else { return false }
            // Sessions and tokens go with the user; linked contacts stay, unlinked.
            state.sessions = state.sessions.filter { $0.value.username != username }
            state.tokens = state.tokens.filter { $0.value.username != username }
            let tokens = state.tokens
            state.tokenIDByHash = state.tokenIDByHash.filter { tokens[$0.value] != nil }
            for (id, contact) in state.contacts where contact.username == username {
                state.contacts[id]?.username = nil
            }
            return true
        }
    }

    // MARK: - Contacts

    package func createContact(_ contact: Contact) async throws {
        try withState { state in
            guard state.contacts[contact.id] == nil else {
                throw SwitchboardError.conflict("contact_exists", "contact \(contact.id) already exists")
            }
            try state.checkLink(contact)
            state.contacts[contact.id] = contact
        }
    }

    package func contact(id: String) async throws -> Contact? {
        try withState { $0.contacts[id] }
    }

    package func contacts() async throws -> [Contact] {
        try withState { state in State.byName(Array(state.contacts.values)) }
    }

    /// Every contact is tested and sorted, then the page is cut after the cursor.
    package func contacts(_ query: ContactQuery) async throws -> ContactPage {
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ContactCursor(parsing: text) }
        guard query.limit > 0 else { return ContactPage(contacts: [], nextCursor: nil) }
        return try withState { state in
            var groupsOf: [String: [String]] = [:]
            if !query.words.isEmpty {
                for (group, members) in state.members {
                    for id in members { groupsOf[id, default: []].append(group.lowercased()) }
                }
            }
            let members = query.group.map { state.members[$0] ?? [] }
            let found = state.contacts.values.filter { contact in
                (cursor?.precedes(contact) ?? true) && (members?.contains(contact.id) ?? true)
                    && query.matches(
                        [contact.name.lowercased()] + contact.addresses.map { $0.description.lowercased() } + (groupsOf[contact.id] ?? [])
                    )
            }
            let sorted = State.byName(found)
            let page = Array(sorted.prefix(query.limit))
            let next = sorted.count > query.limit ? page.last.map { ContactCursor($0).text } : nil
            return ContactPage(contacts: page, nextCursor: next)
        }
    }

    package func contact(username: String) async throws -> Contact? {
        try withState { state in
            // Oldest first, should several contacts ever be linked to one user.
            state.contacts.values
                .filter { $0.username == username }
                .min { a, b in a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id.precedesInBinaryOrder(b.id) }
        }
    }

    package func contacts(withAddress address: Address) async throws -> [Contact] {
        let text = address.description
        return try withState { state in
            State.byName(state.contacts.values.filter { $0.addresses.contains { $0.description == text } })
        }
    }

    package func updateContact(_ contact: Contact) async throws {
        try withState { state in
            guard state.contacts[contact.id] != nil else { throw State.unknownContact(contact.id) }
            try state.checkLink(contact)
            state.contacts[contact.id] = contact
        }
    }

    package func deleteContact(id: String) async throws -> Bool {
        try withState { state in
            guard state.contacts.removeValue(forKey: id) != nil else { return false }
            for name in state.members.keys { state.members[name]?.remove(id) }
            return true
        }
    }

    // MARK: - Groups

    package func createGroup(_ group: ContactGroup) async throws {
        try withState { state in
            guard state.groups[group.name] == nil else {
                throw SwitchboardError.conflict("group_exists", "group '\(group.name)' already exists")
            }
            state.groups[group.name] = group
        }
    }

    package func group(named name: String) async throws -> ContactGroup? {
        try withState { $0.groups[name] }
    }

    package func groups() async throws -> [ContactGroup] {
        try withState { state in state.groups.values.sorted { $0.name.precedesInBinaryOrder($1.name) } }
    }

    package func groups(search: String, limit: Int, after cursor: String?) async throws -> GroupPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try NameCursor(parsing: text) }
        guard limit > 0 else { return GroupPage(items: [], nextCursor: nil) }
        let words = ContactQuery.words(search)
        return try withState { state in
            let after = state.groups.values.filter { group in
                (cursor?.precedes(group.name) ?? true) && words.allSatisfy { group.name.lowercased().contains($0) }
            }
            return GroupPage(rows: Array(after.sorted { $0.name.precedesInBinaryOrder($1.name) }.prefix(limit + 1)), limit: limit, name: \.name)
        }
    }

    package func updateGroup(_ group: ContactGroup) async throws {
        try withState { state in
            guard state.groups[group.name] != nil else { throw State.unknownGroup(group.name) }
            state.groups[group.name] = group
        }
    }

    package func deleteGroup(named name: String) async throws -> Bool {
        try withState { state in
            state.members[name] = nil
            return state.groups.removeValue(forKey: name) != nil
        }
    }

    package func addMember(group: String, contactID: String) async throws {
        try withState { state in
            guard state.groups[group] != nil else { throw State.unknownGroup(group) }
            guard state.contacts[contactID] != nil else { throw State.unknownContact(contactID) }
            state.members[group, default: []].insert(contactID)
        }
    }

    package func removeMember(group: String, contactID: String) async throws -> Bool {
        try withState { state in
            guard state.groups[group] != nil else { throw State.unknownGroup(group) }
            return state.members[group]?.remove(contactID) != nil
        }
    }

    package func memberCounts() async throws -> [String: Int] {
        try withState { state in state.members.compactMapValues { $0.isEmpty ? nil : $0.count } }
    }

    package func memberCounts(group: String) async throws -> GroupMemberCounts {
        try withState { state in
            guard state.groups[group] != nil else { throw State.unknownGroup(group) }
            return GroupMemberCounts((state.members[group] ?? []).compactMap { state.contacts[$0] })
        }
    }

    package func groupNames(ofContact contactID: String) async throws -> [String] {
        try withState { state in
            state.members.filter { $0.value.contains(contactID) }.map(\.key).sorted { $0.precedesInBinaryOrder($1) }
        }
    }

    package func adminCount() async throws -> Int {
        try withState { state in state.users.values.count(where: { $0.role == .admin }) }
    }

    package func members(group: String) async throws -> [Contact] {
        try withState { state in
            guard state.groups[group] != nil else { throw State.unknownGroup(group) }
            return State.byName((state.members[group] ?? []).compactMap { state.contacts[$0] })
        }
    }
}

extension MemoryStore.State {
    /// A contact may be linked only to a user that exists.
    func checkLink(_ contact: Contact) throws {
        if let username = contact.username, users[username] == nil { throw Self.unknownUser(username) }
    }

    /// Contacts by name, then id, as the SQLite store lists them.
    static func byName(_ contacts: [Contact]) -> [Contact] {
        contacts.sorted { a, b in a.name != b.name ? a.name.precedesInBinaryOrder(b.name) : a.id.precedesInBinaryOrder(b.id) }
    }

    static func unknownUser(_ username: String) -> SwitchboardError {
        .notFound("unknown_user", "no user named '\(username)'")
    }

    static func unknownContact(_ id: String) -> SwitchboardError {
        .notFound("unknown_contact", "no contact with id \(id)")
    }

    static func unknownGroup(_ name: String) -> SwitchboardError {
        .notFound("unknown_group", "no group named '\(name)'")
    }
}
