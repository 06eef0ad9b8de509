import Hummingbird
import SwitchboardCore

// Sending many messages in one request: one transaction, one flush, one wake-up.

struct SendBatchRequest: APIRequestBody {
    var messages: [SendMessageBody]
    static let shape = JSONShape.object(["messages": .array(of: SendMessageBody.shape)])
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
        let decoded = try await request.decodeBody(SendBatchRequest.self, limit: maxBodyBytes)
        let trees: [JSONValue] = if case .array(let items)? = decoded.json["messages"] { items } else { [] }
        var requests: [SendRequest] = []
        for (index, body) in decoded.value.messages.enumerated() {
            // Each message may name a template, with its own data.
            let data: JSONValue? = if index < trees.count, case .object(let members) = trees[index] { members["data"] } else { nil }
            do {
                requests.append(try sendRequest(body, data: data))
            } catch let error as APIError {
                throw APIError(error.status, error.code, "messages[\(index)]: \(error.message)", headers: error.headers)
            } catch let error as SwitchboardError {
                throw SwitchboardError(error.kind, code: error.code, "messages[\(index)]: \(error.message)")
            }
        }
        let acceptances = try await hub.send(batch: requests, sender: user.username, idempotencyKey: key)
        var headers: HTTPFields = [:]
        if acceptances.allSatisfy(\.replayed) { headers[.idempotentReplayed] = "true" }
        return .json(bytes: AcceptanceJSON.batch(acceptances.map { AcceptanceView($0.record) }), status: .accepted, headers: headers)
    }
}
