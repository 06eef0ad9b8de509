import SwitchboardCore
import SwitchboardSQLite
import Testing

@testable import SwitchboardServer

/// Role changes have one rule for the admin page, the API and the CLI (`Accounts.setRole`):
/// admins only, never one's own role, never the last admin made a user.
@Suite struct UserRoleTests {
    @Test func theRuleRefusesOnesOwnRoleAndTheLastAdmin() async throws {
        let accounts = Accounts(store: try SQLiteStore.inMemory(), bcryptCost: 4)
        try await accounts.createUser(username: "root", password: "root-secret-1", role: .admin)
        try await accounts.createUser(username: "bob", password: "bob-secret-1", role: .user)
        await #expect {
            _ = try await accounts.setRole(username: "root", role: .user, by: "root")
        } throws: { ($0 as? SwitchboardError)?.code == "cannot_change_own_role" }
        await #expect {
            _ = try await accounts.setRole(username: "root", role: .user, by: nil)
        } throws: { ($0 as? SwitchboardError)?.code == "last_admin" }
        await #expect {
            _ = try await accounts.setRole(username: "ghost", role: .user, by: "root")
        } throws: { ($0 as? SwitchboardError)?.kind == .notFound }
        #expect(try await accounts.store.user(named: "root")?.role == .admin, "refusals changed nothing")

        #expect(try await accounts.setRole(username: "bob", role: .admin, by: "root").role == .admin)
        #expect(try await accounts.setRole(username: "root", role: .user, by: nil).role == .user, "bob is an admin now")
        #expect(try await accounts.store.user(named: "root")?.role == .user)
        #expect(try await accounts.setRole(username: "bob", role: .admin, by: nil).role == .admin, "the same role again is no change")
    }

    @Test func roleNamesAreCheckedWithTheListOfRoles() throws {
        #expect(try Accounts.role(named: "admin") == .admin)
        #expect {
            _ = try Accounts.role(named: "root")
        } throws: { error in
            guard let error = error as? SwitchboardError else { return false }
            return error.code == "invalid_role" && error.message.contains("admin, user")
        }
    }

    @Test func anAdminChangesAnotherUsersRoleThroughTheAPI() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.makeUser("alice")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let selfPromotion = try await bob.patch("/api/v1/users/bob", #"{"role": "admin"}"#)
            #expect(selfPromotion.status == .forbidden)
            #expect(try await bob.patch("/api/v1/users/alice", #"{"role": "admin"}"#).status == .forbidden)

            let own = try await admin.patch("/api/v1/users/admin", #"{"role": "user"}"#)
            #expect(own.status == .conflict)
            #expect(own.errorCode == "cannot_change_own_role")
            let badRole = try await admin.patch("/api/v1/users/bob", #"{"role": "root"}"#)
            #expect(badRole.status == .unprocessableContent)
            #expect(badRole.errorCode == "invalid_role")
            #expect(try await admin.patch("/api/v1/users/bob", #"{"role": "admin", "extra": 1}"#).status == .badRequest)
            #expect(try await admin.patch("/api/v1/users/nobody", #"{"role": "user"}"#).errorCode == "user_not_found")
            #expect(try await harness.store.user(named: "bob")?.role == .user, "refused requests changed nothing")

            let changed = try await admin.patch("/api/v1/users/bob", #"{"role": "admin"}"#)
            #expect(changed.status == .ok)
            #expect(try changed.json["role"].string == "admin")
            #expect(try await bob.get("/api/v1/users").status == .ok, "bob's session now acts as an admin")
            #expect(try await bob.patch("/api/v1/users/admin", #"{"role": "user"}"#).json["role"].string == "user")
        }
        #expect(try await harness.store.user(named: "admin")?.role == .user)
        #expect(try await harness.store.user(named: "bob")?.role == .admin)
    }
}
