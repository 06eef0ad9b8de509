/// How hard one kind of key (an account, an address, an account from an address) is throttled.
struct ThrottlePolicy: Sendable, Equatable {
    /// Failures allowed before the first delay.
    var freeFailures: Int
    /// The delay after the first failure beyond the free ones; each further failure doubles it.
    var firstDelay: Duration
    /// The longest delay, however many failures.
    var maxDelay: Duration
    /// A key that has not failed for this long starts again from zero.
    var forgetAfter: Duration

    /// The wait imposed after `failures` failures, or `nil` while they are still free.
    func delay(afterFailures failures: Int) -> Duration? {
        guard failures > freeFailures else { return nil }
        // Doubling stops at 2^20 (the cap is reached long before); no overflow however many.
        let doublings = min(failures - freeFailures - 1, 20)
        return min(firstDelay * (1 << doublings), maxDelay)
    }
}
