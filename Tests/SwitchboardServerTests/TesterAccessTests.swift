import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The message tester shows a plain user only what they sent and lets them inject only into
/// the common inbox or their own, never from a `user:` address; admins may do all.
@Suite struct TesterAccessTests {
    @Test func aUserSeesAndClearsOnlyWhatTheySent() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let bob = try await anonymous.login("bob", "user-secret-1")
            let admin = try await anonymous.loginAdmin()
            #expect(try await alice.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "alice's secret"}"#).status == .accepted)
            #expect(try await bob.post("/api/v1/messages", #"{"to": ["sms:+4787654321"], "text": "bob's"}"#).status == .accepted)
            await harness.hub.dispatcher.drain()

            let bobSees = try await bob.get("/api/v1/tester/sent").json["items"].array
            #expect(bobSees.compactMap { $0["text"].string } == ["bob's"])
            #expect(try await bob.get("/api/v1/tester/sent?to=sms:%2B4712345678").json["items"].array.isEmpty)
            #expect(try await admin.get("/api/v1/tester/sent").json["items"].array.count == 2)

            #expect(try await bob.delete("/api/v1/tester/sent").status == .noContent)
            #expect(harness.tester.sent().map(\.text) == ["alice's secret"])
            #expect(try await alice.get("/api/v1/tester/sent").json["items"][0]["text"].string == "alice's secret")
            #expect(try await admin.delete("/api/v1/tester/sent").status == .noContent)
            #expect(harness.tester.sent().isEmpty)
        }
    }

    @Test func aUserInjectsOnlyIntoTheCommonInboxOrTheirOwn() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        try await harness.store.createContact(Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob"))
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let bob = try await anonymous.login("bob", "user-secret-1")
            let forged = [
                #"{"from": "sms:+4798765432", "to": "user:bob", "text": "forged"}"#,
                #"{"from": "sms:+4798765432", "to": "sms:+4711111111", "text": "forged"}"#,
                #"{"from": "user:admin", "text": "forged"}"#,
                #"{"from": "user:alice", "to": "user:alice", "text": "forged"}"#,
            ]
            for body in forged {
                let reply = try await alice.post("/api/v1/tester/inbound", body)
                #expect(reply.status == .forbidden, "\(body)")
            }
            #expect(try await bob.get("/api/v1/inbox").json["items"].array.isEmpty)
            #expect(try await alice.get("/api/v1/inbox").json["items"].array.isEmpty)

            let common = try await alice.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "text": "for all"}"#)
            #expect(common.status == .accepted)
            let own = try await alice.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "to": "user:alice", "text": "for me"}"#)
            #expect(own.status == .accepted)
            let mine = try await alice.get("/api/v1/inbox?scope=mine").json["items"].array
            #expect(mine.compactMap { $0["message"]["text"].string } == ["for me"])
            #expect(try await bob.get("/api/v1/inbox").json["items"].array.compactMap { $0["message"]["text"].string } == ["for all"])

            let admin = try await anonymous.loginAdmin()
            let asAdmin = try await admin.post("/api/v1/tester/inbound", #"{"from": "user:admin", "to": "user:bob", "text": "from the admin"}"#)
            #expect(asAdmin.status == .accepted)
            #expect(try await bob.get("/api/v1/inbox?scope=mine").json["items"][0]["message"]["text"].string == "from the admin")
        }
    }

    /// A plain user's injection to another user is refused alike whether that user exists or
    /// not (`user:`, or e-mail to a username no contact has): the tester probes no usernames.
    @Test func aRefusalToAnotherUserSaysNothingOfWhetherTheyExist() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            for (existing, unknown) in [("user:bob", "user:nobody"), ("mailto:bob@example.org", "mailto:nobody@example.org")] {
                var replies: [Reply] = []
                for to in [existing, unknown] {
                    replies.append(try await alice.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "to": "\#(to)", "text": "probe"}"#))
                }
                #expect(replies.map(\.status) == [.forbidden, .forbidden], "\(existing), \(unknown)")
                #expect(replies[0].errorCode == replies[1].errorCode)
                #expect(
                    replies[0].errorMessage.replacingOccurrences(of: existing, with: "X")
                        == replies[1].errorMessage.replacingOccurrences(of: unknown, with: "X")
                )
                #expect(!replies[0].errorMessage.isEmpty)
            }
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.get("/api/v1/inbox").json["items"].array.isEmpty, "nothing was injected")
            // E-mail to a username is still the user's own inbox for that user.
            let own = try await alice.post(
                "/api/v1/tester/inbound",
                #"{"from": "sms:+4798765432", "to": "mailto:alice@example.org", "text": "for me"}"#
            )
            #expect(own.status == .accepted)
        }
    }
}
