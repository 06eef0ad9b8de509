import Foundation

extension OutboxDispatcher {
    /// How one round over a route ended.
    struct Round {
        var sent: (connector: String, receipt: Receipt)?
        var attempts: [DeliveryAttempt] = []
        var reasons: [String] = []
        var anyTransient = false
        /// The dispatcher stopped before a worker was free: nothing was tried.
        var stopped = false
        /// A connector of the route runs on another node (single-owner): it was skipped.
        var notHere = false
        /// The claim went stale (past half its lease) before a connector could take the
        /// message: the round ended there, without trying (another round may own it now).
        var stale = false
    }

    /// Thrown inside the connector's slot when the claim went stale while the send waited.
    private struct StaleClaim: Error {}

    /// Sends one delivery, or a pack of deliveries to one address as one message. It holds
    /// one of the dispatcher's `unrecorded` permits from before the send until its outcome
    /// is committed, so at any instant at most that many sends have happened that the store
    /// does not know of yet: a crash sends at most that many twice. The send itself takes
    /// one of the `workers` permits (see `sendRound`). Freshness is checked here (so as not to
    /// wait for nothing) and again at the last moment before the connector's `send`, once the
    /// worker and the connector's slot are held: a claim can wait behind many sends.
    func dispatch(_ batch: [DeliveryJob], claim: ClaimWindow = .unbounded) async {
        var claim = claim
        let hold = heartbeat.hold(batch.map(\.delivery.id))
        claim.hold = hold
        // Extending stops once every outcome of the batch is committed (or it went back).
        defer { hold.release() }
        var why = "the dispatcher stopped before sending"
        if !isStopping, (try? await unrecordedPermits.acquire()) != nil {
            defer { unrecordedPermits.release() }
            if claim.isFresh {
                await dispatchHoldingPermit(batch, claim: claim)
                return
            }
            why = Self.staleReason
        }
        await putBack(batch, claim: claim, why: why)
    }

    static let staleReason = "waited for a worker past half its lease; claimed again later"

    /// Nothing was tried: due again at once, without counting a round — while the claim is
    /// surely still ours. Later its lease may have run out and another round may have claimed
    /// it (and be sending it): then it is left to that claim, or to the next one.
    func putBack(_ batch: [DeliveryJob], claim: ClaimWindow, why: String) async {
        guard claim.mayPutBack else {
            logger.debug("claim ran out before its send started; left to the next claim", metadata: ["deliveries": "\(batch.map(\.delivery.id))"])
            return
        }
        // Seldom in a healthy hub; when it repeats, claims or workers are slower than half of
        // `dispatcher.lease` on this machine, and the lease is too short for it.
        logger.warning(
            "claimed deliveries went stale before a send could start; put back untried",
            metadata: ["deliveries": "\(batch.count)", "reason": "\(why)"]
        )
        for job in batch { await finish(job.delivery, .retry(at: Date(), connector: nil, error: why), []) }
    }

    private func dispatchHoldingPermit(_ batch: [DeliveryJob], claim: ClaimWindow) async {
        guard let packer = packers[batch[0].delivery.channel], batch[0].delivery.pinnedConnector == nil else {
            for job in batch { await dispatchAlone(job, claim: claim) }
            return
        }
        let items = batch.map { MessagePacker.Item(id: $0.delivery.id, text: $0.message.text, severity: $0.message.severity) }
        let packed = packer.pack(items)
        let byID = Dictionary(uniqueKeysWithValues: batch.map { ($0.delivery.id, $0) })
        let carried = packed.sent.compactMap { byID[$0] }
        let ignored = packed.ignored.compactMap { byID[$0] }
        let placed = Set(packed.sent + packed.ignored)
        let waiting = batch.filter { !placed.contains($0.delivery.id) }
        // The SMS goes out even when it carries only the note about the ignored (NAV smsd's
        // ` +3 see web.`); it is addressed as the first delivery it concerns.
        if let lead = carried.first ?? ignored.first {
            var message = lead.message
            message.text = packed.text
            message.severity = (carried + ignored).map(\.message.severity).max() ?? message.severity
            let round = await sendRound(
                Outbound(delivery: lead.delivery, message: message),
                route: route(for: lead.delivery),
                round: lead.delivery.attempts + 1,
                claim: claim
            )
            if keepsStale(round, claim: claim) {
                // Not tried: the whole pack goes back, as one claim.
                await putBack(batch, claim: claim, why: Self.staleReason)
                return
            }
            for job in round.sent == nil ? carried + ignored : carried {
                // Sent: the carried ones are sent. Not sent: all of them are where the SMS is
                // (retry later, held or failed), as smsd leaves them all unsent.
                let attempts = round.attempts.map { a in
                    var a = a
                    a.deliveryID = job.delivery.id
                    a.number = job.delivery.attempts + 1
                    return a
                }
                await conclude(job.delivery, round, attempts: attempts)
            }
            if round.sent != nil {
                let why =
                    carried.isEmpty
                    ? "packed: too long for one SMS; only the note went out; see the web inbox"
                    : "packed: did not fit in the SMS sent with \(carried.count) others; see the web inbox"
                for job in ignored { await finish(job.delivery, .ignored(reason: why), []) }
            }
        }
        for job in waiting {
            await finish(job.delivery, .retry(at: Date(), connector: nil, error: "waiting: packing sent a more severe message first"), [])
        }
    }

    func dispatchAlone(_ job: DeliveryJob, claim: ClaimWindow) async {
        let round = await sendRound(
            Outbound(delivery: job.delivery, message: job.message),
            route: route(for: job.delivery),
            round: job.delivery.attempts + 1,
            claim: claim
        )
        if keepsStale(round, claim: claim) {
            await putBack([job], claim: claim, why: Self.staleReason)
            return
        }
        await conclude(job.delivery, round, attempts: round.attempts)
    }

    /// Whether a round that went stale is handled as untried (`putBack`): when it tried no
    /// connector, or when its claim may be another round's by now. A round that failed over
    /// before going stale is otherwise concluded as it stands: its tries failed (transient or
    /// permanent) and nothing went out, as for a route that ran out of connectors.
    func keepsStale(_ round: Round, claim: ClaimWindow) -> Bool {
        round.stale && (round.attempts.isEmpty || !claim.mayPutBack)
    }

    /// Tries the route's connectors until one takes the message: in order (`failover`), or
    /// the first in order with a free slot (`spread`; see `spreadRound`). Ends as `stale`
    /// when the claim goes stale before a connector's `send` starts.
    func sendRound(_ outbound: Outbound, route: [String], round number: Int, claim: ClaimWindow) async -> Round {
        do {
            try await workerPermits.acquire()
        } catch {
            var round = Round()
            round.stopped = true
            return round
        }
        defer { workerPermits.release() }
        var round = Round()
        // Stopping: a send that has not started goes back to the queue untried.
        guard !isStopping else {
            round.stopped = true
            return round
        }
        guard claim.isFresh else {
            round.stale = true
            return round
        }
        if channels[outbound.delivery.channel]?.strategy == .spread {
            await spreadRound(outbound, route: route, number: number, claim: claim, into: &round)
            return round
        }
        for name in route {
            guard let connector = connectors[name], let gate = gates[name] else {
                round.reasons.append("\(name): connector not configured")
                continue
            }
            guard owners.runsHere(name) else {
                skipNotHere(name, into: &round)
                continue
            }
            guard gate.admits() else {
                // Out of rotation for a cool-down: like a transient failure, without a try.
                round.anyTransient = true
                round.reasons.append("\(name): cooling down after repeated failures")
                continue
            }
            if await attempt(outbound, via: name, connector, gate: gate, slotHeld: false, number: number, claim: claim, into: &round) {
                return round
            }
        }
        return round
    }

    /// `strategy: spread`: takes the first connector of the route, in order, that has a free
    /// `max_in_flight` slot and is in rotation, and waits only when none has one (for the
    /// first of them to free one). A transient failure moves on to the connectors not tried
    /// yet in this round, as `failover` does.
    private func spreadRound(_ outbound: Outbound, route: [String], number: Int, claim: ClaimWindow, into round: inout Round) async {
        var left: [String] = []
        for name in route {
            if connectors[name] == nil || gates[name] == nil {
                round.reasons.append("\(name): connector not configured")
            } else if !owners.runsHere(name) {
                skipNotHere(name, into: &round)
            } else if !left.contains(name) {
                left.append(name)
            }
        }
        while let name = await takeSlot(among: &left, into: &round), let connector = connectors[name], let gate = gates[name] {
            if await attempt(outbound, via: name, connector, gate: gate, slotHeld: true, number: number, claim: claim, into: &round) {
                return
            }
        }
    }

    /// Takes a slot of the first connector in `left` that has one free (waiting if none has)
    /// and is in rotation, and removes it from `left`; connectors cooling down are removed as
    /// transient failures. `nil` when none is left.
    private func takeSlot(among left: inout [String], into round: inout Round) async -> String? {
        while true {
            var waitable: [ConnectorGate] = []
            for name in left {
                guard let gate = gates[name] else { continue }
                if gate.coolingDown() != nil {
                    coolingDown(name, among: &left, into: &round)
                    continue
                }
                if gate.tryAcquire() {
                    if gate.admits() {
                        left.removeAll { $0 == name }
                        return name
                    }
                    gate.release()
                    coolingDown(name, among: &left, into: &round)
                    continue
                }
                waitable.append(gate)
            }
            guard !waitable.isEmpty else { return nil }
            let gate = await SlotClaim.first(of: waitable)
            guard let name = left.first(where: { gates[$0] === gate }) else {
                gate.release()
                continue
            }
            if gate.admits() {
                left.removeAll { $0 == name }
                return name
            }
            gate.release()
            coolingDown(name, among: &left, into: &round)
        }
    }

    /// A single-owner connector another node runs (or nobody, for a moment): skipped, so the
    /// route fails over; if nothing was tried the delivery goes back to the queue untried.
    private func skipNotHere(_ name: String, into round: inout Round) {
        round.notHere = true
        round.reasons.append("\(name): runs on another node")
    }

    private func coolingDown(_ name: String, among left: inout [String], into round: inout Round) {
        left.removeAll { $0 == name }
        // Out of rotation for a cool-down: like a transient failure, without a try.
        round.anyTransient = true
        round.reasons.append("\(name): cooling down after repeated failures")
    }

    /// Sends through one connector and records the attempt in `round`; `true` when the round
    /// is over: the connector took the message, or the claim went stale while the send waited
    /// for the slot (then nothing is sent or recorded as an attempt). With `slotHeld` the
    /// caller has already taken the gate's in-flight slot.
    private func attempt(
        _ outbound: Outbound,
        via name: String,
        _ connector: any Connector,
        gate: ConnectorGate,
        slotHeld: Bool,
        number: Int,
        claim: ClaimWindow,
        into round: inout Round
    ) async -> Bool {
        let owner = owners[name]
        if let owner, !owner.beginSend() {
            // The lease was lost since the route was checked: not sent here.
            if slotHeld { gate.release() }
            skipNotHere(name, into: &round)
            return false
        }
        defer { owner?.endSend() }
        let at = Date()
        do {
            let send = {
                // The last moment before the gateway: the slot and its throughput wait are behind us.
                guard claim.isFresh else { throw StaleClaim() }
                // From here until the outcome is committed the claim is extended (`ClaimHeartbeat`).
                claim.hold?.startSending()
                return try await connector.send(outbound)
            }
            let receipt = try await slotHeld ? gate.withAcquiredPermit(send) : gate.withPermit(send)
            gate.record(success: true)
            round.attempts.append(
                DeliveryAttempt(
                    deliveryID: outbound.delivery.id,
                    number: number,
                    at: at,
                    connector: name,
                    outcome: .sent,
                    receiptID: receipt.id
                )
            )
            round.sent = (name, receipt)
            return true
        } catch is StaleClaim {
            round.stale = true
            round.anyTransient = true
            round.reasons.append("\(name): not tried, the claim went stale waiting for a free slot")
            return true
        } catch {
            var failure = error as? ConnectorError ?? .transient(String(describing: error))
            if failure.kind == .permanent, dispatchSettings[name]?.permanentErrorsAreTransient == true {
                failure.kind = .transient
            }
            if failure.kind == .transient, links[name]?.link.up == false {
                // Refused while its own link is down (a modem opening, on start or on the node
                // that took it over): counted toward the cool-down, a burst of such refusals
                // would keep it out of the route for `cooldown` after it came up.
                gate.recordRefusedWhileDown(error: failure.message)
            } else {
                gate.record(success: failure.kind == .permanent, error: failure.message)  // a refusal shows the connector works
            }
            if failure.kind == .transient { round.anyTransient = true }
            round.reasons.append("\(name): \(failure.message)")
            round.attempts.append(
                DeliveryAttempt(
                    deliveryID: outbound.delivery.id,
                    number: number,
                    at: at,
                    connector: name,
                    outcome: failure.kind == .transient ? .transient : .permanent,
                    error: failure.message
                )
            )
            logger.info("send failed", metadata: ["delivery": "\(outbound.delivery.id)", "connector": "\(name)", "error": "\(failure)"])
            return false
        }
    }

    /// Records a round's outcome: sent, retry later, held for an operator, or failed.
    func conclude(_ delivery: Delivery, _ round: Round, attempts: [DeliveryAttempt]) async {
        if round.stopped {
            // Due again at once, without counting a round: it was never tried.
            await finish(delivery, .retry(at: Date(), connector: nil, error: "the dispatcher stopped before sending"), [])
            return
        }
        if let sent = round.sent {
            await finish(delivery, .sent(connector: sent.connector, receiptID: sent.receipt.id), attempts)
            return
        }
        if round.notHere && attempts.isEmpty {
            // Nothing was tried: a connector it needs runs on another node now. Back to the
            // queue without counting a round; that node's claim takes it.
            let error = round.reasons.joined(separator: "; ")
            await finish(delivery, .retry(at: Date().addingTimeInterval(1), connector: nil, error: error), [])
            return
        }
        let error = round.reasons.isEmpty ? "no connector on the \(delivery.channel) route" : round.reasons.joined(separator: "; ")
        let settings = channels[delivery.channel]
        let policy = settings?.retry ?? configuration.retry
        let tries = delivery.attempts + 1
        if round.anyTransient, let delay = policy.backoff(afterAttempts: tries, random: configuration.random) {
            await finish(delivery, .retry(at: Date().addingTimeInterval(delay), connector: attempts.last?.connector, error: error), attempts)
        } else if round.anyTransient, settings?.atLimit == .hold {
            await finish(delivery, .held(error: "retry limit reached; held for an operator: \(error)"), attempts)
        } else {
            if case .recorded(.failed) = await finish(delivery, .failed(connector: attempts.last?.connector, error: error), attempts) {
                await fallBack(from: delivery)
            }
        }
    }

    /// Records the outcome in the next shared transaction (errors are logged by the recorder),
    /// also when the dispatcher's task is cancelled (see `OutcomeRecorder.record`).
    @discardableResult
    func finish(_ delivery: Delivery, _ outcome: DeliveryOutcome, _ attempts: [DeliveryAttempt]) async -> OutcomeRecorder.Outcome {
        await recorder.record(DeliveryFinish(deliveryID: delivery.id, outcome: outcome, attempts: attempts))
    }

    /// A delivery that failed for good: the shared fallback (see `ChannelFallback`), then a
    /// wake-up if it made new deliveries.
    func fallBack(from delivery: Delivery) async {
        if !(await fallback.fallBack(from: delivery)).isEmpty { wake() }
    }
}
