import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

/// `packing: nav` against NAV smsd's own `Dispatcher.formatsms`. The table
/// (`Resources/nav-formatsms-cases.jsonl`) holds bursts and what NAV's function made of
/// them, recorded by running NAV's code: edge cases at 145 and 160 characters, and random
/// bursts of one to twenty alerts of mixed severity, length and alphabet.
@Suite struct NAVPacking {
    let nav = SMSPacker(mode: .nav)

    /// One recorded burst: alerts as `severity:text` in arrival order (ids are positions
    /// from 1), and NAV's text, sent and ignored ids.
    struct Case: Decodable {
        var `in`: [String]
        var text: String
        var sent: [String]
        var ignored: [String]

        var items: [PackItem] {
            self.in.enumerated().map { index, spec in
                let colon = spec.firstIndex(of: ":")!
                let severity = Severity(rawValue: String(spec[..<colon]))!
                return PackItem(id: String(index + 1), text: String(spec[spec.index(after: colon)...]), severity: severity)
            }
        }
    }

    static let cases: [Case] = {
        let url =
            Bundle.module.url(forResource: "nav-formatsms-cases", withExtension: "jsonl", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "nav-formatsms-cases", withExtension: "jsonl")!
        let lines = try! String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return lines.map { try! JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
    }()

    @Test func theTableCoversNAVsEdges() {
        #expect(Self.cases.count >= 60)
        #expect(Self.cases.contains { $0.sent.isEmpty && $0.text.hasPrefix(" +") })
        #expect(Self.cases.contains { $0.sent.count == 1 && $0.in.count > 1 })
        #expect(Self.cases.contains { $0.text.unicodeScalars.count >= 146 && $0.ignored.isEmpty })
    }

    @Test(arguments: NAVPacking.cases.indices)
    func packsAsNAVsFormatsms(index: Int) {
        let c = Self.cases[index]
        let r = nav.pack(c.items)
        #expect(r == PackResult(text: c.text, sent: c.sent, ignored: c.ignored), "burst \(c.in)")
    }

    func items(_ texts: [String]) -> [PackItem] {
        texts.enumerated().map { PackItem(id: "m\($0.offset + 1)", text: $0.element) }
    }

    @Test func oneMessageGoesAsItIsUnnumbered() {
        #expect(nav.pack(items(["Router gw1 down"])) == PackResult(text: "Router gw1 down", sent: ["m1"], ignored: []))
    }

    @Test func aLoneMessageOf160CharactersOrMoreIsIgnoredNotCut() {
        let fits = String(repeating: "x", count: 159)
        #expect(nav.pack(items([fits])) == PackResult(text: fits, sent: ["m1"], ignored: []))
        let r = nav.pack(items([String(repeating: "x", count: 160)]))
        #expect(r == PackResult(text: " +1 see web.", sent: [], ignored: ["m1"]))
    }

    @Test func theLastMessageMayUseTheCharactersKeptForTheNote() {
        // "1: aaaaa; 2: " is 13 characters: a second and last message of 146 makes 159 < 160.
        let last = String(repeating: "b", count: 146)
        #expect(nav.pack(items(["aaaaa", last])).sent == ["m1", "m2"])
        // Were a third to follow, the same text would have to stay under 145.
        let r = nav.pack(items(["aaaaa", last, "c"]))
        #expect(r == PackResult(text: "aaaaa +2 see web.", sent: ["m1"], ignored: ["m2", "m3"]))
    }

    @Test func theNumberPrefixCountsInTheLength() {
        // "1: aaaaa; 2: " + 131 = 144 fits below 145; 132 makes 145 and does not.
        // (A third, last, message of 20 would make 169 and is left out either way.)
        let third = String(repeating: "c", count: 20)
        #expect(nav.pack(items(["aaaaa", String(repeating: "b", count: 131), third])).sent == ["m1", "m2"])
        #expect(nav.pack(items(["aaaaa", String(repeating: "b", count: 132), third])).sent == ["m1"])
    }

    @Test func whenTheSecondDoesNotFitTheFirstStaysUnnumbered() {
        let r = nav.pack(items(["Router gw1 down", String(repeating: "y", count: 150), "a", "b", "c"]))
        #expect(r == PackResult(text: "Router gw1 down +4 see web.", sent: ["m1"], ignored: ["m2", "m3", "m4", "m5"]))
    }

    @Test func theFirstThatDoesNotFitStopsThePackingEvenIfLaterOnesWould() {
        let r = nav.pack(items(["a", String(repeating: "b", count: 150), "c"]))
        #expect(r.sent == ["m1"] && r.ignored == ["m2", "m3"])
    }

    @Test func whenNothingFitsTheTextIsTheNoteWithItsLeadingSpace() {
        let r = nav.pack(items([String(repeating: "a", count: 145), "short"]))
        #expect(r == PackResult(text: " +2 see web.", sent: [], ignored: ["m1", "m2"]))
        #expect(r.isEmpty)
    }

    @Test func lengthsAreCodePointsAsInPython() {
        // "😀" is one code point (Python len 1) though two UTF-16 units and four UTF-8 bytes.
        #expect(nav.pack(items([String(repeating: "😀", count: 159)])).sent == ["m1"])
        #expect(nav.pack(items([String(repeating: "😀", count: 160)])).sent.isEmpty)
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
    }
}
