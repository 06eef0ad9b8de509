import Foundation

extension Hub {
    /// The most messages one batch may carry.
    package static let maxBatchMessages = 1000

    /// Accepts many messages at once, all or none: each is checked and resolved as `send`
    /// does, then every message and delivery is committed in one transaction (one flush for
    /// the lot), and the dispatcher is woken once. A problem with any message refuses the
    /// whole batch with the message's index in the error (`messages[3]: …`), and nothing is
    /// committed.
    ///
    /// With an idempotency key `K`, message `i` is kept under `K#i`: a retried batch returns
    /// the first answers and creates nothing; the key reused for a different batch is a conflict.
    package func send(batch requests: [SendRequest], sender: String, idempotencyKey: String? = nil) async throws -> [Acceptance] {
        guard !requests.isEmpty else {
            throw SwitchboardError.invalid("empty_batch", "'messages' must hold at least one message")
        }
        guard requests.count <= Self.maxBatchMessages else {
            throw SwitchboardError.invalid(
                "batch_too_large",
                "'messages' holds \(requests.count) messages; at most \(Self.maxBatchMessages) a batch"
            )
        }
        var submissions: [Submission] = []
        submissions.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            do {
                submissions.append(
                    try await prepare(
                        request,
                        sender: sender,
                        idempotencyKey: idempotencyKey.map { "\($0)#\(index)" },
                        replyVia: nil
                    )
                )
            } catch let error as SwitchboardError {
                throw SwitchboardError(error.kind, code: error.code, "messages[\(index)]: \(error.message)")
            }
        }
        let acceptances = try await store.accept(batch: submissions)
        accepted(acceptances)
        return acceptances
    }
}
