/// The alphabet a TP-DCS names (3GPP TS 23.038 §4): what the user data's octets mean.
package enum DataCoding: Sendable, Equatable {
    case gsm7
    case eightBit
    case ucs2

    /// The TP-DCS octet for a message of this coding with no class and no compression.
    var octet: UInt8 {
        switch self {
        case .gsm7: 0x00
        case .eightBit: 0x04
        case .ucs2: 0x08
        }
    }

    /// Reads a TP-DCS. Compressed text is refused (no phone sends it); reserved groups are
    /// read as GSM 7-bit, as §4 tells a receiver to.
    static func read(_ dcs: UInt8) throws(PDUError) -> DataCoding {
        switch dcs >> 4 {
        case 0x0...0x7:
            // general data coding (00xx) and automatic deletion (01xx): bit 5 compressed, bits 3-2 alphabet
            if dcs & 0x20 != 0 { throw PDUError(.invalidField, "TP-DCS 0x\(PDUHex.encode([dcs])) announces compressed text, which is not supported") }
            switch (dcs >> 2) & 0x03 {
            case 0b01: return .eightBit
            case 0b10: return .ucs2
            default: return .gsm7
            }
        case 0xC, 0xD: return .gsm7  // message waiting indication, discard / store, GSM 7-bit
        case 0xE: return .ucs2  // message waiting indication, store, UCS-2
        case 0xF: return dcs & 0x04 != 0 ? .eightBit : .gsm7  // data coding / message class
        default: return .gsm7  // 1000-1011: reserved
        }
    }
}
