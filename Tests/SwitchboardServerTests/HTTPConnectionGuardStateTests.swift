import NIOCore
import Testing

@testable import SwitchboardServer

@Suite("HTTP connection timeouts (state machine)")
struct HTTPConnectionGuardStateTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func machine() -> HTTPConnectionGuardState {
        HTTPConnectionGuardState(idleTimeout: .seconds(60), headTimeout: .seconds(10), bodyTimeout: .seconds(30), now: t0)
    }

    @Test func aNewConnectionMustSendItsFirstHeadWithinTheHeadTimeout() {
        var m = machine()
        #expect(m.deadline?.at == t0 + .seconds(10) && m.deadline?.expiry == .idle)
        m.bytesArrived(now: t0 + .seconds(5))
        // Counted from connecting, not from the first byte, and now it is a request.
        #expect(m.deadline?.at == t0 + .seconds(10) && m.deadline?.expiry == .requestTimeout)
        #expect(m.expired(now: t0 + .seconds(9)) == nil)
        #expect(m.expired(now: t0 + .seconds(10)) == .requestTimeout)
    }

    @Test func noTimeoutRunsWhileTheHubAnswers() {
        var m = machine()
        m.headRead(now: t0)
        m.endRead()
        #expect(m.deadline == nil)
        m.responseHeadWritten()
        #expect(m.deadline == nil && m.responseOpen)
        m.responseEndWritten(now: t0 + .seconds(100))
        #expect(m.deadline?.at == t0 + .seconds(160) && m.deadline?.expiry == .idle)
    }

    @Test func aKeepAliveRequestGetsTheIdleTimeoutThenTheHeadTimeout() {
        var m = machine()
        m.headRead(now: t0)
        m.endRead()
        m.responseEndWritten(now: t0)
        m.bytesArrived(now: t0 + .seconds(50))
        #expect(m.deadline?.at == t0 + .seconds(60) && m.deadline?.expiry == .requestTimeout)
    }

    @Test func aBodyMustKeepComingAndTheHubAskingForMoreRestartsTheWait() {
        var m = machine()
        m.headRead(now: t0)
        #expect(m.deadline?.at == t0 + .seconds(30))
        m.bodyProgress(now: t0 + .seconds(20))
        #expect(m.deadline?.at == t0 + .seconds(50) && m.deadline?.expiry == .requestTimeout)
        #expect(m.expired(now: t0 + .seconds(49)) == nil && m.expired(now: t0 + .seconds(50)) == .requestTimeout)
    }

    @Test func aPipelinedHeadWaitsForTheAnswersOwed() {
        var m = machine()
        m.headRead(now: t0)
        m.endRead()
        m.bytesArrived(now: t0 + .seconds(1))
        #expect(m.deadline == nil)
        m.responseEndWritten(now: t0 + .seconds(2))
        #expect(m.deadline?.at == t0 + .seconds(11) && m.deadline?.expiry == .requestTimeout)
    }
}
