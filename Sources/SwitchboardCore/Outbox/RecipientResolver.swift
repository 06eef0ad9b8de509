import Foundation

/// Turns a send request's recipients into deliveries, one per distinct address, and the
/// warnings a sender should see about people who could not be reached on some channel.
///
/// The work is done once, in `plan`, entry by entry and person by person; the send
/// (`resolve`) and the pre-send report (`Hub.preview`) both read that plan, so the report
/// cannot promise what the send would not do.
struct RecipientResolver: Sendable {
    let store: any HubStore
    /// Channels that have at least one connector to send with.
    let routedChannels: Set<ChannelName>

    struct Resolution {
        var targets: [Address] = []
        var warnings: [String] = []
    }

    /// One person an entry of `to` brings in: a contact (of a group, named, or a user's), or
    /// a bare address standing for someone the address book does not know.
    struct Person {
        var name: String
        var contactID: String?
        /// The addresses a connector sends on, in the contact's order.
        var addresses: [Address]
        /// The channels this person will not get, and why.
        var problems: [RecipientProblem] = []
    }

    /// What one entry of `to` stands for.
    struct Entry {
        /// As the request gave it.
        var recipient: String
        var people: [Person] = []
        /// For the send's answer (`warnings`), worded as they always were.
        var warnings: [String] = []
        /// Why the entry reaches nobody although the send goes on (an empty group, a user
        /// without a contact).
        var problems: [RecipientProblem] = []
        /// Why the send refuses the whole request for this entry (unknown group, contact or
        /// user; an address that does not parse; a channel nobody sends on).
        var refusal: SwitchboardError?
    }

    func resolve(_ recipients: [String]) async throws -> Resolution {
        var out = Resolution()
        var seen = Set<Address>()
        for entry in try await plan(recipients) {
            if let refusal = entry.refusal { throw refusal }
            out.warnings += entry.warnings
            for person in entry.people {
                for address in person.addresses where seen.insert(address).inserted { out.targets.append(address) }
            }
        }
        return out
    }

    /// Every entry of `to`, in order, with the people it reaches and what is wrong; nothing
    /// is thrown for a bad entry (the send throws the first entry's `refusal`).
    func plan(_ recipients: [String]) async throws -> [Entry] {
        var entries: [Entry] = []
        for raw in recipients { entries.append(try await entry(raw)) }
        return entries
    }

    func entry(_ raw: String) async throws -> Entry {
        var entry = Entry(recipient: raw)
        let text = raw.trimmingBlanks
        if let name = text.removingPrefix("group:") {
            guard let group = try await store.group(named: name) else {
                entry.refusal = .invalid("unknown_group", "no group named '\(name)'")
                return entry
            }
            let members = try await store.members(group: group.name)
            if members.isEmpty {
                entry.warnings.append("group \(group.name) has no members")
                entry.problems.append(RecipientProblem("empty_group", "group \(group.name) has no members"))
            }
            for member in members {
                entry.warnings += Self.missingDetails(member, context: "group \(group.name)")
                entry.people.append(person(member))
            }
        } else if let id = text.removingPrefix("contact:") {
            guard let contact = try await store.contact(id: id) else {
                entry.refusal = .invalid("unknown_contact", "no contact with id '\(id)'")
                return entry
            }
            let found = person(contact)
            if found.addresses.isEmpty { entry.warnings.append("contact \(contact.name) has no address that can be reached") }
            entry.people.append(found)
        } else {
            let address: Address
            do { address = try Address(parsing: text) } catch {
                entry.refusal = .invalid("invalid_address", error.description)
                return entry
            }
            if case .user(let username) = address {
                guard try await store.user(named: username) != nil else {
                    entry.refusal = .invalid("unknown_user", "no user named '\(username)'")
                    return entry
                }
                guard let contact = try await store.contact(username: username) else {
                    entry.warnings.append("user \(username) has no contact address that can be reached")
                    entry.problems.append(RecipientProblem("no_contact", "user \(username) has no contact in the address book"))
                    return entry
                }
                let found = person(contact)
                if found.addresses.isEmpty { entry.warnings.append("user \(username) has no contact address that can be reached") }
                entry.people.append(found)
            } else {
                guard let channel = address.channel, routedChannels.contains(channel) else {
                    entry.refusal = .invalid("no_route", Self.noRoute(address))
                    return entry
                }
                entry.people.append(Person(name: address.description, addresses: [address]))
            }
        }
        return entry
    }

    /// A contact as the send reaches them: the addresses a connector sends on, and why any
    /// channel a group promises (SMS, email) or any address of theirs will not be used.
    func person(_ contact: Contact) -> Person {
        var problems: [RecipientProblem] = []
        if contact.addresses(on: .sms).isEmpty {
            problems.append(RecipientProblem("no_phone", "\(contact.name) has no phone number and will not get SMS", channel: .sms))
        }
        if contact.addresses(on: .email).isEmpty {
            problems.append(RecipientProblem("no_email", "\(contact.name) has no email address and will not get email", channel: .email))
        }
        for address in contact.addresses where !(address.channel.map(routedChannels.contains) ?? false) {
            problems.append(RecipientProblem("no_route", Self.noRoute(address), channel: address.channel))
        }
        return Person(name: contact.name, contactID: contact.id, addresses: reachable(contact), problems: problems)
    }

    static func noRoute(_ address: Address) -> String {
        "no connector sends on channel '\(address.channel?.rawValue ?? "?")' for \(address)"
    }

    func reachable(_ contact: Contact) -> [Address] {
        contact.addresses.filter { $0.channel.map(routedChannels.contains) ?? false }
    }

    /// The blueprint's warnings for missing details: every group reaches members by SMS and
    /// email, so a member lacking either is worth telling the sender about.
    static func missingDetails(_ contact: Contact, context: String) -> [String] {
        var warnings: [String] = []
        if contact.addresses(on: .sms).isEmpty {
            warnings.append("\(context): \(contact.name) has no phone number and will not get SMS")
        }
        if contact.addresses(on: .email).isEmpty {
            warnings.append("\(context): \(contact.name) has no email address and will not get email")
        }
        return warnings
    }
}

/// Why a recipient, or one channel of theirs, will not be reached: a code a program can
/// match (`no_phone`, `no_email`, `no_route`, `empty_group`, `no_contact`, `no_address`, or a
/// refusal's `invalid_address`, `unknown_group`, …) and a sentence naming who and why.
package struct RecipientProblem: Sendable, Equatable {
    package var code: String
    package var message: String
    /// The channel it is about, when it is about one.
    package var channel: ChannelName?

    package init(_ code: String, _ message: String, channel: ChannelName? = nil) {
        self.code = code
        self.message = message
        self.channel = channel
    }
}

extension String {
    func removingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
