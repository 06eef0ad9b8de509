/// The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, as Unicode.
///
/// Why a table of its own: whether a text fits this alphabet decides its encoding (7-bit
/// septets or UCS-2) and so whether an alert costs one SMS or three. Characters of the
/// extension table are sent as ESC + character and cost two septets.
enum GSMAlphabet {
    /// The 128 positions of the basic table in order; position 0x1B is the escape to the
    /// extension table and holds no character (written here as U+FFFF, which never occurs).
    static let basic: [Unicode.Scalar] = Array(
        ("@£$¥èéùìòÇ\nØø\rÅå"
            + "Δ_ΦΓΛΩΠΨΣΘΞ\u{FFFF}ÆæßÉ"
            + " !\"#¤%&'()*+,-./"
            + "0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNO"
            + "PQRSTUVWXYZÄÖÑÜ§"
            + "¿abcdefghijklmno"
            + "pqrstuvwxyzäöñüà").unicodeScalars
    )

    /// The extension table's printable characters (form feed, `^ { } \ [ ~ ] | €`).
    static let extensionScalars: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    private static let basicScalars: Set<Unicode.Scalar> = Set(basic.filter { $0 != "\u{FFFF}" })

    /// Septets `scalar` costs in the 7-bit encoding: 1 (basic table), 2 (extension table),
    /// or `nil` when the character is not in the alphabet and forces UCS-2.
    static func septets(_ scalar: Unicode.Scalar) -> Int? {
        if basicScalars.contains(scalar) { return 1 }
        if extensionScalars.contains(scalar) { return 2 }
        return nil
    }
}
