import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct NAVPacking {
    let nav = SMSPacker(mode: .nav)

    func items(_ texts: [String], severity: Severity = .info) -> [PackItem] {
        texts.enumerated().map { PackItem(id: "m\($0.offset + 1)", text: $0.element, severity: severity) }
    }

    @Test func oneMessageGoesAsItIsUnnumbered() {
        #expect(nav.pack(items(["Router gw1 down"])) == PackResult(text: "Router gw1 down", sent: ["m1"], ignored: []))
    }

    @Test func oneLongMessageIsCutTo160Characters() {
        let r = nav.pack(items([String(repeating: "x", count: 200)]))
        #expect(r.text == String(repeating: "x", count: 160) && r.sent == ["m1"] && r.ignored.isEmpty)
    }

    @Test func twoMessagesAreNumberedWithoutATrailingSeparator() {
        #expect(
            nav.pack(items(["Disk full on db1", "Link down on gw2"]))
                == PackResult(text: "1: Disk full on db1; 2: Link down on gw2", sent: ["m1", "m2"], ignored: [])
        )
    }

    @Test func manyMessagesStopAtTheFirstThatDoesNotFitAndNoteTheRest() {
        let forty = (1...5).map { String(repeating: Character(String($0)), count: 40) }
        let r = nav.pack(items(forty))
        // smsd's accumulator: 45 after one, 90 after two, 135 after three; 135 + 40 >= 145 stops.
        #expect(r.text == "1: \(forty[0]); 2: \(forty[1]); 3: \(forty[2]) +2 see web.")
        #expect(r.sent == ["m1", "m2", "m3"] && r.ignored == ["m4", "m5"])
    }

    @Test func aMessageFitsWhenTheTotalIs144AndNotWhenItIs145() {
        let first = String(repeating: "a", count: 10)  // accumulator 15 after it
        let fits = nav.pack(items([first, String(repeating: "b", count: 129)]))  // 15 + 129 = 144
        #expect(fits.sent == ["m1", "m2"] && fits.ignored.isEmpty)
        #expect(fits.text == "1: \(first); 2: \(String(repeating: "b", count: 129))")
        let tooLong = nav.pack(items([first, String(repeating: "b", count: 130)]))  // 15 + 130 = 145
        #expect(tooLong == PackResult(text: "1: \(first) +1 see web.", sent: ["m1"], ignored: ["m2"]))
    }

    @Test func aFirstMessageTooLongToPackMeansNothingIsPacked() {
        let r = nav.pack(items([String(repeating: "a", count: 145), "short"]))
        #expect(r == PackResult(text: "+2 see web.", sent: [], ignored: ["m1", "m2"]))
        #expect(r.isEmpty)
        let justFits = nav.pack(items([String(repeating: "a", count: 144), "short"]))
        #expect(justFits.sent == ["m1"] && justFits.ignored == ["m2"] && !justFits.isEmpty)
        #expect(justFits.text == "1: \(String(repeating: "a", count: 144)) +1 see web.")
    }

    @Test func theWholeTextIsCutTo160EvenInsideTheNote() {
        // Eleven one-letter alerts (accumulator 68), one of 76 (68 + 76 = 144 fits, accumulator 150),
        // then 100 that do not fit: "…" + " +100 see web." would be 162 characters.
        let texts = Array(repeating: "x", count: 11) + [String(repeating: "y", count: 76)] + Array(repeating: "z", count: 100)
        let r = nav.pack(items(texts))
        let body = (1...11).map { "\($0): x" }.joined(separator: "; ") + "; 12: " + String(repeating: "y", count: 76)
        #expect(body.count == 148)
        #expect(r.text == String((body + " +100 see web.").prefix(160)))
        #expect(r.text.hasSuffix(" +100 see we"))
        #expect(r.sent.count == 12 && r.ignored.count == 100)
    }

    @Test func lengthsAreCodePointsAsInPython() {
        // "😀" is one code point (Python len 1) though two UTF-16 units.
        let r = nav.pack(items([String(repeating: "😀", count: 10), String(repeating: "b", count: 129)]))
        #expect(r.sent == ["m1", "m2"])
        #expect(nav.pack(items([String(repeating: "😀", count: 170)])).text.unicodeScalars.count == 160)
    }

    @Test func theMostSevereGoFirstAndEqualSeverityKeepsInputOrder() {
        let input = [
            PackItem(id: "a", text: "info old", severity: .info),
            PackItem(id: "b", text: "crit old", severity: .critical),
            PackItem(id: "c", text: "warn", severity: .warning),
            PackItem(id: "d", text: "crit new", severity: .critical),
            PackItem(id: "e", text: "info new", severity: .info),
        ]
        let r = nav.pack(input)
        #expect(r.sent == ["b", "d", "c", "a", "e"])
        #expect(r.text == "1: crit old; 2: crit new; 3: warn; 4: info old; 5: info new")
    }

    @Test func nothingToPackIsEmpty() {
        #expect(nav.pack([]) == PackResult(text: "", sent: [], ignored: []))
        #expect(nav.pack([]).isEmpty)
    }

    /// smsd's `formatsms`, transliterated line by line from the Python, without the final cut.
    static func formatsms(_ msgs: [(String, String)]) -> (sms: String, sent: [String], ignored: [String]) {
        func len(_ s: String) -> Int { s.unicodeScalars.count }
        var sms = ""
        var sent: [String] = []
        var ignored: [String] = []
        if msgs.count == 1 {
            sms = msgs[0].1
            sent.append(msgs[0].0)
        } else {
            for (i, msg) in msgs.enumerated() {
                if len(sms) + len(msg.1) < 160 - 15 {
                    sms += "\(i + 1): \(msg.1); "
                    sent.append(msg.0)
                } else {
                    break
                }
            }
            ignored = msgs[sent.count...].map(\.0)
            if !ignored.isEmpty { sms += "+\(ignored.count) see web." }
        }
        return (sms, sent, ignored)
    }

    @Test func makesTheSameChoicesAsSmsdForManyRandomBursts() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<2_000 {
            let n = Int.random(in: 1...14, using: &rng)
            let msgs = (0..<n).map { i in ("id\(i)", String(repeating: "w", count: Int.random(in: 0...90, using: &rng))) }
            let ours = nav.pack(msgs.map { PackItem(id: $0.0, text: $0.1) })
            let smsd = Self.formatsms(msgs)
            #expect(ours.sent == smsd.sent && ours.ignored == smsd.ignored)
            // smsd's text but for the rendering the issue asks for: no trailing "; ", and " +N" for "; +N".
            var expected = smsd.sms
            if n > 1 {
                let note = "+\(smsd.ignored.count) see web."
                if smsd.ignored.isEmpty {
                    expected = String(expected.dropLast(2))
                } else if !smsd.sent.isEmpty {
                    expected = String(expected.dropLast(note.count + 2)) + " " + note
                }
            }
            #expect(ours.text == String(String.UnicodeScalarView(expected.unicodeScalars.prefix(160))))
        }
    }
}

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

/// A small seeded generator so the random comparison is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
