import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite struct InboundRouting {
    @Test func keywordRepliesLeaveOnTheConnectorTheMessageCameIn() async throws {
        let tester = BucketConnector(name: "tester")
        let other = BucketConnector(name: "other")
        let hub = try makeHub(
            connectors: [other, tester],
            routes: [.sms: ["other", "tester"]],
            autoReplies: [AutoReply(keyword: "ping", reply: "pong"), AutoReply(keyword: "echo", reply: "{text}")]
        )
        try await ConversationScript(hub: hub).run(
            """
            # RapidSMS's ping and echo apps, configured
            +4712345678 > ping
            +4712345678 < pong
            +4712345678 > ECHO hello there
            < hello there
            +4799999999 > Ping
            +4799999999 < pong
            """
        )
        // The normal sms route starts with `other`, but replies are pinned to `tester`.
        #expect(other.sent().isEmpty)
    }

    @Test func messagesNoHandlerTakesLandInTheCommonInboxUnread() async throws {
        let hub = try makeHub(autoReplies: [AutoReply(keyword: "ping", reply: "pong")])
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > The bridge at Elvebakken is down
            """
        )
        let page = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common, unreadOnly: true))
        #expect(page.items.map(\.message.text) == ["The bridge at Elvebakken is down"])
        #expect(page.items.first?.message.origin?.from == .sms("+4712345678"))
        #expect(page.items.first?.message.origin?.connector == "tester")
    }

    @Test func scriptFailsOnAWrongOrUnexpectedReply() async throws {
        let hub = try makeHub(autoReplies: [AutoReply(keyword: "ping", reply: "pong")])
        await #expect(throws: ScriptFailure.self) {
            try await ConversationScript(hub: hub).run("+4712345678 > ping\n+4712345678 < PONG")
        }
        let hub2 = try makeHub(autoReplies: [AutoReply(keyword: "ping", reply: "pong")])
        await #expect(throws: ScriptFailure.self) {
            try await ConversationScript(hub: hub2).run("+4712345678 > ping")
        }
    }

    @Test func forwardingRuleBridgesSmsToEmailAndStillKeepsTheMessage() async throws {
        let sms = BucketConnector(name: "kannel", channels: [.sms])
        let mail = BucketConnector(name: "smtp", channels: [.email])
        let hub = try makeHub(
            connectors: [sms, mail],
            routes: [.sms: ["kannel"], .email: ["smtp"]],
            forwarding: [ForwardingRule(connector: "kannel", to: [.email("ops@example.org")])]
        )
        let result = try await hub.receive(InboundMessage(connector: "kannel", from: .sms("+4712345678"), text: "Power out in sector 4"))
        await hub.dispatcher.drain()
        // Forwarded and still kept: the message is in the common inbox, under the id the hub gave.
        let common = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(common.items.map(\.id) == [try #require(result.inboxItemID)])
        #expect(common.items.map(\.message.text) == ["Power out in sector 4"])
        #expect(common.items.first?.owner == nil)
        #expect(result.replies.count == 1)
        let forwarded = mail.sent(to: .email("ops@example.org"))
        #expect(forwarded.map(\.text) == ["[kannel] +4712345678: Power out in sector 4"])
        #expect(sms.sent().isEmpty)
        // A message arriving on another connector is not forwarded.
        _ = try await hub.receive(InboundMessage(connector: "smtp", from: .email("x@example.org"), text: "hi"))
        await hub.dispatcher.drain()
        #expect(mail.sent().count == 1)
    }

    @Test func messageToAUsersAddressLandsInThatUsersInbox() async throws {
        let hub = try makeHub()
        try await hub.store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "x"))
        try await hub.store.createContact(Contact(name: "Alice", addresses: [.email("alice@hub.example.org")], username: "alice"))
        let r = try await hub.receive(
            InboundMessage(
                connector: "tester",
                from: .email("kari@example.org"),
                to: .email("alice@hub.example.org"),
                text: "for alice"
            )
        )
        let mine = try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .mine))
        let common = try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .common))
        #expect(mine.items.map(\.id) == [r.inboxItemID!])
        #expect(common.items.isEmpty)
    }

    @Test func aFailingHandlerDoesNotLoseTheMessage() async throws {
        struct Broken: MessageHandler {
            let name = "broken"
            func handle(_ context: InboundContext) async throws -> HandlerResult { throw CancellationError() }
        }
        let hub = try makeHub(handlers: [Broken()])
        let r = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "still here"))
        // The handler's failure does not drop the message: it lands in the common inbox.
        let common = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(common.items.map(\.id) == [try #require(r.inboxItemID)])
        #expect(common.items.map(\.message.text) == ["still here"])
        #expect(common.items.first?.message.origin?.from == .sms("+4712345678"))
    }

    @Test func droppedMessagesAreRecordedButNotInTheInbox() async throws {
        struct SpamFilter: MessageHandler {
            let name = "spam"
            func handle(_ context: InboundContext) async throws -> HandlerResult {
                context.message.text.contains("WIN") ? .drop : .pass
            }
        }
        let hub = try makeHub(handlers: [SpamFilter()])
        let r = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "WIN a prize"))
        #expect(r.disposition == .drop)
        #expect(r.inboxItemID == nil)
        #expect(try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.isEmpty)
    }

    @Test func unknownConnectorIsRefused() async throws {
        let hub = try makeHub()
        await #expect(throws: SwitchboardError.self) {
            try await hub.receive(InboundMessage(connector: "nope", from: .sms("+4712345678"), text: "x"))
        }
    }
}

@Suite struct PerUserInboxes {
    @Test func aReplyLandsInTheInboxOfTheUserWhoWroteToThatPhone() async throws {
        var settings = InboxSettings()
        settings.repliesToSender = true
        let hub = try makeHub(inbox: settings)
        try await hub.store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "x"))
        _ = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "Can you check the pump?"), sender: "alice")
        _ = try await hub.send(SendRequest(to: ["sms:+4799999999"], text: "Status?"), sender: "cli:root")
        let reply = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "Pump OK"))
        let other = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4799999999"), text: "All fine"))
        let stranger = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4755555555"), text: "Who is this?"))
        let mine = try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .mine))
        let common = try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .common))
        #expect(mine.items.map(\.id) == [reply.inboxItemID!])
        #expect(Set(common.items.map(\.id)) == [other.inboxItemID!, stranger.inboxItemID!])
    }
}

@Suite struct CommonInboxByDefault {
    @Test func withoutRepliesToSenderAReplyStaysInTheCommonInbox() async throws {
        let hub = try makeHub()
        try await hub.store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "x"))
        _ = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "Can you check the pump?"), sender: "alice")
        let reply = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "Pump OK"))
        #expect(try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .common)).items.map(\.id) == [reply.inboxItemID!])
        #expect(try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .mine)).items.isEmpty)
    }
}

/// Who a message to an address is for: what inbound email asks at RCPT TO, and whose inbox it lands in.
@Suite struct Addressees {
    @Test func contactsAndUsernamesAreKnownAndEverythingElseIsNot() async throws {
        let hub = try makeHub()
        try await hub.store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "x"))
        try await hub.store.createContact(Contact(name: "Ops desk", addresses: [.email("ops@hub.test")]))
        try await hub.store.createContact(Contact(name: "Bob", addresses: [.email("bob@example.org")], username: "alice"))
        #expect(try await hub.knowsRecipient(.email("ops@hub.test")))
        #expect(try await hub.knowsRecipient(.email("alice@hub.test")), "the local part names a user")
        #expect(try await hub.knowsRecipient(.email("Alice@hub.test")), "user names are lower case; mail local parts often are not")
        #expect(try await hub.knowsRecipient(.user("alice")))
        #expect(try await !hub.knowsRecipient(.email("nobody@hub.test")))
        #expect(try await !hub.knowsRecipient(.email("ops.desk@hub.test")))
        #expect(try await !hub.knowsRecipient(.user("nobody")))
        #expect(try await !hub.knowsRecipient(.sms("+4712345678")))
    }

    @Test func mailToAUsersNameLandsInHerInboxAndToASharedContactInTheCommonOne() async throws {
        let hub = try makeHub()
        try await hub.store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "x"))
        try await hub.store.createContact(Contact(name: "Ops desk", addresses: [.email("ops@hub.test")]))
        let toAlice = try await hub.receive(
            InboundMessage(connector: "tester", from: .email("kari@example.org"), to: .email("alice@hub.test"), text: "for alice")
        )
        let toOps = try await hub.receive(
            InboundMessage(connector: "tester", from: .email("kari@example.org"), to: .email("ops@hub.test"), text: "for ops")
        )
        #expect(try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .mine)).items.map(\.id) == [toAlice.inboxItemID!])
        #expect(try await hub.store.inbox(InboxQuery(viewer: "alice", scope: .common)).items.map(\.id) == [toOps.inboxItemID!])
    }
}
