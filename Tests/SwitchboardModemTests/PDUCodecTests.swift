import Foundation
import SwitchboardCore
import SwitchboardSMS
import Testing

@testable import SwitchboardModem

@Suite struct PDUEncoding {
    /// Every SMS-SUBMIT python-gsmmodem-new made, octet for octet — except TP-MR, which that
    /// library fills with the concatenation reference and we leave 0 for the modem to assign
    /// (3GPP TS 27.005 §3.5.1: the ME sets TP-MR).
    @Test(arguments: PDUFixtures.shared.submit.map(\.name))
    func submitMatchesAnIndependentEncoder(name: String) throws {
        let c = try #require(PDUFixtures.shared.submit.first { $0.name == name })
        var options = SMSSubmit.Options()
        options.statusReport = c.report
        options.validity = c.validity.map { .seconds($0) }
        options.reference = UInt8(c.reference)
        let ours = try SMSSubmit.encode(text: c.text, to: PDUAddress.number(c.number), options: options)
        let expected = c.pdus.map { part in
            SMSSubmit.PDU(hex: String(part.hex.prefix(4)) + "00" + String(part.hex.dropFirst(6)), tpduLength: part.tpduLength)
        }
        #expect(ours == expected)
    }

    @Test func partsAreCutWhereSMSEncodingCutsThem() throws {
        let texts = [
            String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10),
            String(repeating: "ж", count: 66) + "😀" + String(repeating: "b", count: 10),
            String(repeating: "x", count: 161), String(repeating: "x", count: 160), String(repeating: "€", count: 81),
        ]
        for text in texts {
            let pdus = try SMSSubmit.encode(text: text, to: PDUAddress.number("+4712345678"))
            let decoded = try pdus.map { pdu in try SMSPDUTestSupport.submittedText(pdu.hex) }
            #expect(decoded == SMSEncoding.split(text), "\(text.prefix(20))…")
        }
    }

    @Test func numbersWithoutAPlusGoAsUnknownTypeAndBadNumbersAreRefused() throws {
        let pdu = try SMSSubmit.encode(text: "x", to: PDUAddress.number("2200"))[0]
        #expect(pdu.hex.hasPrefix("0021000481" + "2200"))
        #expect(throws: PDUError.self) { try PDUAddress.number("+47 123") }
        #expect(throws: PDUError.self) { try PDUAddress.number("") }
        #expect(throws: PDUError.self) { try PDUAddress.number("+123456789012345678901") }
    }

    @Test func anSMSCGoesInFrontAndIsNotCountedInTheLength() throws {
        var options = SMSSubmit.Options()
        options.smsc = try PDUAddress.number("+4790002100")
        let pdu = try SMSSubmit.encode(text: "Hi", to: PDUAddress.number("+4712345678"), options: options)[0]
        #expect(pdu.hex.hasPrefix("0691740900120021"))
        #expect(pdu.tpduLength * 2 == pdu.hex.count - 14)
    }

    @Test func relativeValidityRoundsUpToWhatTheFieldCanSay() {
        #expect(SMSSubmit.relativeValidity(.seconds(60)) == 0)  // 5 minutes is the least
        #expect(SMSSubmit.relativeValidity(.seconds(301)) == 1)  // 10 minutes
        #expect(SMSSubmit.relativeValidity(.seconds(12 * 3600)) == 143)
        #expect(SMSSubmit.relativeValidity(.seconds(12 * 3600 + 1)) == 144)
        #expect(SMSSubmit.relativeValidity(.seconds(86400)) == 167)
        #expect(SMSSubmit.relativeValidity(.seconds(30 * 86400)) == 196)
        #expect(SMSSubmit.relativeValidity(.seconds(31 * 86400)) == 197)
        #expect(SMSSubmit.relativeValidity(.seconds(1000 * 86400)) == 255)
    }

    @Test func aTextOfMoreThan255PartsIsRefused() {
        #expect(throws: PDUError.self) { try SMSSubmit.encode(text: String(repeating: "x", count: 153 * 255 + 1), to: PDUAddress.number("+47")) }
    }
}

@Suite struct PDUDecoding {
    @Test(arguments: PDUFixtures.shared.deliver.map(\.name))
    func deliverMatchesAnIndependentEncoder(name: String) throws {
        let c = try #require(PDUFixtures.shared.deliver.first { $0.name == name })
        guard case .deliver(let sms) = try SMSPDU.decode(hex: c.hex, tpduLength: c.tpduLength) else {
            Issue.record("not an SMS-DELIVER")
            return
        }
        #expect(sms.sender.display == c.sender)
        #expect((sms.sender.kind == .alphanumeric) == c.alphanumeric)
        #expect(sms.text == c.text)
        #expect(Int(sms.timestamp.timeIntervalSince1970) == c.epoch)
        #expect(sms.smsc?.display == "+4790002100")
        let concat = sms.header.concatenation
        #expect(concat.map { [Int($0.reference), Int($0.total), Int($0.sequence)] } == c.concat.map { [$0.reference, $0.total, $0.sequence] })
    }

    @Test(arguments: PDUFixtures.shared.status.map(\.name))
    func statusReportsMatchAnIndependentEncoder(name: String) throws {
        let c = try #require(PDUFixtures.shared.status.first { $0.name == name })
        guard case .statusReport(let report) = try SMSPDU.decode(hex: c.hex, tpduLength: c.tpduLength) else {
            Issue.record("not an SMS-STATUS-REPORT")
            return
        }
        #expect(Int(report.reference) == c.reference)
        #expect(report.recipient.display == c.recipient)
        #expect(Int(report.status) == c.status)
        #expect(Int(report.submittedAt.timeIntervalSince1970) == c.epoch)
        #expect(Int(report.dischargedAt.timeIntervalSince1970) == c.epoch + 5)
    }

    @Test func statusValuesMapToOutcomes() {
        func outcome(_ st: UInt8) -> SMSStatusReport.Outcome {
            SMSStatusReport(
                smsc: nil,
                reference: 0,
                recipient: .init(kind: .international, value: "1"),
                submittedAt: .now,
                dischargedAt: .now,
                status: st
            ).outcome
        }
        #expect(outcome(0x00) == .delivered && outcome(0x02) == .delivered)
        #expect(outcome(0x20) == .pending && outcome(0x3F) == .pending)
        #expect(outcome(0x41) == .failed && outcome(0x60) == .failed && outcome(0xFF) == .failed)
    }

    @Test func aWellKnownDeliverDecodes() throws {
        // The example of 3GPP TS 23.040 tutorials: "hellohello" from +27838890001, 7-bit.
        let hex = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
        guard case .deliver(let sms) = try SMSPDU.decode(hex: hex) else {
            Issue.record("not an SMS-DELIVER")
            return
        }
        #expect(sms.text == "hellohello")
        #expect(sms.sender.value == "27838890001")
        #expect(sms.smsc?.display == "+27381000015")
    }

    @Test func badPDUsAreRefusedWithTheReason() {
        let good = PDUFixtures.shared.deliver[0]
        func kind(_ hex: String, _ length: Int? = nil) -> PDUError.Kind? {
            do {
                _ = try SMSPDU.decode(hex: hex, tpduLength: length)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(kind(String(good.hex.dropLast(2))) == .wrongLength)  // user data one octet short
        #expect(kind(good.hex + "00") == .wrongLength)  // one octet too many
        #expect(kind(good.hex, good.tpduLength + 1) == .wrongLength)  // the modem's length disagrees
        #expect(kind(String(good.hex.prefix(30))) == .truncated)  // cut inside the address
        #expect(kind(String(good.hex.dropLast(1))) == .notHex)
        #expect(kind("0011ZZ") == .notHex)
        #expect(kind("0001000A9174214365870000") == .invalidField)  // an SMS-SUBMIT is not something a modem hands up
        // TP-UDL 1 septet, which is ESC: nothing follows it.
        #expect(kind("00040A917421436587000062605041035180011B") == .invalidSeptets)
        // The SCTS month 13.
        #expect(kind("00040A917421436587000062316041035180011B") == .invalidField)
    }

    @Test func anEscapeBeforeAnUndefinedSeptetReadsAsTheBasicCharacter() throws {
        #expect(try GSMSeptets.text([0x1B, 0x41, 0x1B, 0x65]) == "A€")
    }

    @Test func packingRoundTripsForEveryFill() throws {
        let septets: [UInt8] = Array(0..<0x7F).filter { $0 != 0x1B }
        for fill in 0..<7 {
            let packed = GSMSeptets.pack(septets, fillBits: fill)
            #expect(try GSMSeptets.unpack(packed[...], count: septets.count, fillBits: fill) == septets)
        }
    }
}

/// Reads the text back out of an SMS-SUBMIT we made (for the cutting test).
enum SMSPDUTestSupport {
    static func submittedText(_ hex: String) throws -> String {
        let octets = try PDUHex.decode(hex)
        var i = 1 + Int(octets[0])  // SMSC field
        let first = octets[i]
        i += 2  // first octet, MR
        i += 2 + (Int(octets[i]) + 1) / 2  // DA
        let dcs = octets[i + 1]
        i += 2
        if first & 0x18 == 0x10 { i += 1 }
        let udl = Int(octets[i])
        let (_, text, _) = try SMSPDU.userData(octets[(i + 1)...], length: udl, coding: dcs == 0x08 ? .ucs2 : .gsm7, hasHeader: first & 0x40 != 0)
        return text
    }
}
