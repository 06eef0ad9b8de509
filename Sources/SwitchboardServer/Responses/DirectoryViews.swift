import Foundation
import SwitchboardCore

/// A list answer; wrapped in an object so paging fields can be added without breaking clients.
struct ListView<Item: Encodable>: Encodable {
    var items: [Item]
}

struct ContactView: Encodable {
    var id: String
    var name: String
    var addresses: [String]
    @ExplicitNull var username: String?
    var createdAt: Date

    init(_ c: Contact) {
        id = c.id
        name = c.name
        addresses = c.addresses.map(\.description)
        username = c.username
        createdAt = c.createdAt
    }
}

struct GroupView: Encodable {
    var name: String
    @ExplicitNull var description: String?
    var createdAt: Date
    init(_ g: ContactGroup) {
        name = g.name
        description = g.description
        createdAt = g.createdAt
    }
}

/// A group with a page of its members and the warnings about those lacking a phone or an
/// email, and the counts of such members in the whole group (the page may show only some).
struct GroupDetailView: Encodable {
    var name: String
    @ExplicitNull var description: String?
    var createdAt: Date
    var members: [ContactView]
    @ExplicitNull var nextCursor: String?
    var memberCount: Int
    var membersWithoutPhone: Int
    var membersWithoutEmail: Int
    var warnings: [String]
}

/// The answer to adding a member: allowed even when the contact lacks a channel, with a warning.
struct MembershipView: Encodable {
    var group: String
    var contact: ContactView
    var warnings: [String]
    /// `phone`, `email`: what the contact lacks, for a page to word its own warning.
    var missing: [String]
}

/// A login user; never the password hash.
struct UserView: Encodable {
    var username: String
    @ExplicitNull var displayName: String?
    var role: String
    var createdAt: Date
    init(_ u: UserAccount) {
        username = u.username
        displayName = u.displayName
        role = u.role.rawValue
        createdAt = u.createdAt
    }
}
