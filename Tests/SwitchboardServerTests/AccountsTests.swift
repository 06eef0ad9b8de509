import SwitchboardCore
import SwitchboardSQLite
import Testing

@testable import SwitchboardServer

@Suite struct AccountsTests {
    @Test func bootstrapCreatesTheAdminOnceWithAGeneratedPassword() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        guard case .created(let password?) = try await accounts.bootstrapAdmin(username: "root", password: nil) else {
            Issue.record("expected a generated password")
            return
        }
        #expect(password.count >= 20)
        let admin = try #require(try await accounts.verify(username: "root", password: password))
        #expect(admin.role == .admin)
        #expect(admin.passwordHash.hasPrefix("$2"))
        #expect(try await accounts.bootstrapAdmin(username: "other", password: "other-secret") == .alreadyExists)
        #expect(try await accounts.store.user(named: "other") == nil)
    }

    @Test func bootstrapWithAPasswordReturnsNoGeneratedOne() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        #expect(try await accounts.bootstrapAdmin(username: "admin", password: "chosen-secret") == .created(generatedPassword: nil))
        #expect(try await accounts.verify(username: "admin", password: "chosen-secret") != nil)
    }

    @Test func verifyRefusesWrongPasswordsAndUnknownUsers() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        try await accounts.createUser(username: "bob", password: "bob-secret-1", role: .user, displayName: "  Bob  ")
        #expect(try await accounts.verify(username: "bob", password: "bob-secret-1")?.displayName == "Bob")
        #expect(try await accounts.verify(username: "bob", password: "bob-secret-2") == nil)
        #expect(try await accounts.verify(username: "nobody", password: "bob-secret-1") == nil)
        #expect(try await accounts.verify(username: "NOT VALID", password: "bob-secret-1") == nil)
    }

    @Test func createUserValidatesNameAndPassword() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        for (name, password, code) in [
            ("Bad Name", "long-enough", "invalid_username"), ("ok", "short", "weak_password"),
            ("ok", String(repeating: "x", count: 73), "password_too_long"),
        ] {
            await #expect {
                _ = try await accounts.createUser(username: name, password: password, role: .user)
            } throws: { error in
                (error as? SwitchboardError).map { $0.kind == .invalid && $0.code == code } ?? false
            }
        }
        #expect(try await accounts.store.users().isEmpty)
    }

    @Test func setPasswordReplacesTheOldOne() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        try await accounts.createUser(username: "bob", password: "first-secret", role: .user)
        try await accounts.setPassword(username: "bob", password: "second-secret")
        #expect(try await accounts.verify(username: "bob", password: "first-secret") == nil)
        #expect(try await accounts.verify(username: "bob", password: "second-secret") != nil)
        await #expect(throws: SwitchboardError.self) { try await accounts.setPassword(username: "ghost", password: "whatever-1") }
    }

    /// The first guesses of any attacker are refused: the most common passwords (any case) and
    /// the username itself, reversed, or with digits and symbols added.
    @Test func commonPasswordsAndTheUsernameAreRefused() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        #expect(PasswordPolicy.commonPasswords.count > 3000, "the built-in list is loaded")
        for password in [
            "password1", "PassWord123", "qwertyuiop", "iloveyou", "12345678", "alice.smith", "Alice.Smith2024!", "htims.ecila", "1alice.smith",
        ] {
            await #expect {
                _ = try await accounts.createUser(username: "alice.smith", password: password, role: .user)
            } throws: { error in
                (error as? SwitchboardError).map { $0.kind == .invalid && $0.code == "weak_password" } ?? false
            }
        }
        #expect(try await accounts.store.users().isEmpty)
        try await accounts.createUser(username: "alice.smith", password: "alice.smith has a cat", role: .user)
        await #expect(throws: SwitchboardError.self) { try await accounts.setPassword(username: "alice.smith", password: "Password1") }
        #expect(try await accounts.verify(username: "alice.smith", password: "alice.smith has a cat") != nil)
    }

    /// bcrypt reads 72 bytes and stops at a NUL: a login must not succeed with the right
    /// password followed by anything.
    @Test func aPasswordBcryptWouldCutNeverMatches() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        let longest = String(repeating: "long-pass-", count: 7) + "xy"
        #expect(longest.utf8.count == 72)
        try await accounts.createUser(username: "bob", password: longest, role: .user)
        try await accounts.createUser(username: "carol", password: "carol-secret-1", role: .user)
        #expect(try await accounts.verify(username: "bob", password: longest) != nil)
        #expect(try await accounts.verify(username: "bob", password: longest + "anything") == nil)
        #expect(try await accounts.verify(username: "carol", password: "carol-secret-1\u{0}anything") == nil)
        await #expect(throws: SwitchboardError.self) { try await accounts.setPassword(username: "carol", password: "carol-new-1\u{0}x") }
    }
}
