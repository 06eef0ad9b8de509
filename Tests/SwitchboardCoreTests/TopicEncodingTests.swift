import Foundation
import Testing

@testable import SwitchboardCore

@Suite("Topic ids and times")
struct TopicEncodingTests {
    @Test func timestampsAreISO8601UTCWithMilliseconds() {
        #expect(TopicTime.format(Date(timeIntervalSince1970: 1_767_323_045.678)) == "2026-01-02T03:04:05.678Z")
        #expect(TopicTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(TopicTime.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func idsAreURLSafeBase64OfSixteenBytes() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
            let foundation = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(TopicRow.base64URL(bytes) == foundation, "\(bytes)")
        }
        let id = TopicRow.makeID()
        #expect(id.count == 22 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}
