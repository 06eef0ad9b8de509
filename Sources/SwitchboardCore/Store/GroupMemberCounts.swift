import Foundation

/// How many members a group has, and how many of them its messages cannot reach by SMS (no
/// phone number) or by email (no email address, so no rich part and no attachment): the
/// blueprint's group warning for the whole group, counted by the store over every member
/// while a group's page shows only one page of them.
package struct GroupMemberCounts: Sendable, Equatable {
    package var members: Int
    package var withoutPhone: Int
    package var withoutEmail: Int

    package init(members: Int, withoutPhone: Int, withoutEmail: Int) {
        self.members = members
        self.withoutPhone = withoutPhone
        self.withoutEmail = withoutEmail
    }

    /// Counts `contacts` (a store that has them in memory).
    package init(_ contacts: some Collection<Contact>) {
        self.init(
            members: contacts.count,
            withoutPhone: contacts.count(where: { $0.addresses(on: .sms).isEmpty }),
            withoutEmail: contacts.count(where: { $0.addresses(on: .email).isEmpty })
        )
    }
}
