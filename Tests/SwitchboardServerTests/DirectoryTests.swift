import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite struct DirectoryTests {
    @Test func contactsCanBeCreatedReadReplacedPatchedAndDeleted() async throws {
        let harness = try await Harness()
        try await harness.makeUser("kari")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let created = try await api.post(
                "/api/v1/contacts",
                #"{"name": "Kari", "addresses": ["+47 123 45 678", "mailto:Kari@Example.ORG", "sms:+4712345678"], "username": "kari"}"#
            )
            #expect(created.status == .created)
            let id = try #require(try created.json["id"].string)
            // Normalised, duplicates dropped.
            #expect(try created.json["addresses"].array.compactMap(\.string) == ["sms:+4712345678", "mailto:Kari@example.org"])
            #expect(try created.json["username"].string == "kari")

            let fetched = try await api.get("/api/v1/contacts/\(id)")
            #expect(fetched.text == created.text)
            #expect(try await api.get("/api/v1/contacts").json["items"].array.count == 1)

            let replaced = try await api.put("/api/v1/contacts/\(id)", #"{"name": "Kari N.", "addresses": ["mailto:kari@example.org"]}"#)
            #expect(replaced.status == .ok)
            #expect(try replaced.json["username"].isNull)
            #expect(try replaced.json["addresses"].array.count == 1)

            let patched = try await api.patch("/api/v1/contacts/\(id)", #"{"name": "Kari Nordmann"}"#)
            #expect(try patched.json["name"].string == "Kari Nordmann")
            #expect(try patched.json["addresses"][0].string == "mailto:kari@example.org")
            let stored = try #require(try await harness.store.contact(id: id))
            #expect(stored.name == "Kari Nordmann")

            #expect(try await api.patch("/api/v1/contacts/\(id)", #"{"name": null}"#).status == .badRequest)
            #expect(try await api.delete("/api/v1/contacts/\(id)").status == .noContent)
            let gone = try await api.get("/api/v1/contacts/\(id)")
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "contact_not_found")
        }
    }

    @Test func contactLinksOnlyToAnExistingUnlinkedUser() async throws {
        let harness = try await Harness()
        try await harness.makeUser("kari")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let unknown = try await api.post("/api/v1/contacts", #"{"name": "Ghost", "username": "ghost"}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.errorCode == "unknown_user")
            #expect(try await api.post("/api/v1/contacts", #"{"name": "Kari", "username": "kari"}"#).status == .created)
            let twice = try await api.post("/api/v1/contacts", #"{"name": "Kari again", "username": "kari"}"#)
            #expect(twice.status == .conflict)
            #expect(twice.errorCode == "user_already_linked")
            let userAddress = try await api.post("/api/v1/contacts", #"{"name": "X", "addresses": ["user:kari"]}"#)
            #expect(userAddress.errorCode == "invalid_address")
        }
        #expect(try await harness.store.contacts().count == 1)
    }

    @Test func groupsHoldMembersAndWarnAboutMissingChannels() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let full = try #require(
                try await api.post("/api/v1/contacts", #"{"name": "Full", "addresses": ["sms:+4711111111", "mailto:full@example.org"]}"#).json["id"]
                    .string
            )
            let mailOnly = try #require(
                try await api.post("/api/v1/contacts", #"{"name": "Mail Only", "addresses": ["mailto:mail@example.org"]}"#).json["id"].string
            )

            let badName = try await api.post("/api/v1/groups", #"{"name": "On Call"}"#)
            #expect(badName.status == .unprocessableContent)
            #expect(badName.errorCode == "invalid_group_name")
            #expect(try await api.post("/api/v1/groups", #"{"name": "ops"}"#).status == .created)
            #expect(try await api.post("/api/v1/groups", #"{"name": "ops"}"#).status == .conflict)

            let addFull = try await api.post("/api/v1/groups/ops/members", #"{"contact_id": "\#(full)"}"#)
            #expect(addFull.status == .created)
            #expect(try addFull.json["warnings"].array.isEmpty)
            let addMail = try await api.post("/api/v1/groups/ops/members", #"{"contact_id": "\#(mailOnly)"}"#)
            #expect(addMail.status == .created)
            #expect(try addMail.json["warnings"].array.compactMap(\.string).contains { $0.contains("Mail Only") && $0.contains("no phone") })

            let unknownContact = try await api.post("/api/v1/groups/ops/members", #"{"contact_id": "nope"}"#)
            #expect(unknownContact.errorCode == "unknown_contact")
            #expect(try await api.post("/api/v1/groups/nogroup/members", #"{"contact_id": "\#(full)"}"#).status == .notFound)

            let detail = try await api.get("/api/v1/groups/ops").json
            #expect(detail["members"].array.count == 2)
            #expect(detail["warnings"].array.count == 1)
            #expect(try await api.get("/api/v1/groups/ops/members").json["items"].array.count == 2)

            let updated = try await api.put("/api/v1/groups/ops", #"{"description": "Operations"}"#)
            #expect(try updated.json["description"].string == "Operations")
            #expect(try await api.put("/api/v1/groups/ops", #"{"name": "other"}"#).errorCode == "rename_not_supported")

            #expect(try await api.delete("/api/v1/groups/ops/members/\(mailOnly)").status == .noContent)
            #expect(try await api.delete("/api/v1/groups/ops/members/\(mailOnly)").status == .notFound)
            #expect(try await harness.store.members(group: "ops").map(\.id) == [full])

            #expect(try await api.delete("/api/v1/groups/ops").status == .noContent)
            #expect(try await api.get("/api/v1/groups/ops").status == .notFound)
            let send = try await api.post("/api/v1/messages", #"{"to": ["group:ops"], "text": "x"}"#)
            #expect(send.errorCode == "unknown_group")
        }
    }

    @Test func adminsManageUsersWithoutEverExposingHashes() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let created = try await api.post(
                "/api/v1/users",
                #"{"username": "bob", "password": "bob-secret-1", "role": "user", "display_name": "Bob B."}"#
            )
            #expect(created.status == .created)
            #expect(try created.json.keys == ["username", "display_name", "role", "created_at"])
            #expect(!created.text.contains("$2"))  // no bcrypt hash anywhere

            let listed = try await api.get("/api/v1/users").json["items"].array.compactMap { $0["username"].string }
            #expect(listed == ["admin", "bob"])
            #expect(try await api.get("/api/v1/users/bob").json["display_name"].string == "Bob B.")

            #expect(try await api.post("/api/v1/users", #"{"username": "bob", "password": "bob-secret-1", "role": "user"}"#).status == .conflict)
            #expect(
                try await api.post("/api/v1/users", #"{"username": "Bob Smith", "password": "bob-secret-1", "role": "user"}"#).errorCode
                    == "invalid_username"
            )
            #expect(
                try await api.post("/api/v1/users", #"{"username": "carol", "password": "bob-secret-1", "role": "root"}"#).errorCode == "invalid_role"
            )
            #expect(try await api.post("/api/v1/users", #"{"username": "carol", "password": "short", "role": "user"}"#).errorCode == "weak_password")
            #expect(try await harness.store.user(named: "carol") == nil)

            _ = try await anonymous.login("bob", "bob-secret-1")
            #expect(try await api.put("/api/v1/users/bob/password", #"{"password": "reset-by-admin"}"#).status == .noContent)
            _ = try await anonymous.login("bob", "reset-by-admin")

            let selfDelete = try await api.delete("/api/v1/users/admin")
            #expect(selfDelete.status == .conflict)
            #expect(try await api.delete("/api/v1/users/bob").status == .noContent)
            #expect(try await api.get("/api/v1/users/bob").status == .notFound)
            #expect(try await anonymous.post("/api/v1/session", #"{"username": "bob", "password": "reset-by-admin"}"#).status == .unauthorized)
        }
    }
}
