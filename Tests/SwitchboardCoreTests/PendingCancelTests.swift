import Foundation
import Testing

@testable import SwitchboardCore

/// What a bulk cancel of pending deliveries may move, decided once for every store: to a
/// final status only, and from each pending status only where that move is allowed.
@Suite("Pending cancel")
struct PendingCancelTests {
    @Test(arguments: [DeliveryStatus.queued, .sending, .held])
    func aCancelToAStatusThatIsNotFinalIsRefusedNamingIt(_ status: DeliveryStatus) {
        let error = #expect(throws: SwitchboardError.self) { try DeliveryStatus.cancellablePending(to: status) }
        #expect(error?.kind == .invalid)
        #expect(error?.code == "invalid_status")
        #expect(error?.message.hasSuffix("not \(status.rawValue)") == true, "the message names the status refused")
    }

    @Test func eachPendingStatusMovesOnlyWhereItMay() throws {
        #expect(try DeliveryStatus.cancellablePending(to: .cancelled) == [.queued, .held])
        #expect(try DeliveryStatus.cancellablePending(to: .ignored) == [.queued, .held])
        #expect(try DeliveryStatus.cancellablePending(to: .failed) == [.held], "a queued delivery never fails untried")
        #expect(try DeliveryStatus.cancellablePending(to: .sent) == [], "nothing pending becomes sent by a sweep")
        #expect(try DeliveryStatus.cancellablePending(to: .delivered) == [])
    }
}
