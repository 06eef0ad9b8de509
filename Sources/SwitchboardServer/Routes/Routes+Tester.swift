import Foundation
import Hummingbird
import SwitchboardCore

// The message tester: pretend a message came in, and read what bucket connectors "sent".
// Any logged-in user may use it on bucket connectors (they reach no one outside), within what
// they could see or do anyway:
// - a plain user reads and clears only what they sent (a bucket may carry everyone's traffic);
// - a plain user injects only into the common inbox or their own, and never from a `user:`
//   address (that would forge a message from a colleague or into their private inbox); a `to`
//   that names another user is refused before any user is looked up, so it probes no names;
// - injecting as if through a real connector (an SMS gateway) is admin-only: it would let a
//   user forge inbound traffic that forwarding rules then pass on.
// Admins may do all of it.

struct TesterInboundBody: APIRequestBody {
    var connector: String?
    var from: String
    var to: String?
    var text: String
    var subject: String?
    /// An HTML part, as an email would carry (the message page shows it sanitized).
    var html: String?
    static let shape = JSONShape.keys("connector", "from", "to", "text", "subject", "html")
}

extension APIEnvironment {
    static let defaultTesterConnector = "tester"

    func addTesterRoutes(to api: RouterGroup<Context>) {
        api.post("/tester/inbound") { request, context in try await injectInbound(request, context) }
        api.get("/tester/sent") { request, context in try await testerSent(request, context) }
        api.delete("/tester/sent") { request, context in try await clearTesterSent(request, context) }
    }

    /// Runs the message through the hub's inbound pipeline as if the connector received it;
    /// 202 with what became of it (inbox item, replies).
    func injectInbound(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeBody(TesterInboundBody.self, limit: maxBodyBytes).value
        let name = body.connector ?? Self.defaultTesterConnector
        guard let connector = hub.connectors[name] else {
            throw APIError.unprocessable("unknown_connector", "no connector named '\(name)'")
        }
        guard connector is BucketConnector || user.role == .admin else {
            throw APIError.forbidden("only an admin may inject messages through '\(name)', which is not a bucket connector")
        }
        let from = try Address(parsing: body.from)
        let to = try body.to.map { try Address(parsing: $0) }
        let inbound = InboundMessage(connector: name, from: from, to: to, text: body.text, subject: body.subject, html: body.html)
        if user.role != .admin {
            if case .user = from {
                throw APIError.forbidden("only an admin may inject a message from a user: address ('\(from)')")
            }
            if let to, try await namesAnotherUser(to, me: user.username) {
                throw APIError.forbidden(
                    "only an admin may inject a message to '\(to)', which may name another user's private inbox; you may inject only into the common inbox or your own (user:\(user.username))"
                )
            }
            // Left: a contact linked to a user (the address book is everyone's), or a reply to
            // what a user sent from `from`: refused without naming whose inbox it is.
            if let owner = try await hub.inboxOwner(for: inbound), owner != user.username {
                throw APIError.forbidden(
                    "this message would land in another user's private inbox; you may inject only into the common inbox or your own"
                )
            }
        }
        let result = try await hub.receive(inbound)
        context.logger.info("tester injected an inbound message", metadata: ["connector": "\(name)", "by": "\(user.username)"])
        return try .json(InboundResultView(result), status: .accepted)
    }

    /// Whether `to` may name another user than `me` by a username: `user:bob`, or e-mail to
    /// `bob@…` that no contact has (the router gives it to the user `bob`, if there is one).
    /// Decided without looking any user up, so a plain user's refused injection answers the
    /// same whether that user exists or not, and cannot be used to probe usernames (as a
    /// contact linked to another user is refused before the name is looked up).
    func namesAnotherUser(_ to: Address, me: String) async throws -> Bool {
        switch to {
        case .user(let name):
            return name != me
        case .email(let mail):
            guard let at = mail.lastIndex(of: "@") else { return false }
            let local = String(mail[..<at]).lowercased()
            guard local != me, Username.isValid(local) else { return false }
            return try await store.contacts(withAddress: to).isEmpty
        default:
            return false
        }
    }

    /// What a bucket connector was asked to send, oldest first; `to` filters by address. A plain
    /// user sees only what they sent; an admin sees everything.
    func testerSent(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["connector", "to"])
        let bucket = try bucket(query)
        let to = try query.string("to").map { try Address(parsing: $0) }
        return try .json(ListView(items: bucket.sent(to: to, sentBy: Self.testerSender(user)).map(SentItemView.init)))
    }

    /// Forgets what the bucket sent: a plain user's own messages only, everything for an admin.
    func clearTesterSent(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["connector"])
        try bucket(query).clear(sentBy: Self.testerSender(user))
        return .noContent()
    }

    /// The sender whose items the caller may see and clear; `nil` (all) for an admin.
    static func testerSender(_ user: UserAccount) -> String? {
        user.role == .admin ? nil : user.username
    }

    func bucket(_ query: QueryParameters) throws -> BucketConnector {
        let name = query.string("connector") ?? Self.defaultTesterConnector
        guard let bucket = hub.bucket(named: name) else {
            throw APIError.notFound("unknown_connector", "no bucket connector named '\(name)'")
        }
        return bucket
    }
}
