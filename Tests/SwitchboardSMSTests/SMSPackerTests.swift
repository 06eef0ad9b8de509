import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct SegmentPacking {
    func items(_ texts: [String]) -> [PackItem] {
        texts.enumerated().map { PackItem(id: "m\($0.offset + 1)", text: $0.element) }
    }
    let sixty = ["A", "B", "C"].map { String(repeating: $0, count: 60) }

    @Test func oneSMSHoldsWhatFitsWithRoomForTheNote() {
        let r = SMSPacker(mode: .segments, maxParts: 1).pack(items(sixty))
        // "1: A…; 2: B…" is 128 septets; adding C would make 193 > 160.
        #expect(r == PackResult(text: "1: \(sixty[0]); 2: \(sixty[1]) +1 see web.", sent: ["m1", "m2"], ignored: ["m3"]))
        #expect(SMSEncoding.count(r.text).parts == 1)
    }

    @Test func threePartsHoldAllWithoutANote() {
        let r = SMSPacker(mode: .segments, maxParts: 3).pack(items(sixty))
        #expect(r == PackResult(text: "1: \(sixty[0]); 2: \(sixty[1]); 3: \(sixty[2])", sent: ["m1", "m2", "m3"], ignored: []))
        #expect(SMSEncoding.count(r.text).parts == 2)
    }

    @Test func oneNonGSMCharacterShrinksTheRoomForAll() {
        let texts = ["Ошибка диска на db1", "Link down on gw1", "Backup finished at 03:00 without errors"]
        let r = SMSPacker(mode: .segments, maxParts: 1).pack(items(texts))
        // UCS-2: 55 units with the note after two; the third would make 87 > 70.
        #expect(r == PackResult(text: "1: Ошибка диска на db1; 2: Link down on gw1 +1 see web.", sent: ["m1", "m2"], ignored: ["m3"]))
        #expect(SMSEncoding.count(r.text).encoding == .ucs2)
        // The same alerts in plain GSM text all fit.
        let gsm = SMSPacker(mode: .segments, maxParts: 1).pack(items(["Disk error on db1"] + texts.dropFirst()))
        #expect(gsm.sent.count == 3)
    }

    @Test func extensionCharactersCountTwice() {
        // "1: " + 76 € + " +1 see web." is 167 septets, as each € takes two; at one each it would be 91.
        let euro = String(repeating: "€", count: 76)
        let r = SMSPacker(mode: .segments, maxParts: 1).pack(items([euro, "x"]))
        #expect(r.sent.isEmpty && r.ignored == ["m1", "m2"] && r.text == "+2 see web.")
    }

    @Test func aLoneMessageIsSentWholeWhenItFitsAndCutWhenItDoesNot() {
        let long = String(repeating: "a", count: 200)
        #expect(
            SMSPacker(mode: .segments, maxParts: 1).pack(items([long]))
                == PackResult(text: String(repeating: "a", count: 160), sent: ["m1"], ignored: [])
        )
        #expect(SMSPacker(mode: .segments, maxParts: 2).pack(items([long])).text == long)
    }

    @Test func maxPartsBelowOneMeansOne() {
        #expect(SMSPacker(mode: .segments, maxParts: 0).maxParts == 1)
    }
}
