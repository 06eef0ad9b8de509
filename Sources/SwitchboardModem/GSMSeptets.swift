import SwitchboardCore

/// GSM 7-bit packing (3GPP TS 23.038 §6.1.2.1.1) and the septet ⇄ text mapping.
///
/// Septets are packed little-end first: septet *n* starts at bit 7·*n* of the user data.
/// With a user data header, `fillBits` zero bits come first so the text starts on a septet
/// boundary (TS 23.040 §9.2.3.24):
///
/// ```
/// octet 0: s0[6..0] + s1[0]<<7   octet 1: s1[6..1] + s2[1..0]<<6   ...
/// ```
package enum GSMSeptets {
    /// Packs `septets` (each < 0x80) after `fillBits` zero bits.
    package static func pack(_ septets: [UInt8], fillBits: Int = 0) -> [UInt8] {
        let bits = fillBits + septets.count * 7
        var out = [UInt8](repeating: 0, count: (bits + 7) / 8)
        for (i, septet) in septets.enumerated() {
            let bit = fillBits + i * 7
            let value = UInt16(septet & 0x7F) << UInt16(bit % 8)
            out[bit / 8] |= UInt8(value & 0xFF)
            if value > 0xFF { out[bit / 8 + 1] |= UInt8(value >> 8) }
        }
        return out
    }

    /// Reads `count` septets from `octets` after `fillBits` bits. Throws `truncated` when the
    /// octets hold fewer than `count` septets.
    package static func unpack(_ octets: ArraySlice<UInt8>, count: Int, fillBits: Int = 0) throws(PDUError) -> [UInt8] {
        let needed = (fillBits + count * 7 + 7) / 8
        guard octets.count >= needed else {
            throw PDUError(.truncated, "\(count) septets need \(needed) octets of user data, found \(octets.count)")
        }
        let base = octets.startIndex
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let bit = fillBits + i * 7
            var value = UInt16(octets[base + bit / 8]) >> UInt16(bit % 8)
            if bit % 8 > 1 { value |= UInt16(octets[base + bit / 8 + 1]) << UInt16(8 - bit % 8) }
            out.append(UInt8(value & 0x7F))
        }
        return out
    }

    /// The septets of `text`, or `nil` if a character is outside the GSM alphabet.
    package static func septets(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard let s = GSMAlphabet.encode(scalar) else { return nil }
            out += s
        }
        return out
    }

    /// The text of `septets`. ESC followed by a septet the extension table does not define is
    /// read as that septet of the basic table, as TS 23.038 §6.2.1.1 asks of a receiver; an
    /// escape as the last septet has nothing to escape and is refused.
    package static func text(_ septets: [UInt8]) throws(PDUError) -> String {
        var view = String.UnicodeScalarView()
        var i = 0
        while i < septets.count {
            let s = septets[i]
            if s == GSMAlphabet.escape {
                guard i + 1 < septets.count else {
                    throw PDUError(.invalidSeptets, "the septet stream ends in an escape (0x1B) at septet \(i)")
                }
                let next = septets[i + 1]
                view.append(GSMAlphabet.extensionTable[next] ?? (next == GSMAlphabet.escape ? " " : GSMAlphabet.basic[Int(next)]))
                i += 2
            } else {
                view.append(GSMAlphabet.basic[Int(s)])
                i += 1
            }
        }
        return String(view)
    }
}
