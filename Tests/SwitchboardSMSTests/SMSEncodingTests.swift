import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct SMSCounting {
    @Test func theBasicTableHasAllItsPositions() {
        #expect(GSMAlphabet.basic.count == 128)
        #expect(GSMAlphabet.basic[0x00] == "@" && GSMAlphabet.basic[0x09] == "Ç" && GSMAlphabet.basic[0x7F] == "à")
    }

    @Test func plainASCIIFitsOneSMSUpTo160Characters() {
        let c = SMSEncoding.count(String(repeating: "a", count: 160))
        #expect(c == SMSCount(encoding: .gsm7, units: 160, parts: 1, perPart: 160, remainingInLastPart: 0, nonGSMCharacters: []))
    }

    @Test func character161MakesTwoPartsOf153() {
        let c = SMSEncoding.count(String(repeating: "a", count: 161))
        #expect(c == SMSCount(encoding: .gsm7, units: 161, parts: 2, perPart: 153, remainingInLastPart: 145, nonGSMCharacters: []))
        #expect(SMSEncoding.split(String(repeating: "a", count: 161)).map(\.count) == [153, 8])
        #expect(SMSEncoding.count(String(repeating: "a", count: 306)).parts == 2)
        #expect(SMSEncoding.count(String(repeating: "a", count: 307)).parts == 3)
    }

    @Test func extensionCharactersCountTwoSeptets() {
        for ch in ["€", "[", "]", "{", "}", "^", "~", "\\", "|", "\u{0C}"] {
            let c = SMSEncoding.count(ch)
            #expect(c.encoding == .gsm7 && c.units == 2, "\(ch)")
        }
        #expect(SMSEncoding.count(String(repeating: "€", count: 80)).parts == 1)
        #expect(SMSEncoding.count(String(repeating: "€", count: 81)).parts == 2)
        #expect(SMSEncoding.count("Pris: 12 €").units == 11)
    }

    @Test func anEscapePairIsNeverSplitAcrossParts() {
        let a152 = String(repeating: "a", count: 152)
        // 152 + 2 would be 154 in a part of 153: the € moves to the second part.
        let straddling = a152 + "€" + String(repeating: "b", count: 10)
        #expect(SMSEncoding.split(straddling) == [a152, "€" + String(repeating: "b", count: 10)])
        let c = SMSEncoding.count(straddling)
        #expect(c.units == 164 && c.parts == 2 && c.remainingInLastPart == 153 - 12)
        // 151 + 2 is exactly 153: the pair fits at the end of the first part.
        let fitting = String(repeating: "a", count: 151) + "€" + String(repeating: "b", count: 10)
        #expect(SMSEncoding.split(fitting).first == String(repeating: "a", count: 151) + "€")
        // 306 septets would be 2 parts, but the pair at the boundary pushes it to 3.
        let pushed = a152 + "[" + String(repeating: "c", count: 152)
        #expect(SMSEncoding.count(pushed).units == 306)
        #expect(SMSEncoding.count(pushed).parts == 3)
    }

    @Test func emojiForcesUCS2WithSurrogatePairsCountingTwo() {
        let seventy = "😀" + String(repeating: "a", count: 68)
        let c70 = SMSEncoding.count(seventy)
        #expect(c70 == SMSCount(encoding: .ucs2, units: 70, parts: 1, perPart: 70, remainingInLastPart: 0, nonGSMCharacters: ["😀"]))
        let c71 = SMSEncoding.count(seventy + "a")
        #expect(c71.units == 71 && c71.parts == 2 && c71.perPart == 67 && c71.remainingInLastPart == 67 - 4)
    }

    @Test func aSurrogatePairIsNeverSplitAcrossParts() {
        let a66 = String(repeating: "a", count: 66)
        let text = a66 + "😀" + String(repeating: "b", count: 10)
        #expect(SMSEncoding.split(text) == [a66, "😀" + String(repeating: "b", count: 10)])
    }

    @Test func norwegianLettersAreInTheBasicTable() {
        let c = SMSEncoding.count("Blåbærsyltetøy ÆØÅ æøå")
        #expect(c.encoding == .gsm7 && c.units == 22 && c.nonGSMCharacters.isEmpty)
    }

    @Test func capitalCedillaIsGSMButSmallCedillaIsNot() {
        #expect(SMSEncoding.count("Ça va").encoding == .gsm7)
        let c = SMSEncoding.count("Garçon ça")
        #expect(c.encoding == .ucs2 && c.units == 9 && c.nonGSMCharacters == ["ç"])
    }

    @Test func listsEachCharacterThatForcedUCS2OnceInOrder() {
        let c = SMSEncoding.count("Temp `hot` — 41 °C — ok")
        #expect(c.nonGSMCharacters == ["`", "—", "°"])
    }

    @Test func decomposedAccentsCountAsTheGSMCharacterTheyCompose() {
        #expect(SMSEncoding.count("Cafe\u{301}").encoding == .gsm7)
        #expect(SMSEncoding.count("Cafe\u{301}").units == 4)
    }

    @Test func emptyTextIsOneEmptySMS() {
        #expect(SMSEncoding.count("") == SMSCount(encoding: .gsm7, units: 0, parts: 1, perPart: 160, remainingInLastPart: 160, nonGSMCharacters: []))
        #expect(SMSEncoding.split("") == [""])
    }

    @Test func partsJoinBackIntoTheText() {
        let text = String(repeating: "Router gw1 {down} € ", count: 30)
        let parts = SMSEncoding.split(text)
        #expect(parts.joined() == text)
        #expect(parts.count == SMSEncoding.count(text).parts)
        #expect(parts.allSatisfy { SMSEncoding.count($0).units <= 153 })
    }

    @Test func truncateKeepsTheLongestPrefixThatFits() {
        #expect(SMSEncoding.truncate(String(repeating: "a", count: 200), toParts: 1) == String(repeating: "a", count: 160))
        #expect(SMSEncoding.truncate(String(repeating: "a", count: 200), toParts: 2) == String(repeating: "a", count: 200))
        #expect(SMSEncoding.truncate(String(repeating: "😀", count: 100), toParts: 1) == String(repeating: "😀", count: 35))
        #expect(SMSEncoding.truncate(String(repeating: "a", count: 159) + "€", toParts: 1) == String(repeating: "a", count: 159))
    }
}
