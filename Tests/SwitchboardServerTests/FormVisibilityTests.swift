import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// Form submissions are seen where their message is: a plain user sees those in the common
/// inbox and their own, never another user's; an admin sees every one.
@Suite struct FormVisibilityTests {
    /// Records an inbound form message with its submission, in `owner`'s inbox (`nil`: common).
    static func formMessage(_ harness: Harness, owner: String?, value: String) async throws -> FormSubmission {
        let message = Message(
            direction: .inbound,
            text: "<survey><k>\(value)</k></survey>",
            sender: "sms:+4712345678",
            origin: Origin(connector: "tester", from: .sms("+4712345678"))
        )
        try await harness.store.recordInbound(message)
        let submission = FormSubmission(messageID: message.id, formID: "survey", fields: [FormField(path: "k", value: value)], receivedAt: Date())
        try await harness.store.recordSubmission(submission)
        _ = try await harness.store.addToInbox(messageID: message.id, owner: owner)
        return submission
    }

    @Test func aUserSeesNoFormFromAnotherUsersPrivateInbox() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let common = try await Self.formMessage(harness, owner: nil, value: "common")
        let bobs = try await Self.formMessage(harness, owner: "bob", value: "bob's secret")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let bob = try await anonymous.login("bob", "user-secret-1")
            let admin = try await anonymous.loginAdmin()

            #expect(try await alice.get("/api/v1/forms").json["items"].array.compactMap { $0["id"].string } == [common.id])
            #expect(try await alice.get("/api/v1/forms?form_id=survey").json["items"].array.compactMap { $0["id"].string } == [common.id])
            let byID = try await alice.get("/api/v1/forms/\(bobs.id)")
            #expect(byID.status == .notFound)
            #expect(byID.errorCode == "form_submission_not_found")
            #expect(try await alice.get("/api/v1/forms?message_id=\(bobs.messageID)").json["items"].array.isEmpty)
            #expect(try await alice.get("/api/v1/forms/\(common.id)").json["fields"][0]["value"].string == "common")

            #expect(try await bob.get("/api/v1/forms").json["items"].array.compactMap { $0["id"].string } == [bobs.id, common.id])
            #expect(try await bob.get("/api/v1/forms/\(bobs.id)").json["fields"][0]["value"].string == "bob's secret")
            #expect(try await bob.get("/api/v1/forms?message_id=\(bobs.messageID)").json["items"][0]["id"].string == bobs.id)

            #expect(try await admin.get("/api/v1/forms").json["items"].array.count == 2)
            #expect(try await admin.get("/api/v1/forms/\(bobs.id)").status == .ok)
        }
    }

    @Test func aFormWhoseMessageReachedNoInboxIsForAdminsOnly() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        let message = Message(
            direction: .inbound,
            text: "<survey><k>1</k></survey>",
            sender: "sms:+4712345678",
            origin: Origin(connector: "tester", from: .sms("+4712345678"))
        )
        try await harness.store.recordInbound(message)
        let submission = FormSubmission(messageID: message.id, formID: "survey", fields: [], receivedAt: Date())
        try await harness.store.recordSubmission(submission)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            #expect(try await alice.get("/api/v1/forms/\(submission.id)").status == .notFound)
            #expect(try await alice.get("/api/v1/forms").json["items"].array.isEmpty)
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.get("/api/v1/forms/\(submission.id)").json["id"].string == submission.id)
        }
    }
}
