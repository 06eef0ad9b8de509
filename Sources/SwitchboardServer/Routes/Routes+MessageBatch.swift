import Hummingbird
import SwitchboardCore

// Sending many messages in one request: one transaction, one flush, one wake-up.

struct SendBatchRequest: APIRequestBody {
    var messages: [SendRequest]
    static let shape = JSONShape.object(["messages": .array(of: SendRequest.shape)])
}

struct BatchAcceptanceView: Encodable {
    var messages: [AcceptanceView]
}

extension APIEnvironment {
    func addMessageBatchRoutes(to api: RouterGroup<Context>) {
        api.post("/messages/batch") { request, context in try await sendBatch(request, context) }
    }

    /// Accepts up to `Hub.maxBatchMessages` messages, all or none: 202 once every one is
    /// committed, with one entry per message in the order given; any bad message refuses the
    /// batch with its index (`messages[3]: …`) and commits nothing. An `Idempotency-Key`
    /// makes a retried batch return the first answers.
    func sendBatch(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let key = try idempotencyKey(request)
        let body = try await request.decodeBody(SendBatchRequest.self, limit: maxBodyBytes).value
        let acceptances = try await hub.send(batch: body.messages, sender: user.username, idempotencyKey: key)
        var headers: HTTPFields = [:]
        if acceptances.allSatisfy(\.replayed) { headers[.idempotentReplayed] = "true" }
        return try .json(BatchAcceptanceView(messages: acceptances.map { AcceptanceView($0.record) }), status: .accepted, headers: headers)
    }
}
