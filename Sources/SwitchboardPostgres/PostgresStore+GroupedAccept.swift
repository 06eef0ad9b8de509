import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// Single accepts grouped, as SQLite's group commit groups them: every `accept(_:)` hands its
// submission to a `LeaderBatcher` (`PostgresStore.acceptGroups`); whoever finds no group
// running accepts everything handed in so far as one batch (`+BatchAccept`: one statement per
// table and one `pg_notify`, one transaction, one commit), then whatever arrived meanwhile. At
// 1,000 messages a second each of them otherwise paid for its own BEGIN, about six statements,
// a notice and a COMMIT (~1 ms of hub CPU and ~1 ms of PostgreSQL CPU each).
//
//     one waiting          → its own transaction (`acceptAlone`), as before
//     several waiting      → one transaction for all of them (`accept(batch:on:)`)
//       refused by the server or by a check (a key reused for another request, a message id
//       that exists, a constraint)  → rolled back; each submission again in a transaction of
//       its own, so only the bad one fails, with the error it would have had alone
//       failed otherwise (the connection, the pool)  → every caller gets that error; trying
//       them one by one would only wait for the same broken database once per message
//
// Nobody hears "accepted" before the commit that holds their message returned, and each caller
// gets its own acceptance (or replay, or error). The group runs in a task of its own
// (`LeaderBatcher`), so a caller that is cancelled meanwhile does not cancel the others' commit;
// it is answered once the group is done, like everyone else.

extension PostgresStore {
    /// Accepts `group` (one submission per waiting caller) and gives each its own result, in order.
    static func accept(group: [Submission], client: PostgresClient, logger: Logger) async -> [Result<Acceptance, any Error>] {
        guard group.count > 1 else { return [await acceptAloneResult(group[0], client: client, logger: logger)] }
        do {
            let acceptances = try await transaction(client: client, logger: logger) { connection in
                try await accept(batch: group, on: connection, logger: logger)
            }
            return acceptances.map { .success($0) }
        } catch  where concernsASubmission(error) {
            logger.debug(
                "a group of accepts was refused; accepting its messages one at a time",
                metadata: ["count": "\(group.count)", "error": "\(error)"]
            )
            var results: [Result<Acceptance, any Error>] = []
            results.reserveCapacity(group.count)
            for submission in group { results.append(await acceptAloneResult(submission, client: client, logger: logger)) }
            return results
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    private static func acceptAloneResult(_ submission: Submission, client: PostgresClient, logger: Logger) async -> Result<Acceptance, any Error> {
        do {
            return .success(try await acceptAlone(submission, client: client, logger: logger))
        } catch {
            return .failure(error)
        }
    }

    /// Whether a refused group may owe it to one of its submissions: the hub's own checks, or
    /// an error the server sent (a constraint, a deadlock). Not a lost connection or a pool
    /// that gave up: those would fail each submission alone too.
    static func concernsASubmission(_ error: any Error) -> Bool {
        if error is SwitchboardError { return true }
        guard let error = error as? PSQLError else { return false }
        return error.code == .server
    }
}
