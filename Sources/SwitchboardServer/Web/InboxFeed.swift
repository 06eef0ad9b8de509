import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import SwitchboardCore
import Synchronization

/// The live inbox: one service that listens to Core's `InboxEvents` and pushes each new item
/// to the `/ws/inbox` sockets of the users who may see it (the common inbox to everyone, a
/// private item to its owner only).
///
/// Each item is looked up (the sender's contact name) and encoded once, then handed to every
/// socket as the same string; a socket writes it on its own event loop. Sockets register here
/// and leave when they close, so an idle socket costs one dictionary entry and its handler.
final class InboxFeed: Service, Sendable {
    static let path = "/ws/inbox"

    /// One open socket: whose it is, and how to hand it a frame (it hops to its event loop).
    struct Listener: Sendable {
        let user: String
        let send: @Sendable (String) -> Void
    }

    let events: InboxEvents
    let store: any HubStore
    let gate: TopicGate
    let settings: ServerSettings
    let noText: String
    let logger: Logger
    private let listeners = Mutex<[Int: Listener]>([:])
    private let nextID = Atomic<Int>(0)

    /// Other nodes' items arrive through `events`; from here only the call to catch up after
    /// this node was deaf to them.
    let notices: ClusterNotices?

    init(events: InboxEvents, store: any HubStore, settings: ServerSettings, noText: String, notices: ClusterNotices? = nil, logger: Logger) {
        self.events = events
        self.notices = notices
        self.store = store
        self.gate = TopicGate(store: store)
        self.settings = settings
        self.noText = noText
        self.logger = logger
    }

    func run() async throws {
        // A node that lost its listening connection to the shared store missed other nodes'
        // items meanwhile: each page is told `ready` again and catches up as after reconnecting.
        let key = notices?.add { [weak self] notice in
            guard case .resync(resumed: true) = notice, let self else { return }
            let targets = self.listeners.withLock { Array($0.values) }
            for listener in targets { listener.send(#"{"type":"ready"}"#) }
        }
        defer { if let key { notices?.remove(key) } }
        // Subscribed before the server takes connections; ends with the service group.
        for await item in events.subscribe().cancelOnGracefulShutdown() {
            await push(item)
        }
    }

    func push(_ item: InboxItem) async {
        let targets = listeners.withLock { $0.values.filter { item.owner == nil || item.owner == $0.user } }
        guard !targets.isEmpty else { return }
        var name: String?
        if let from = item.message.origin?.from {
            do {
                name = try await store.contacts(withAddress: from).first?.name
            } catch {
                logger.warning("live inbox: could not look up the sender's contact", metadata: ["error": "\(error)"])
            }
        }
        guard let frame = Self.frame(InboxRow(item, contactName: name, noText: noText)) else { return }
        for listener in targets { listener.send(frame) }
    }

    static func frame(_ row: InboxRow) -> String? {
        struct Frame: Encodable {
            var type = "item"
            var item: InboxRow
        }
        guard let data = try? JSONCoding.encoder().encode(Frame(item: row)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func add(_ listener: Listener) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[id] = listener }
        return id
    }

    func remove(_ id: Int) {
        _ = listeners.withLock { $0.removeValue(forKey: id) }
    }

    var listenerCount: Int { listeners.withLock { $0.count } }

    /// Who may open the socket: a browser only from the hub's own origin (or one of
    /// `server.allowed_origins`), and only with a login (session cookie, bearer token or
    /// `?token=`) that may read the inbox (`inbox:read`). A page of another site on
    /// `server.widget_origins` (the inbox widget) must bring a token: the cookie, which its
    /// browser may send along (same site, another port), is not looked at.
    func admit(headers: HTTPFields, authority: String?, scheme: String, rawQuery: String) async throws -> InboxSocketHandler.Admission {
        var headers = headers
        if let origin = headers[.origin] {
            let own = authority.map { TopicGate.sameOrigin(origin, scheme: scheme, authority: $0) } ?? false
            let parsed = WebOrigin(origin)
            let allowed = parsed.map { o in settings.allowedOrigins.contains { WebOrigin($0) == o } } ?? false
            let widget = parsed.map { o in settings.widgetOrigins.contains { WebOrigin($0) == o } } ?? false
            guard own || allowed || widget else {
                throw APIError.forbidden(
                    "origin '\(origin)' may not open the live inbox; add it to server.allowed_origins (or server.widget_origins for the inbox widget)"
                )
            }
            if !own && !allowed { headers[.cookie] = nil }
        }
        guard let login = try await gate.authenticate(headers: headers, rawQuery: rawQuery) else {
            throw APIError.unauthorized("the live inbox needs a login: the session cookie, 'Authorization: Bearer <token>' or ?token=")
        }
        if let scopes = login.scopes, !scopes.contains(.inboxRead) { throw RouteScopes.insufficient(.inboxRead, has: scopes) }
        return InboxSocketHandler.Admission(user: login.user.username, credential: login.credential)
    }
}
