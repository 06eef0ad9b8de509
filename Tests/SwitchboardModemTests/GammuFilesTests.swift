import Foundation
import Testing

@testable import SwitchboardModem

@Suite struct GammuFilesTests {
    @Test func outboxNamesFollowGammusPatternAndCarryTheDeliveryID() {
        let at = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40 UTC
        #expect(
            GammuFiles.outboxName(number: "+4712345678", deliveryID: "01a2-b3_/x", at: at, deliveryReport: true)
                == "OUTA20260528_202640_00_+4712345678_01a2-b3x.txtd"
        )
        #expect(GammuFiles.outboxName(number: "2222", deliveryID: "d", at: at, deliveryReport: false).hasSuffix("_2222_d.txt"))
    }

    @Test func outboxContentIsUTF16LittleEndianWithAMark() {
        #expect([UInt8](GammuFiles.outboxContent("A☎")) == [0xFF, 0xFE, 0x41, 0x00, 0x0E, 0x26])
        #expect(GammuFiles.outboxContent("😀").count == 6)  // a surrogate pair
    }

    @Test func inboxNamesAreRead() {
        #expect(
            GammuFiles.inboxName("IN20021130_021531_00_+45409000931640979_01.txt")
                == .init(message: "IN20021130_021531_00_+45409000931640979", sender: "+45409000931640979", part: 1, binary: false)
        )
        #expect(GammuFiles.inboxName("IN20021130_021531_00_Telenor_00.bin")?.binary == true)
        #expect(GammuFiles.inboxName("IN20021130_021531_00_+4712_00.smsbackup") == nil)
        #expect(GammuFiles.inboxName("OUT+4712.txt") == nil)
        #expect(GammuFiles.inboxName("IN2002_00.txt") == nil)
    }

    @Test func inboxTextEndsAtTheFirstNULWhateverFollows() {
        let big: [UInt8] = [0xFE, 0xFF, 0x04, 0x1B, 0x26, 0x0E, 0x00, 0x00, 0xD8, 0x00, 0x31, 0xF2]
        #expect(GammuFiles.inboxText(Data(big), binary: false) == "Л☎")
        #expect(GammuFiles.inboxText(Data([0xFF, 0xFE, 0x41, 0x00]), binary: false) == "A")
        #expect(GammuFiles.inboxText(Data("plain ø".utf8), binary: false) == "plain ø")
        #expect(GammuFiles.inboxText(Data([0x01, 0xAB]), binary: true) == "01AB")
    }
}
