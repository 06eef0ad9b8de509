import Foundation

/// A login account of the hub.
package struct UserAccount: Sendable, Codable, Equatable {
    package enum Role: String, Sendable, Codable, CaseIterable { case admin, user }
    package var username: String
    package var displayName: String?
    package var role: Role
    /// A bcrypt hash; never the password.
    package var passwordHash: String
    package var createdAt: Date
    package init(username: String, displayName: String? = nil, role: Role, passwordHash: String, createdAt: Date = Date()) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A person the hub can reach, by zero or more addresses, optionally linked to a login user.
package struct Contact: Sendable, Codable, Equatable, Identifiable {
    package var id: String
    package var name: String
    package var addresses: [Address]
    package var username: String?
    package var createdAt: Date
    package init(id: String = Identifier.make(), name: String, addresses: [Address] = [], username: String? = nil, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.addresses = addresses
        self.username = username
        self.createdAt = createdAt
    }

    package func addresses(on channel: ChannelName) -> [Address] { addresses.filter { $0.channel == channel } }
}

/// A named set of contacts. Every group reaches its members by all their addresses: there
/// are no "SMS groups" or "email groups" (the messaging blueprint, 000).
package struct ContactGroup: Sendable, Codable, Equatable {
    package var name: String
    package var description: String?
    package var createdAt: Date
    package init(name: String, description: String? = nil, createdAt: Date = Date()) {
        self.name = name
        self.description = description
        self.createdAt = createdAt
    }

    /// Group names appear in `group:NAME` addresses and URLs.
    package static func isValidName(_ s: String) -> Bool { Username.isValid(s) }
}

/// A bearer token's record; the token itself is shown once and only its hash is kept.
package struct APIToken: Sendable, Codable, Equatable, Identifiable {
    package var id: String
    package var username: String
    package var name: String
    package var tokenHash: String
    package var createdAt: Date
    /// What the token may be used for; `nil` for a token made before tokens had scopes, which
    /// may do everything its user may (as a login session).
    package var scopes: Set<TokenScope>?
    package init(
        id: String = Identifier.make(),
        username: String,
        name: String,
        tokenHash: String,
        createdAt: Date = Date(),
        scopes: Set<TokenScope>? = nil
    ) {
        self.id = id
        self.username = username
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.scopes = scopes
    }
}
