import Foundation

/// A received SMS: an SMS-DELIVER (3GPP TS 23.040 §9.2.2.1) as `+CMGR`/`+CMGL` show it.
///
/// ```
/// SCA │ 0x00|MMS|SRI|UDHI|RP │ OA │ PID │ DCS │ SCTS (7) │ UDL │ UD
/// ```
package struct SMSDeliver: Sendable, Equatable {
    package var smsc: PDUAddress?
    package var sender: PDUAddress
    package var coding: DataCoding
    /// When the SMSC got it (TP-SCTS, with the zone it gave).
    package var timestamp: Date
    package var header: UserDataHeader
    /// The text; for 8-bit data, the octets as UTF-8 if they are that, else as hex.
    package var text: String
    /// The user data after the header, as it came (8-bit data keeps its octets here).
    package var payload: [UInt8]
}

/// A status report for a sent SMS: an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3), as `+CDS` or
/// `+CMGR` shows it.
///
/// ```
/// SCA │ 0x02|MMS|SRQ|UDHI │ MR │ RA │ SCTS (7) │ DT (7) │ ST │ [PI …]
/// ```
package struct SMSStatusReport: Sendable, Equatable {
    /// What TP-ST says became of the message.
    package enum Outcome: Sendable, Equatable {
        /// 0x00-0x1F: the recipient has it (or the SC replaced or forwarded it).
        case delivered
        /// 0x20-0x3F: the SC is still trying.
        case pending
        /// 0x40-0x7F, and anything reserved above: it will not arrive.
        case failed
    }

    package var smsc: PDUAddress?
    /// TP-MR: the reference `+CMGS` answered when the message was sent.
    package var reference: UInt8
    package var recipient: PDUAddress
    package var submittedAt: Date
    package var dischargedAt: Date
    package var status: UInt8

    package var outcome: Outcome {
        switch status {
        case 0x00...0x1F: .delivered
        case 0x20...0x3F: .pending
        default: .failed
        }
    }
}

/// A PDU a modem hands up: a received SMS or a status report.
package enum SMSPDU: Sendable, Equatable {
    case deliver(SMSDeliver)
    case statusReport(SMSStatusReport)

    /// Decodes `hex` (with the SMSC field in front, as modems show PDUs). `tpduLength` is the
    /// length the modem announced (`+CMGR: <stat>,,<length>`); it must match.
    package static func decode(hex: some StringProtocol, tpduLength: Int? = nil) throws(PDUError) -> SMSPDU {
        let octets = try PDUHex.decode(hex)
        var reader = PDUReader(octets)
        let smsc = try PDUAddress.readSMSC(&reader)
        if let tpduLength, tpduLength != reader.remaining {
            throw PDUError(.wrongLength, "the modem announced a TPDU of \(tpduLength) octets; the PDU holds \(reader.remaining)")
        }
        let first = try reader.byte("the first octet")
        switch first & 0x03 {
        case 0x00: return .deliver(try deliver(&reader, first: first, smsc: smsc))
        case 0x02: return .statusReport(try statusReport(&reader, smsc: smsc))
        default:
            throw PDUError(.invalidField, "message type \(first & 0x03) is not an SMS-DELIVER (0) or SMS-STATUS-REPORT (2)")
        }
    }

    private static func deliver(_ reader: inout PDUReader, first: UInt8, smsc: PDUAddress?) throws(PDUError) -> SMSDeliver {
        let sender = try PDUAddress.read(&reader, field: "the sender address (TP-OA)")
        _ = try reader.byte("TP-PID")
        let coding = try DataCoding.read(try reader.byte("TP-DCS"))
        let timestamp = try SMSTimestamp.read(&reader, field: "TP-SCTS")
        let udl = Int(try reader.byte("TP-UDL"))
        let userData = reader.rest()
        let hasHeader = first & 0x40 != 0
        let (header, text, payload) = try Self.userData(userData, length: udl, coding: coding, hasHeader: hasHeader)
        return SMSDeliver(smsc: smsc, sender: sender, coding: coding, timestamp: timestamp, header: header, text: text, payload: payload)
    }

    private static func statusReport(_ reader: inout PDUReader, smsc: PDUAddress?) throws(PDUError) -> SMSStatusReport {
        let reference = try reader.byte("TP-MR")
        let recipient = try PDUAddress.read(&reader, field: "the recipient address (TP-RA)")
        let submitted = try SMSTimestamp.read(&reader, field: "TP-SCTS")
        let discharged = try SMSTimestamp.read(&reader, field: "TP-DT")
        let status = try reader.byte("TP-ST")
        // TP-PI and what it announces may follow; nothing there changes the outcome.
        return SMSStatusReport(
            smsc: smsc,
            reference: reference,
            recipient: recipient,
            submittedAt: submitted,
            dischargedAt: discharged,
            status: status
        )
    }

    /// Splits the user data into header and text, checking TP-UDL against what is there.
    static func userData(
        _ ud: ArraySlice<UInt8>,
        length udl: Int,
        coding: DataCoding,
        hasHeader: Bool
    ) throws(PDUError) -> (UserDataHeader, String, [UInt8]) {
        switch coding {
        case .gsm7:
            let octets = (udl * 7 + 7) / 8
            guard ud.count == octets else {
                throw PDUError(.wrongLength, "TP-UDL says \(udl) septets (\(octets) octets); the user data has \(ud.count) octets")
            }
            var header = UserDataHeader()
            var skip = 0
            if hasHeader {
                let (h, headerOctets) = try UserDataHeader.read(ud)
                header = h
                skip = (headerOctets * 8 + 6) / 7
                guard skip <= udl else { throw PDUError(.wrongLength, "the user data header is longer than TP-UDL (\(udl) septets)") }
            }
            let septets = try GSMSeptets.unpack(ud, count: udl)
            let textSeptets = Array(septets[skip...])
            return (header, try GSMSeptets.text(textSeptets), textSeptets)
        case .eightBit, .ucs2:
            guard ud.count == udl else {
                throw PDUError(.wrongLength, "TP-UDL says \(udl) octets; the user data has \(ud.count)")
            }
            var header = UserDataHeader()
            var body = ud
            if hasHeader {
                let (h, headerOctets) = try UserDataHeader.read(ud)
                header = h
                body = ud.dropFirst(headerOctets)
            }
            if coding == .eightBit {
                let bytes = Array(body)
                let utf8 = String(validating: bytes, as: UTF8.self)
                return (header, utf8 ?? PDUHex.encode(bytes), bytes)
            }
            guard body.count % 2 == 0 else {
                throw PDUError(.wrongLength, "UCS-2 text has an odd number of octets (\(body.count))")
            }
            var units: [UInt16] = []
            var i = body.startIndex
            while i < body.endIndex {
                units.append(UInt16(body[i]) << 8 | UInt16(body[i + 1]))
                i += 2
            }
            return (header, String(decoding: units, as: UTF16.self), Array(body))
        }
    }
}
