import Foundation
import SwitchboardCore

/// Encodes a text into the SMS-SUBMIT PDUs (3GPP TS 23.040 §9.2.2.2) a modem sends with
/// `AT+CMGS` in PDU mode: GSM 7-bit when every character is in the alphabet (extension
/// characters escaped, two septets each), UCS-2 otherwise; concatenated parts with an 8-bit
/// reference when one SMS is not enough, cut as `SMSEncoding` cuts them (153 septets or 67
/// UTF-16 units a part, never inside an escape pair or a surrogate pair).
///
/// ```
/// SCA │ 0x01|VPF|SRR|UDHI │ MR=0 │ DA │ PID=0 │ DCS │ VP │ UDL │ UD (UDH + fill bits + text)
/// ```
package enum SMSSubmit {
    package struct Options: Sendable, Equatable {
        /// Ask the SMSC for a status report (TP-SRR).
        package var statusReport = true
        /// How long the SMSC keeps trying (TP-VP, relative format); nil sends no validity.
        package var validity: Duration?
        /// The SMSC to send through; nil uses the one stored on the SIM (`AT+CSCA`).
        package var smsc: PDUAddress?
        /// The concatenation reference of a long message (one per message, any value).
        package var reference: UInt8 = 0
        package init() {}
    }

    /// One PDU as `AT+CMGS` takes it.
    package struct PDU: Sendable, Equatable {
        /// The SMSC field and the TPDU, in hex.
        package var hex: String
        /// The TPDU's length in octets, without the SMSC field: the argument of `AT+CMGS=`.
        package var tpduLength: Int
    }

    /// Parts at most (the header counts them in one octet).
    package static let maxParts = 255

    package static func encode(text: String, to destination: PDUAddress, options: Options = Options()) throws(PDUError) -> [PDU] {
        let normalized = text.precomposedStringWithCanonicalMapping
        let gsm = normalized.unicodeScalars.allSatisfy { GSMAlphabet.encode($0) != nil }
        let units: [[UInt8]] =
            if gsm {
                normalized.unicodeScalars.map { GSMAlphabet.encode($0) ?? [] }
            } else {
                normalized.unicodeScalars.map { scalar in
                    String(scalar).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
                }
            }
        let single = gsm ? 160 : 140
        let perPart = gsm ? 153 : 134
        let total = units.reduce(0) { $0 + $1.count }
        var parts: [[UInt8]] = [[]]
        if total > single {
            for unit in units {
                if parts[parts.count - 1].count + unit.count > perPart { parts.append([]) }
                parts[parts.count - 1] += unit
            }
        } else {
            parts = [units.flatMap { $0 }]
        }
        guard parts.count <= maxParts else {
            throw PDUError(.unencodable, "the text needs \(parts.count) SMS; at most \(maxParts) can be concatenated")
        }
        return parts.enumerated().map { index, body in
            let header =
                parts.count > 1
                ? UserDataHeader(concatenation: .init(reference: UInt16(options.reference), total: UInt8(parts.count), sequence: UInt8(index + 1)))
                : UserDataHeader()
            return pdu(body: body, gsm: gsm, header: header, destination: destination, options: options)
        }
    }

    private static func pdu(body: [UInt8], gsm: Bool, header: UserDataHeader, destination: PDUAddress, options: Options) -> PDU {
        let udh = header.encoded()
        var first: UInt8 = 0x01  // SMS-SUBMIT
        if options.validity != nil { first |= 0x10 }  // TP-VPF = 10, relative
        if options.statusReport { first |= 0x20 }
        if !udh.isEmpty { first |= 0x40 }
        var tpdu: [UInt8] = [first, 0x00] + destination.encoded() + [0x00, gsm ? DataCoding.gsm7.octet : DataCoding.ucs2.octet]
        if let validity = options.validity { tpdu.append(relativeValidity(validity)) }
        if gsm {
            let headerSeptets = (udh.count * 8 + 6) / 7
            let fill = headerSeptets * 7 - udh.count * 8
            tpdu.append(UInt8(headerSeptets + body.count))
            tpdu += udh + GSMSeptets.pack(body, fillBits: fill)
        } else {
            tpdu.append(UInt8(udh.count + body.count))
            tpdu += udh + body
        }
        let smsc = options.smsc?.encoded(smsc: true) ?? [0x00]
        return PDU(hex: PDUHex.encode(smsc + tpdu), tpduLength: tpdu.count)
    }

    /// TP-VP in the relative format (TS 23.040 §9.2.3.12.1), rounded up to the next value it
    /// can express: 5-minute steps to 12 hours, 30-minute steps to 24 hours, days to 30, weeks to 63.
    package static func relativeValidity(_ validity: Duration) -> UInt8 {
        let minutes = max(5, Int((validity.components.seconds + 59) / 60))
        if minutes <= 720 { return UInt8((minutes + 4) / 5 - 1) }
        if minutes <= 1440 { return UInt8(143 + (minutes - 720 + 29) / 30) }
        let days = (minutes + 1439) / 1440
        if days <= 30 { return UInt8(166 + days) }
        return UInt8(192 + min(63, (minutes + 10079) / 10080))
    }
}
