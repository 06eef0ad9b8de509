import Hummingbird
import Logging
import Metrics
import SwitchboardCore
import Synchronization

/// Slows down whoever guesses secrets: passwords at login and at a password change, and
/// connector secrets (gateway callbacks, webhook signatures).
///
/// Logins are counted three ways. A guesser from one address at one account (the pair) is
/// slowed hardest. An address guessing at many accounts is slowed too. An account guessed at
/// from many addresses is slowed gently and briefly (at most `account.maxDelay`), because that
/// throttle also stops its real owner: an attacker must not be able to lock a user out for
/// long. A correct password on the pair forgets the pair's failures; while a key is blocked,
/// every attempt through it is refused with 429 and `Retry-After` before any password is
/// checked, so a blocked guesser learns nothing. Connector secrets are counted per address.
///
/// Each block that starts and the first refusal in each block are logged at warning level;
/// every failure and refusal is counted (`switchboard_auth_failures_total`,
/// `switchboard_auth_throttled_total`, by `endpoint`). Time comes from `now`, which tests
/// replace with a clock they move.
final class AuthThrottle: Sendable {
    /// The policies; `standard` is what the hub runs with.
    struct Settings: Sendable, Equatable {
        var pair: ThrottlePolicy
        var address: ThrottlePolicy
        var account: ThrottlePolicy
        var connector: ThrottlePolicy

        static let standard = Settings(
            pair: ThrottlePolicy(freeFailures: 5, firstDelay: .seconds(1), maxDelay: .seconds(900), forgetAfter: .seconds(3600)),
            address: ThrottlePolicy(freeFailures: 20, firstDelay: .seconds(1), maxDelay: .seconds(900), forgetAfter: .seconds(3600)),
            account: ThrottlePolicy(freeFailures: 10, firstDelay: .seconds(1), maxDelay: .seconds(30), forgetAfter: .seconds(900)),
            connector: ThrottlePolicy(freeFailures: 10, firstDelay: .seconds(1), maxDelay: .seconds(300), forgetAfter: .seconds(3600))
        )
    }

    /// Where the secret was guessed at: the metrics' `endpoint` label.
    enum Endpoint: String, Sendable {
        case login
        case password
        case connector
    }

    /// One attempt let through; hand it back to `finish`.
    struct Attempt: Sendable {
        fileprivate let endpoint: Endpoint
        fileprivate let account: String?
        fileprivate let address: String
    }

    struct PairKey: Hashable, Sendable {
        var account: String
        var address: String
    }

    private struct State: Sendable {
        var pair: ThrottleTable<PairKey>
        var address: ThrottleTable<String>
        var account: ThrottleTable<String>
        var connector: ThrottleTable<String>
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> ContinuousClock.Instant

    init(_ settings: Settings = .standard, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.state = Mutex(
            State(
                pair: ThrottleTable(policy: settings.pair),
                address: ThrottleTable(policy: settings.address),
                account: ThrottleTable(policy: settings.account),
                connector: ThrottleTable(policy: settings.connector)
            )
        )
        self.now = now
    }

    /// Lets a password attempt for `account` from `address` through, or throws 429.
    func beginLogin(account: String, address: String, endpoint: Endpoint, logger: Logger) throws -> Attempt {
        // Names that cannot exist share one key, so made-up names cost no memory.
        let account = Username.isValid(account) ? account : "(invalid)"
        let pair = PairKey(account: account, address: address)
        let time = now()
        let refusal = state.withLock { state -> (wait: Duration, report: Bool)? in
            let waits = [
                state.pair.wait(pair, now: time), state.address.wait(address, now: time), state.account.wait(account, now: time),
            ]
            guard let wait = waits.compactMap({ $0 }).max() else {
                state.pair.begin(pair, now: time)
                state.address.begin(address, now: time)
                state.account.begin(account, now: time)
                return nil
            }
            let report = [state.pair.reportRefusal(pair), state.address.reportRefusal(address), state.account.reportRefusal(account)]
            return (wait, report.contains(true))
        }
        if let refusal {
            throw refused(endpoint, wait: refusal.wait, report: refusal.report, metadata: ["user": "\(account)", "address": "\(address)"], logger)
        }
        return Attempt(endpoint: endpoint, account: account, address: address)
    }

    /// Lets a connector secret from `address` be checked, or throws 429.
    func beginConnector(_ connector: String, address: String, logger: Logger) throws -> Attempt {
        let time = now()
        let refusal = state.withLock { state -> (wait: Duration, report: Bool)? in
            guard let wait = state.connector.wait(address, now: time) else {
                state.connector.begin(address, now: time)
                return nil
            }
            return (wait, state.connector.reportRefusal(address))
        }
        if let refusal {
            throw refused(
                .connector,
                wait: refusal.wait,
                report: refusal.report,
                metadata: ["connector": "\(connector)", "address": "\(address)"],
                logger
            )
        }
        return Attempt(endpoint: .connector, account: nil, address: address)
    }

    /// Records how the attempt ended: `true` the secret was right, `false` wrong, `nil` it
    /// could not be checked (counted neither way).
    func finish(_ attempt: Attempt, succeeded: Bool?, logger: Logger) {
        let time = now()
        let pair = attempt.account.map { PairKey(account: $0, address: attempt.address) }
        let block = state.withLock { state -> Duration? in
            if let pair, let account = attempt.account {
                switch succeeded {
                case true?:
                    state.pair.succeed(pair)
                    state.address.abandon(attempt.address)
                    state.account.abandon(account)
                    return nil
                case false?:
                    let blocks = [
                        state.pair.fail(pair, now: time), state.address.fail(attempt.address, now: time), state.account.fail(account, now: time),
                    ]
                    return blocks.compactMap { $0 }.max()
                case nil:
                    state.pair.abandon(pair)
                    state.address.abandon(attempt.address)
                    state.account.abandon(account)
                    return nil
                }
            }
            switch succeeded {
            case true?: state.connector.succeed(attempt.address)
            case false?: return state.connector.fail(attempt.address, now: time)
            case nil: state.connector.abandon(attempt.address)
            }
            return nil
        }
        guard succeeded == false else { return }
        Counter(label: "switchboard_auth_failures_total", dimensions: [("endpoint", attempt.endpoint.rawValue)]).increment()
        if let block {
            var metadata: Logger.Metadata = ["address": "\(attempt.address)", "retry_after": "\(Self.seconds(block))"]
            if let account = attempt.account { metadata["user"] = "\(account)" }
            logger.warning("failed \(attempt.endpoint.rawValue) attempts: throttled", metadata: metadata)
        }
    }

    private func refused(_ endpoint: Endpoint, wait: Duration, report: Bool, metadata: Logger.Metadata, _ logger: Logger) -> APIError {
        Counter(label: "switchboard_auth_throttled_total", dimensions: [("endpoint", endpoint.rawValue)]).increment()
        let seconds = Self.seconds(wait)
        if report {
            logger.warning(
                "\(endpoint.rawValue) attempt refused: too many failures",
                metadata: metadata.merging(["retry_after": "\(seconds)"]) { a, _ in a }
            )
        }
        return APIError(
            .tooManyRequests,
            "too_many_attempts",
            "too many failed attempts; try again in \(seconds) seconds",
            headers: [.retryAfter: "\(seconds)"]
        )
    }

    /// Whole seconds, rounded up: `Retry-After` never invites a retry that is still too early.
    static func seconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
