import Foundation

/// A login account of the hub.
public struct UserAccount: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable { case admin, user }
    public var username: String
    public var displayName: String?
    public var role: Role
    /// A bcrypt hash; never the password.
    public var passwordHash: String
    public var createdAt: Date
    public init(username: String, displayName: String? = nil, role: Role, passwordHash: String, createdAt: Date = Date()) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A person the hub can reach, by zero or more addresses, optionally linked to a login user.
public struct Contact: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var name: String
    public var addresses: [Address]
    public var username: String?
    public var createdAt: Date
    public init(id: String = Identifier.make(), name: String, addresses: [Address] = [], username: String? = nil, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.addresses = addresses
        self.username = username
        self.createdAt = createdAt
    }

    public func addresses(on channel: ChannelName) -> [Address] { addresses.filter { $0.channel == channel } }
}

/// A named set of contacts. Every group reaches its members by all their addresses: there
/// are no "SMS groups" or "email groups" (the messaging blueprint, 000).
public struct ContactGroup: Sendable, Codable, Equatable {
    public var name: String
    public var description: String?
    public var createdAt: Date
    public init(name: String, description: String? = nil, createdAt: Date = Date()) {
        self.name = name
        self.description = description
        self.createdAt = createdAt
    }

    /// Group names appear in `group:NAME` addresses and URLs.
    public static func isValidName(_ s: String) -> Bool { Username.isValid(s) }
}

/// A bearer token's record; the token itself is shown once and only its hash is kept.
public struct APIToken: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var username: String
    public var name: String
    public var tokenHash: String
    public var createdAt: Date
    public init(id: String = Identifier.make(), username: String, name: String, tokenHash: String, createdAt: Date = Date()) {
        self.id = id
        self.username = username
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}
