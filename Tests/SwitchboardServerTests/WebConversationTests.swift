import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The conversations and topics pages: the API's visibility rule (an admin sees every
/// conversation, a user their own), escaping of what a party said, the abort form behind the
/// CSRF token, and topics listed by their read rule.
@Suite("Web conversations and topics")
struct WebConversationTests {
    static func formHeaders(_ secret: String) -> HTTPFields {
        [.contentType: "application/x-www-form-urlencoded", .cookie: "\(SessionCookie.name)=\(secret)"]
    }

    @Test func anAdminSeesEveryOngoingConversationAndAUserOnlyTheirOwn() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        let alices = try await ConversationRoutesTests.stored(harness, address: .sms("+4733333333"), username: "alice")
        let bobs = try await ConversationRoutesTests.stored(harness, address: .sms("+4744444444"), username: "bob")
        let done = try await ConversationRoutesTests.stored(harness, address: .sms("+4755555555"), status: .complete)
        try await harness.run { anonymous in
            #expect(try await anonymous.get("/conversations").status == .seeOther, "a visitor is sent to the login page")
            let admin = try await anonymous.loginAdmin()
            let all = try await admin.get("/conversations")
            #expect(all.status == .ok)
            #expect(all.text.contains("+4733333333") && all.text.contains("+4744444444"))
            #expect(!all.text.contains("+4755555555"), "ongoing ones by default")
            #expect(all.text.contains(#"href="/conversations""#) && all.text.contains(">Conversations<"), "navigation link")
            let finished = try await admin.get("/conversations?status=complete")
            #expect(finished.text.contains("+4755555555") && !finished.text.contains("+4733333333"))
            #expect(try await admin.get("/conversations?status=any").text.contains("+4755555555"))
            #expect(try await admin.get("/conversations?status=bogus").status == .badRequest)
            #expect(try await admin.get("/conversations?cursor=nonsense").status == .badRequest)

            let alice = try await anonymous.login("alice", "user-secret-1")
            let own = try await alice.get("/conversations?status=any")
            #expect(own.text.contains("+4733333333"))
            #expect(!own.text.contains("+4744444444") && !own.text.contains("+4755555555"))
            #expect(try await alice.get("/conversations/\(alices.id)").status == .ok)
            for other in [bobs, done] {
                let page = try await alice.get("/conversations/\(other.id)")
                #expect(page.status == .notFound)
                #expect(!page.text.contains(other.address.description))
            }
        }
    }

    @Test func aConversationPageShowsTranscriptDataAndDeadlinesWithEverythingEscaped() async throws {
        let harness = try await Harness()
        let hostile = Conversation(
            connector: "tester",
            address: .sms("+4712345678"),
            responder: "report",
            startedAt: Date(),
            stepCount: 1,
            nextStep: "what",
            data: ["<b>name</b>": .string("<img src=x onerror=alert(2)>"), "count": .number(2)],
            expiresAt: Date(timeIntervalSince1970: 1_900_000_000)
        )
        let transcript = [
            ConversationEntry(direction: .inbound, text: "<script>alert(1)</script>", at: Date(), step: "start"),
            ConversationEntry(direction: .outbound, text: "What happened?", at: Date()),
        ]
        _ = try await harness.store.commitTurn(
            ConversationTurn(writes: [ConversationWrite(conversation: hostile, expectedRevision: nil, appending: transcript)])
        )
        let id = hostile.id
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let page = try await admin.get("/conversations/\(id)")
            #expect(page.status == .ok)
            #expect(!page.text.contains("<script>alert(1)"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains("<img src=x") && !page.text.contains("<b>name</b>"))
            #expect(page.text.contains("What happened?"))
            #expect(page.text.contains("<td>2</td>"), "a number in the data shows as JSON")
            #expect(page.text.contains(#"datetime="2030-03-17T17:46:40Z""#), "the deadline")
            #expect(page.text.contains(#"id="abort-reason""#), "an ongoing one can be aborted")
        }
    }

    @Test func theAbortFormNeedsTheCSRFTokenAndAReasonAndIsForTheOwnerOrAnAdmin() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let c = try await ConversationRoutesTests.stored(harness, username: "bob")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let bob = try await anonymous.login("bob", "user-secret-1")
            guard case .cookie(let bobSecret) = bob.credential, case .cookie(let aliceSecret) = alice.credential else {
                throw CancellationError()
            }
            let uri = "/conversations/\(c.id)/abort"
            let without = try await bob.client.executeRequest(
                uri: uri,
                method: .post,
                headers: Self.formHeaders(bobSecret),
                body: ByteBuffer(string: "reason=done")
            )
            #expect(without.status == .forbidden)
            let notHers = try await alice.client.executeRequest(
                uri: uri,
                method: .post,
                headers: Self.formHeaders(aliceSecret),
                body: ByteBuffer(string: "_csrf=\(CSRFToken.make(sessionSecret: aliceSecret))&reason=mine")
            )
            #expect(notHers.status == .notFound)
            let token = CSRFToken.make(sessionSecret: bobSecret)
            let empty = try await bob.client.executeRequest(
                uri: uri,
                method: .post,
                headers: Self.formHeaders(bobSecret),
                body: ByteBuffer(string: "_csrf=\(token)&reason=+++")
            )
            #expect(empty.status == .unprocessableContent)
            #expect(String(buffer: empty.body).contains("Give a reason"))
            #expect(try await harness.store.conversation(id: c.id)?.status == .ongoing, "refused forms changed nothing")

            let ok = try await bob.client.executeRequest(
                uri: uri,
                method: .post,
                headers: Self.formHeaders(bobSecret),
                body: ByteBuffer(string: "_csrf=\(token)&reason=%3Cb%3Estuck%3C%2Fb%3E")
            )
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/conversations/\(c.id)")
            let page = try await bob.get("/conversations/\(c.id)")
            #expect(page.text.contains("&lt;b&gt;stuck&lt;/b&gt;"))
            #expect(!page.text.contains(#"id="abort-reason""#), "a finished one has no abort form")
            let again = try await bob.client.executeRequest(
                uri: uri,
                method: .post,
                headers: Self.formHeaders(bobSecret),
                body: ByteBuffer(string: "_csrf=\(token)&reason=twice")
            )
            #expect(again.status == .conflict)
        }
        let stored = try #require(try await harness.store.conversation(id: c.id))
        #expect(stored.status == .aborted && stored.endedBy == "bob" && stored.endReason == "<b>stuck</b>")
    }

    @Test func theTopicsPageListsTheTopicsTheUserMayRead() async throws {
        let harness = try await Harness { c in
            c.topics = [
                TopicDefinition(name: "chat"),
                TopicDefinition(name: "staff", read: TopicAccess(roles: ["admin"])),
                TopicDefinition(name: "alices", read: TopicAccess(users: ["alice"])),
            ]
        }
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            #expect(try await anonymous.get("/topics").status == .seeOther)
            let admin = try await anonymous.loginAdmin().get("/topics")
            #expect(admin.text.contains(#"href="/topics/chat""#) && admin.text.contains(#"href="/topics/staff""#))
            let alice = try await anonymous.login("alice", "user-secret-1").get("/topics")
            #expect(alice.text.contains(#"href="/topics/chat""#) && alice.text.contains(#"href="/topics/alices""#))
            #expect(!alice.text.contains(#"href="/topics/staff""#))
            let bob = try await anonymous.login("bob", "user-secret-1").get("/topics")
            #expect(bob.text.contains(#"href="/topics/chat""#))
            #expect(!bob.text.contains(#"href="/topics/staff""#) && !bob.text.contains(#"href="/topics/alices""#))
        }
    }
}
