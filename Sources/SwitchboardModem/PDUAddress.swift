/// A TS 23.040 §9.1.2.5 address field: a phone number in swapped semi-octets, or an
/// alphanumeric sender (`InfoAlert`) in GSM 7-bit.
///
/// ```
/// length (digits, or semi-octets used for alphanumeric) │ type of address │ value
/// type of address: 1 TTT NNNN — TTT 001 international, 010 national, 101 alphanumeric
/// ```
package struct PDUAddress: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// Type of number 001: the number is written with its country code, shown with `+`.
        case international
        /// Type of number 010.
        case national
        /// Type of number 101: letters, GSM 7-bit packed.
        case alphanumeric
        /// Any other type of number (unknown 000, network specific, …): digits as given.
        case other(UInt8)
    }

    package var kind: Kind
    /// Digits (with `*#abc` for the semi-octets A–C) or the alphanumeric text.
    package var value: String

    package init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// `+4712345678` for international numbers, the value as it is otherwise.
    package var display: String { kind == .international ? "+" + value : value }

    /// An address to send to: `+…` is international; anything else goes with type of number
    /// "unknown" (0x81), which the network reads as dialled digits (a short code, `00…`). Only digits are allowed (after the `+`), at most 20 (TS 23.040 §9.1.2.5).
    package static func number(_ text: String) throws(PDUError) -> PDUAddress {
        let international = text.hasPrefix("+")
        let digits = international ? String(text.dropFirst()) : text
        guard !digits.isEmpty, digits.count <= 20, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw PDUError(.unencodable, "'\(text)' is not a phone number (digits, optionally after '+', at most 20)")
        }
        return PDUAddress(kind: international ? .international : .other(0), value: digits)
    }

    var typeOfAddress: UInt8 {
        switch kind {
        case .international: 0x91
        case .national: 0xA1
        case .alphanumeric: 0xD0
        case .other(let t): 0x80 | (t << 4) | 0x01
        }
    }

    /// The field as a TP-DA / TP-OA (`smsc: false`, length in digits) or as the SMSC address
    /// in front of a PDU (`smsc: true`, length in octets including the type).
    func encoded(smsc: Bool = false) -> [UInt8] {
        let semiOctets = Self.swappedDigits(value)
        let length = smsc ? UInt8(semiOctets.count + 1) : UInt8(value.utf8.count)
        return [length, typeOfAddress] + semiOctets
    }

    static func swappedDigits(_ digits: String) -> [UInt8] {
        let values = digits.utf8.map { $0 - 0x30 }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let hi = i + 1 < values.count ? values[i + 1] : 0x0F
            out.append(hi << 4 | values[i])
            i += 2
        }
        return out
    }

    /// Reads a TP-OA / TP-DA / TP-RA field.
    static func read(_ reader: inout PDUReader, field: String) throws(PDUError) -> PDUAddress {
        let length = Int(try reader.byte("\(field) length"))
        let toa = try reader.byte("\(field) type of address")
        let octets = try reader.bytes((length + 1) / 2, field)
        return try decode(octets, semiOctets: length, typeOfAddress: toa, field: field)
    }

    /// Reads the SMSC address in front of a PDU from a modem (length in octets); nil when 0.
    static func readSMSC(_ reader: inout PDUReader) throws(PDUError) -> PDUAddress? {
        let length = Int(try reader.byte("the SMSC address length"))
        guard length > 0 else { return nil }
        guard length <= 11 else { throw PDUError(.invalidField, "the SMSC address length is \(length) octets; at most 11 are allowed") }
        let toa = try reader.byte("the SMSC type of address")
        let octets = try reader.bytes(length - 1, "the SMSC address")
        return try decode(octets, semiOctets: (length - 1) * 2, typeOfAddress: toa, field: "the SMSC address")
    }

    private static func decode(_ octets: ArraySlice<UInt8>, semiOctets: Int, typeOfAddress toa: UInt8, field: String) throws(PDUError) -> PDUAddress {
        let type = (toa >> 4) & 0x07
        if type == 0b101 {
            let count = semiOctets * 4 / 7
            let septets = try GSMSeptets.unpack(octets, count: count)
            let text = try GSMSeptets.text(septets)
            return PDUAddress(kind: .alphanumeric, value: text)
        }
        var digits = ""
        var written = 0
        for o in octets {
            for n in [o & 0x0F, o >> 4] where written < semiOctets {
                written += 1
                if n == 0x0F { continue }  // filler of an odd-length SMSC address
                digits.unicodeScalars.append(Unicode.Scalar(Array("0123456789*#abc".unicodeScalars)[Int(n)]))
            }
        }
        let kind: Kind =
            switch type {
            case 0b001: .international
            case 0b010: .national
            default: .other(type)
            }
        return PDUAddress(kind: kind, value: digits)
    }
}
