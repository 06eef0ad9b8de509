import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// A contact linked to a login decides where `user:NAME` messages go and whose inbox mail to
/// its addresses lands in, so only that user or an admin may link, unlink, re-address or
/// delete it. The rest of the address book stays shared.
@Suite struct ContactLinkTests {
    /// Alice and Bob (plain users) and a contact linked to Bob, made by an admin.
    static func setUp(_ harness: Harness) async throws -> Contact {
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let contact = Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob")
        try await harness.store.createContact(contact)
        return contact
    }

    @Test func aUserCannotLinkAContactToAnotherUser() async throws {
        let harness = try await Harness()
        _ = try await Self.setUp(harness)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let refused = try await alice.post("/api/v1/contacts", #"{"name": "Admin", "addresses": ["sms:+4799999999"], "username": "admin"}"#)
            #expect(refused.status == .forbidden)
            #expect(refused.errorMessage.contains("admin"))
            #expect(try await harness.store.contact(username: "admin") == nil)

            // Her own contact she may link, and then messages to user:alice go to it.
            let own = try await alice.post("/api/v1/contacts", #"{"name": "Alice", "addresses": ["sms:+4799999999"], "username": "alice"}"#)
            #expect(own.status == .created)
            let unlinked = try await alice.post("/api/v1/contacts", #"{"name": "Carol", "addresses": ["sms:+4722222222"]}"#)
            #expect(unlinked.status == .created)
            let carol = try #require(try unlinked.json["id"].string)
            #expect(try await alice.patch("/api/v1/contacts/\(carol)", #"{"username": "admin"}"#).status == .forbidden)
            #expect(try await harness.store.contact(id: carol)?.username == nil)

            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.patch("/api/v1/contacts/\(carol)", #"{"username": "admin"}"#).status == .ok)
        }
    }

    @Test func onlyTheLinkedUserOrAnAdminChangesTheAddressesOrTheLink() async throws {
        let harness = try await Harness()
        let bobs = try await Self.setUp(harness)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let attempts: [(HTTPRequest.Method, String?)] = [
                (.patch, #"{"addresses": ["sms:+4799999999"]}"#),
                (.patch, #"{"username": null}"#),
                (.patch, #"{"username": "alice"}"#),
                (.put, #"{"name": "Bob", "addresses": ["sms:+4799999999"], "username": "bob"}"#),
                (.put, #"{"name": "Bob", "addresses": ["sms:+4711111111"]}"#),
                (.delete, nil),
            ]
            for (method, body) in attempts {
                let reply = try await alice.call(method, "/api/v1/contacts/\(bobs.id)", body)
                #expect(reply.status == .forbidden, "\(method) \(body ?? "")")
                #expect(reply.errorMessage.contains("bob"), "\(reply.errorMessage)")
            }
            let unchanged = try await harness.store.contact(id: bobs.id)
            #expect(unchanged?.username == "bob" && unchanged?.addresses == bobs.addresses)

            // A new name changes nowhere messages go: the shared book allows it.
            #expect(try await alice.patch("/api/v1/contacts/\(bobs.id)", #"{"name": "Robert"}"#).status == .ok)
            let bob = try await anonymous.login("bob", "user-secret-1")
            let moved = try await bob.patch("/api/v1/contacts/\(bobs.id)", #"{"addresses": ["sms:+4733333333"]}"#)
            #expect(try moved.json["addresses"].array.compactMap(\.string) == ["sms:+4733333333"])
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.patch("/api/v1/contacts/\(bobs.id)", #"{"username": null}"#).status == .ok)
            #expect(try await alice.delete("/api/v1/contacts/\(bobs.id)").status == .noContent)
        }
    }

    @Test func aUserCannotClaimAnAddressOfAnotherUsersContact() async throws {
        let harness = try await Harness()
        _ = try await Self.setUp(harness)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let refused = try await alice.post("/api/v1/contacts", #"{"name": "Alice", "addresses": ["sms:+4711111111"], "username": "alice"}"#)
            #expect(refused.status == .forbidden)
            #expect(try await harness.store.contact(username: "alice") == nil)
            // Mail to Bob's number still lands in Bob's inbox, not the common one.
            #expect(try await harness.hub.router.addressee(.sms("+4711111111")).owner == "bob")
            // An unlinked contact may share the number: it makes no one else its owner.
            #expect(try await alice.post("/api/v1/contacts", #"{"name": "Front desk", "addresses": ["sms:+4711111111"]}"#).status == .created)
            #expect(try await harness.hub.router.addressee(.sms("+4711111111")).owner == "bob")
        }
    }

    /// Linking to a name that is not hers tells Alice nothing about it: a user who does not
    /// exist, one who exists, and one already linked to a contact get the same refusal.
    @Test func aRefusedLinkDoesNotTellWhichUsernamesExist() async throws {
        let harness = try await Harness()
        _ = try await Self.setUp(harness)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let carol = try #require(try await alice.post("/api/v1/contacts", #"{"name": "Carol"}"#).json["id"].string)
            // ghost: no such user; admin: exists, unlinked; bob: exists, linked already.
            for name in ["ghost", "admin", "bob"] {
                let attempts = [
                    try await alice.post("/api/v1/contacts", #"{"name": "X", "username": "\#(name)"}"#),
                    try await alice.patch("/api/v1/contacts/\(carol)", #"{"username": "\#(name)"}"#),
                    try await alice.put("/api/v1/contacts/\(carol)", #"{"name": "Carol", "username": "\#(name)"}"#),
                ]
                for reply in attempts {
                    #expect(reply.status == .forbidden, "\(name): \(reply.text)")
                    #expect(reply.errorCode == "forbidden", "\(name)")
                    let generic = reply.errorMessage.replacingOccurrences(of: "'\(name)'", with: "'NAME'")
                    #expect(
                        generic
                            == "only an admin or 'NAME' may link a contact to the user 'NAME' or unlink it; you may link only your own contact (username 'alice')"
                    )
                }
            }
            #expect(try await harness.store.contacts().count == 2)
            #expect(try await harness.store.contact(id: carol)?.username == nil)
        }
    }
}
