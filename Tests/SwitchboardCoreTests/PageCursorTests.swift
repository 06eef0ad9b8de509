import Foundation
import Testing

@testable import SwitchboardCore

/// Every list's cursor goes through one codec: each kind reads back what it wrote, names with
/// any character included, and a text the store did not make is `invalid_cursor`.
@Suite("Page cursors")
struct PageCursorTests {
    @Test func everyCursorReadsBackWhatItWrote() throws {
        let name = NameCursor(name: "ops_2 Ø ✓")
        #expect(try NameCursor(parsing: name.text) == name)
        let contact = ContactCursor(name: "Kari_Nordmann", id: "c_1")
        #expect(try ContactCursor(parsing: contact.text) == contact)
        let recipient = RecipientCursor(rank: 2, oldest: 1_767_225_600.25, channel: "sms", address: "sms:+47_123")
        #expect(try RecipientCursor(parsing: recipient.text) == recipient)
        let newest = NewestFirstCursor(time: 1_767_225_600.123456, seq: 42)
        #expect(try NewestFirstCursor(parsing: newest.text) == newest)
        #expect(newest.text == "1767225600.123456_42", "the form dead letters' and conversations' cursors always had")
        let token = TokenCursor(created: 1_767_225_600.5, id: "a_b")
        #expect(try TokenCursor(parsing: token.text) == token)
        #expect(token.text == "1767225600.5_615f62")
    }

    /// Cursors handed out before a change must still read: texts written by today's code, read
    /// back to the same place (a token's time and id; a time and row).
    @Test func cursorsHandedOutEarlierStillRead() throws {
        #expect(try TokenCursor(parsing: "1767225600.5_615f62") == TokenCursor(created: 1_767_225_600.5, id: "a_b"))
        #expect(try TokenCursor(parsing: "1767225600.0_74332d31") == TokenCursor(created: 1_767_225_600, id: "t3-1"))
        #expect(try NewestFirstCursor(parsing: "1767225600.123456_42") == NewestFirstCursor(time: 1_767_225_600.123456, seq: 42))
        #expect(try NameCursor(parsing: "6f70735f32") == NameCursor(name: "ops_2"))
    }

    @Test(arguments: [
        "", "_", "zz", "6", "6a_", "1.0", "1.0_0", "1.0_-3", "nan_1", "inf_1", "1.0_1_2", "x_1", "1.0_1.5",
    ])
    func aTextNoCursorMakesIsRefusedByEvery(_ text: String) {
        for parse in [
            { _ = try NameCursor(parsing: text) }, { _ = try ContactCursor(parsing: text) }, { _ = try NewestFirstCursor(parsing: text) },
            { _ = try TokenCursor(parsing: text) }, { _ = try RecipientCursor(parsing: text) },
        ] as [() throws -> Void] {
            #expect(throws: SwitchboardError.self) { try parse() }
        }
    }

    @Test func namesMustBeWholeBytesOfUTF8AndRowsPositive() {
        #expect(throws: SwitchboardError.self) { try NameCursor(parsing: "ff") }  // not UTF-8
        #expect(throws: SwitchboardError.self) { try NameCursor(parsing: "6A") }  // upper-case digits are not ours
        #expect(throws: SwitchboardError.self) { try ContactCursor(parsing: "6b_") }  // an empty id
        #expect(throws: SwitchboardError.self) { try RecipientCursor(parsing: "9_1.0_736d73_61") }  // no such severity
        #expect(throws: SwitchboardError.self) { try NewestFirstCursor(parsing: "1.0_0") }
        #expect(throws: SwitchboardError.self) { try TokenCursor(parsing: "1.0_") }
    }
}
