import SwitchboardCore

/// The writes an import decided on, gathered while its rows are read (in file order, against
/// the import's own picture of the directory) and carried out afterwards: the new groups
/// first, then each contact with its memberships, many contacts at once. Concurrent writes
/// share the store's group commits, so 5,000 rows cost a few hundred flushes, not 10,000.
/// A contact two rows touch is written once, as the last row left it.
struct ContactImportPlan {
    /// How many contacts are written at the same time.
    static let concurrentWrites = 32

    /// Groups to create, in the order the file named them.
    var groups: [String] = []
    /// Contacts to write, by id, and whether the store has them yet.
    var contacts: [String: (contact: Contact, isNew: Bool)] = [:]
    /// Groups each contact joins.
    var memberships: [String: [String]] = [:]
    /// Every contact id with something to write, in the order the rows first named it.
    var order: [String] = []

    mutating func write(_ contact: Contact, isNew: Bool) {
        note(contact.id)
        contacts[contact.id] = (contact, contacts[contact.id]?.isNew ?? isNew)
    }

    mutating func join(_ contactID: String, _ group: String) {
        note(contactID)
        memberships[contactID, default: []].append(group)
    }

    private mutating func note(_ id: String) {
        if contacts[id] == nil, memberships[id] == nil { order.append(id) }
    }

    /// Carries the plan out; the first failing write (a full disk) stops it and is thrown.
    func execute(on store: any DirectoryStore) async throws {
        for group in groups {
            do {
                try await store.createGroup(ContactGroup(name: group, description: "made by a contacts import"))
            } catch let error as SwitchboardError where error.kind == .conflict {
                continue  // made meanwhile by someone else: it exists, which is all the rows need
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var running = 0
            for id in order {
                if running == Self.concurrentWrites {
                    try await tasks.next()
                    running -= 1
                }
                let entry = contacts[id]
                let groups = memberships[id] ?? []
                tasks.addTask {
                    if let entry {
                        if entry.isNew { try await store.createContact(entry.contact) } else { try await store.updateContact(entry.contact) }
                    }
                    for group in groups { try await store.addMember(group: group, contactID: id) }
                }
                running += 1
            }
            try await tasks.waitForAll()
        }
    }
}
