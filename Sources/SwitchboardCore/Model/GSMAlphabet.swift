/// The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, as Unicode.
///
/// Why a table of its own: whether a text fits this alphabet decides its encoding (7-bit
/// septets or UCS-2) and so whether an alert costs one SMS or three. Characters of the
/// extension table are sent as ESC + character and cost two septets. It lives in Core because
/// SMS counting (`SMSEncoding`, used by the SMS engines and the pre-send report) and the
/// modem's PDU codec (`SwitchboardModem`) must agree on what one septet is.
package enum GSMAlphabet {
    /// The 128 positions of the basic table in order; position 0x1B is the escape to the
    /// extension table and holds no character (written here as U+FFFF, which never occurs).
    package static let basic: [Unicode.Scalar] = Array(
        ("@£$¥èéùìòÇ\nØø\rÅå"
            + "Δ_ΦΓΛΩΠΨΣΘΞ\u{FFFF}ÆæßÉ"
            + " !\"#¤%&'()*+,-./"
            + "0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNO"
            + "PQRSTUVWXYZÄÖÑÜ§"
            + "¿abcdefghijklmno"
            + "pqrstuvwxyzäöñüà").unicodeScalars
    )

    /// The escape septet that announces a character of the extension table.
    package static let escape: UInt8 = 0x1B

    /// The extension table's printable characters by their septet after ESC (TS 23.038
    /// §6.2.1.1): form feed, `^ { } \ [ ~ ] | €`.
    package static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
        0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
    ]

    /// The extension table's printable characters.
    package static let extensionScalars: Set<Unicode.Scalar> = Set(extensionTable.values)

    private static let basicScalars: Set<Unicode.Scalar> = Set(basic.filter { $0 != "\u{FFFF}" })

    private static let basicCodes: [Unicode.Scalar: UInt8] = Dictionary(
        uniqueKeysWithValues: basic.enumerated().filter { $0.element != "\u{FFFF}" }.map { ($0.element, UInt8($0.offset)) }
    )

    private static let extensionCodes: [Unicode.Scalar: UInt8] = Dictionary(
        uniqueKeysWithValues: extensionTable.map { ($0.value, $0.key) }
    )

    /// Septets `scalar` costs in the 7-bit encoding: 1 (basic table), 2 (extension table),
    /// or `nil` when the character is not in the alphabet and forces UCS-2.
    package static func septets(_ scalar: Unicode.Scalar) -> Int? {
        if basicScalars.contains(scalar) { return 1 }
        if extensionScalars.contains(scalar) { return 2 }
        return nil
    }

    /// The septets that write `scalar`: one of the basic table, or ESC and one of the
    /// extension table; `nil` when the alphabet has no such character.
    package static func encode(_ scalar: Unicode.Scalar) -> [UInt8]? {
        if let code = basicCodes[scalar] { return [code] }
        if let code = extensionCodes[scalar] { return [escape, code] }
        return nil
    }
}
