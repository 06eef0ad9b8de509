/// A cursor over a PDU's octets that names the field it was reading when the PDU ran out.
struct PDUReader {
    private let octets: [UInt8]
    private(set) var offset = 0

    init(_ octets: [UInt8]) { self.octets = octets }

    var remaining: Int { octets.count - offset }

    mutating func byte(_ field: String) throws(PDUError) -> UInt8 {
        guard offset < octets.count else {
            throw PDUError(.truncated, "the PDU ends at octet \(offset) before \(field)")
        }
        defer { offset += 1 }
        return octets[offset]
    }

    mutating func bytes(_ count: Int, _ field: String) throws(PDUError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw PDUError(.truncated, "\(field) needs \(count) octets at octet \(offset); the PDU has \(remaining) left")
        }
        defer { offset += count }
        return octets[offset..<offset + count]
    }

    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = octets.count }
        return octets[offset...]
    }
}

/// Hexadecimal as AT commands carry PDUs (`+CMGS`, `+CMGR`, `+CDS`): two upper-case digits an octet.
package enum PDUHex {
    package static func encode(_ octets: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for o in octets {
            out.append(digits[Int(o >> 4)])
            out.append(digits[Int(o & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ hex: some StringProtocol) throws(PDUError) -> [UInt8] {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else {
            throw PDUError(.notHex, "the PDU has an odd number of hex digits (\(chars.count))")
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else {
                throw PDUError(.notHex, "the PDU has a character that is not a hex digit at position \(i)")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
