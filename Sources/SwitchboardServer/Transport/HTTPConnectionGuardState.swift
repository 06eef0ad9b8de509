import NIOCore

/// What one HTTP/1 connection is waiting for, and so which timeout applies: the state
/// machine behind `HTTPConnectionGuard`, free of NIO so each rule is tested with made-up times.
///
/// ```
/// connected ──first byte──▶ head ──head──▶ body ──end──▶ answering ──response end──▶ idle
///     └──────── request_head_timeout ────────┘   body_timeout          idle_timeout ┘
/// ```
///
/// A connection's first request must arrive whole within `request_head_timeout` of connecting;
/// later ones within `idle_timeout` of the previous answer (until their first byte) and then
/// `request_head_timeout`. A body must keep coming: `body_timeout` is counted from its last
/// part, or from the moment the hub asked for more (a handler that reads slowly does not
/// count against the client). While the hub is answering no timeout runs: the request is ours.
struct HTTPConnectionGuardState {
    /// What a timeout that ran out does.
    enum Expiry: Equatable {
        /// Nothing was asked: close without a word.
        case idle
        /// A request was under way: 408, then close.
        case requestTimeout
    }

    enum Reading: Equatable {
        /// Between requests; `since` is when the next head's first byte came (nil: none yet).
        case awaitingHead(since: NIODeadline?)
        /// Inside a request body; the last time it made progress.
        case body(progress: NIODeadline)
    }

    let idleTimeout: TimeAmount
    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    private(set) var reading: Reading = .awaitingHead(since: nil)
    /// Requests read whose response has not been written to its end.
    private(set) var unanswered = 0
    /// A response head was written and its end not yet: nothing else may be written now.
    private(set) var responseOpen = false
    /// When the connection became idle (connected, or its last response ended).
    private var idleSince: NIODeadline
    /// No request has been read yet: the first must come within the head timeout.
    private var fresh = true

    init(idleTimeout: TimeAmount, headTimeout: TimeAmount, bodyTimeout: TimeAmount, now: NIODeadline) {
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleSince = now
    }

    /// Bytes arrived that made no whole request part yet: a head has begun.
    mutating func bytesArrived(now: NIODeadline) {
        if case .awaitingHead(since: nil) = reading { reading = .awaitingHead(since: fresh ? idleSince : now) }
    }

    /// A request head was read; its body (possibly empty) follows until `endRead`.
    mutating func headRead(now: NIODeadline) {
        fresh = false
        unanswered += 1
        reading = .body(progress: now)
    }

    /// A body part arrived, or the hub asked for more of the body.
    mutating func bodyProgress(now: NIODeadline) {
        if case .body = reading { reading = .body(progress: now) }
    }

    mutating func endRead() {
        reading = .awaitingHead(since: nil)
    }

    mutating func responseHeadWritten() {
        responseOpen = true
    }

    mutating func responseEndWritten(now: NIODeadline) {
        responseOpen = false
        unanswered = max(0, unanswered - 1)
        if unanswered == 0 { idleSince = now }
    }

    /// When the timeout that applies now runs out, and what happens then; nil: none applies.
    var deadline: (at: NIODeadline, expiry: Expiry)? {
        switch reading {
        case .body(let progress):
            return (progress + bodyTimeout, .requestTimeout)
        case .awaitingHead(let since?):
            return unanswered > 0 ? nil : (since + headTimeout, .requestTimeout)
        case .awaitingHead(since: nil):
            guard unanswered == 0 else { return nil }
            return fresh ? (idleSince + headTimeout, .idle) : (idleSince + idleTimeout, .idle)
        }
    }

    /// The timeout that has run out at `now`, if one has.
    func expired(now: NIODeadline) -> Expiry? {
        guard let (at, expiry) = deadline, now >= at else { return nil }
        return expiry
    }
}
