import Foundation

/// Turns a send request's recipients into deliveries, one per distinct address, and the
/// warnings a sender should see about people who could not be reached on some channel.
struct RecipientResolver: Sendable {
    let store: any HubStore
    /// Channels that have at least one connector to send with.
    let routedChannels: Set<ChannelName>

    struct Resolution {
        var targets: [Address] = []
        var warnings: [String] = []
    }

    func resolve(_ recipients: [String]) async throws -> Resolution {
        var out = Resolution()
        var seen = Set<Address>()
        func add(_ address: Address) {
            if seen.insert(address).inserted { out.targets.append(address) }
        }
        for raw in recipients {
            let text = raw.trimmingBlanks
            if let name = text.removingPrefix("group:") {
                guard let group = try await store.group(named: name) else {
                    throw SwitchboardError.invalid("unknown_group", "no group named '\(name)'")
                }
                let members = try await store.members(group: group.name)
                if members.isEmpty { out.warnings.append("group \(group.name) has no members") }
                for member in members {
                    out.warnings += Self.missingDetails(member, context: "group \(group.name)")
                    reachable(member).forEach(add)
                }
            } else if let id = text.removingPrefix("contact:") {
                guard let contact = try await store.contact(id: id) else {
                    throw SwitchboardError.invalid("unknown_contact", "no contact with id '\(id)'")
                }
                let addresses = reachable(contact)
                if addresses.isEmpty { out.warnings.append("contact \(contact.name) has no address that can be reached") }
                addresses.forEach(add)
            } else {
                let address: Address
                do { address = try Address(parsing: text) } catch {
                    throw SwitchboardError.invalid("invalid_address", error.description)
                }
                if case .user(let username) = address {
                    guard try await store.user(named: username) != nil else {
                        throw SwitchboardError.invalid("unknown_user", "no user named '\(username)'")
                    }
                    guard let contact = try await store.contact(username: username), !reachable(contact).isEmpty else {
                        out.warnings.append("user \(username) has no contact address that can be reached")
                        continue
                    }
                    reachable(contact).forEach(add)
                } else {
                    guard let channel = address.channel, routedChannels.contains(channel) else {
                        throw SwitchboardError.invalid(
                            "no_route",
                            "no connector sends on channel '\(address.channel?.rawValue ?? "?")' for \(address)"
                        )
                    }
                    add(address)
                }
            }
        }
        return out
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

extension String {
    func removingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
