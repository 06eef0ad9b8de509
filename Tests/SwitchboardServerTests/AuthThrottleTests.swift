import Logging
import Synchronization
import Testing

@testable import SwitchboardServer

/// The throttle on its own, on a clock the test moves: who is slowed, how much, and that the
/// real owner of an account is never kept out for long.
@Suite struct AuthThrottleTests {
    let clock = ManualClock()
    let log = LogCapture()
    var throttle: AuthThrottle { AuthThrottle(now: { [clock] in clock.now }) }

    /// One failed attempt, or the wait it was refused with.
    func guess(_ throttle: AuthThrottle, _ account: String, from address: String, right: Bool = false) -> Duration? {
        do {
            let attempt = try throttle.beginLogin(account: account, address: address, endpoint: .login, logger: log.logger)
            throttle.finish(attempt, succeeded: right, logger: log.logger)
            return nil
        } catch let error as APIError {
            #expect(error.status == .tooManyRequests)
            return .seconds(Int64(error.headers[.retryAfter] ?? "") ?? -1)
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func delaysDoubleFromTheFirstOneUpToTheCap() {
        let policy = ThrottlePolicy(freeFailures: 3, firstDelay: .seconds(1), maxDelay: .seconds(10), forgetAfter: .seconds(60))
        #expect((0...3).map { policy.delay(afterFailures: $0) } == [nil, nil, nil, nil])
        #expect((4...9).map { policy.delay(afterFailures: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(policy.delay(afterFailures: 10_000) == .seconds(10), "no overflow however many")
    }

    /// One address guessing at one account: free failures, then each failure blocks the pair
    /// longer; a blocked pair is refused even with the right password; once the block lifts the
    /// right password works and the failures are forgotten.
    @Test func aGuesserIsSlowedMoreAndMoreAndTheRightPasswordWorksAfterTheBlock() {
        let throttle = self.throttle
        let free = AuthThrottle.Settings.standard.pair.freeFailures
        for _ in 0..<free { #expect(guess(throttle, "bob", from: "203.0.113.9") == nil) }
        #expect(guess(throttle, "bob", from: "203.0.113.9") == nil, "the first failure past the free ones is still checked")
        #expect(guess(throttle, "bob", from: "203.0.113.9") == .seconds(1))
        #expect(guess(throttle, "bob", from: "203.0.113.9", right: true) == .seconds(1), "blocked: not even the right password is checked")
        clock.advance(by: .seconds(1))
        #expect(guess(throttle, "bob", from: "203.0.113.9") == nil)
        #expect(guess(throttle, "bob", from: "203.0.113.9") == .seconds(2), "the next block is twice as long")
        clock.advance(by: .seconds(2))
        #expect(guess(throttle, "bob", from: "203.0.113.9", right: true) == nil)
        // Without the success, the next failure would block the pair for 4 s.
        #expect(guess(throttle, "bob", from: "203.0.113.9") == nil)
        #expect(guess(throttle, "bob", from: "203.0.113.9") == nil, "a success forgets the pair's failures")
        #expect(log.warnings(containing: "throttled") >= 2)
        #expect(log.warnings(containing: "refused") >= 1)
    }

    /// An attacker hammering an account from one address ends up blocked for many minutes,
    /// while the owner, from another address, waits at most the account's short cap.
    @Test func anAttackerCannotLockTheOwnerOutForLong() {
        let throttle = self.throttle
        let cap = AuthThrottle.Settings.standard.account.maxDelay
        var attackerWait = Duration.zero
        for _ in 0..<40 {
            if let wait = guess(throttle, "alice", from: "203.0.113.9") {
                attackerWait = wait
                clock.advance(by: wait)
            }
        }
        _ = guess(throttle, "alice", from: "203.0.113.9")
        let blocked = guess(throttle, "alice", from: "203.0.113.9") ?? .zero
        #expect(blocked > .seconds(60), "the pair is blocked for long: \(blocked), last \(attackerWait)")
        let ownerWait = guess(throttle, "alice", from: "198.51.100.7", right: true)
        #expect((ownerWait ?? .zero) <= cap, "the owner waits at most \(cap)")
        if let ownerWait { clock.advance(by: ownerWait) }
        #expect(guess(throttle, "alice", from: "198.51.100.7", right: true) == nil, "then the owner's right password works")
        #expect(guess(throttle, "alice", from: "203.0.113.9") != nil, "while the attacker's pair is still blocked")
    }

    /// Many addresses at one account: the account is slowed, but never beyond its cap.
    @Test func aDistributedGuesserSlowsTheAccountOnlyBriefly() {
        let throttle = self.throttle
        let account = AuthThrottle.Settings.standard.account
        for i in 0..<account.freeFailures { #expect(guess(throttle, "carol", from: "192.0.2.\(i)") == nil) }
        #expect(guess(throttle, "carol", from: "192.0.2.200") == nil)
        #expect(guess(throttle, "carol", from: "192.0.2.201") == .seconds(1), "a new address is refused too")
        for i in 0..<30 {
            clock.advance(by: account.maxDelay)
            #expect(guess(throttle, "carol", from: "198.18.0.\(i)") == nil)
        }
        #expect(guess(throttle, "carol", from: "198.18.1.1") == account.maxDelay)
    }

    /// One address trying many accounts is slowed even though no account failed twice.
    @Test func anAddressGuessingAtManyAccountsIsSlowed() {
        let throttle = self.throttle
        let free = AuthThrottle.Settings.standard.address.freeFailures
        for i in 0...free { #expect(guess(throttle, "user\(i)", from: "203.0.113.50") == nil) }
        #expect(guess(throttle, "someone-new", from: "203.0.113.50") == .seconds(1))
        #expect(guess(throttle, "someone-new", from: "203.0.113.51") == nil, "other addresses are not affected")
    }

    /// Past the free failures, concurrent guesses go one at a time: forty at once cannot all be
    /// checked before the first failure is counted.
    @Test func pastTheFreeFailuresAttemptsGoOneAtATime() throws {
        let throttle = self.throttle
        let free = AuthThrottle.Settings.standard.pair.freeFailures
        for _ in 0..<free { _ = guess(throttle, "dave", from: "203.0.113.7") }
        let first = try throttle.beginLogin(account: "dave", address: "203.0.113.7", endpoint: .login, logger: log.logger)
        #expect(guess(throttle, "dave", from: "203.0.113.7") == .seconds(1), "refused while the first is checked, briefly")
        throttle.finish(first, succeeded: nil, logger: log.logger)
        #expect(guess(throttle, "dave", from: "203.0.113.7") == nil, "an attempt that was not counted frees the way")
    }

    /// Wrong connector secrets count per address; the right one after the block works.
    @Test func connectorSecretsAreThrottledPerAddress() throws {
        let throttle = self.throttle
        let free = AuthThrottle.Settings.standard.connector.freeFailures
        for _ in 0...free {
            let attempt = try throttle.beginConnector("kannel", address: "203.0.113.80", logger: log.logger)
            throttle.finish(attempt, succeeded: false, logger: log.logger)
        }
        #expect(throws: APIError.self) { _ = try throttle.beginConnector("kannel", address: "203.0.113.80", logger: log.logger) }
        _ = try throttle.beginConnector("kannel", address: "203.0.113.81", logger: log.logger)
        clock.advance(by: .seconds(1))
        let attempt = try throttle.beginConnector("webhook", address: "203.0.113.80", logger: log.logger)
        throttle.finish(attempt, succeeded: true, logger: log.logger)
        #expect(log.warnings(containing: "connector") >= 1)
    }

    /// A flood of made-up accounts keeps a bounded table: names that cannot exist share a key.
    @Test func invalidNamesShareOneKey() {
        let throttle = self.throttle
        for i in 0..<5 { _ = guess(throttle, "Not Valid \(i)", from: "203.0.113.90") }
        let pair = AuthThrottle.Settings.standard.pair
        _ = guess(throttle, "Also Invalid", from: "203.0.113.90")
        #expect(guess(throttle, "Another One", from: "203.0.113.90") == pair.firstDelay, "all invalid names count as one account")
    }
}
