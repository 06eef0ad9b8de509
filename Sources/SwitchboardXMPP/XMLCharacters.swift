/// The character classes of XML 1.0 (Fifth Edition) §2.2 and §2.3, which decide what may
/// appear in a stream at all and what may appear in a name.
enum XMLCharacters {
    /// `Char`: what a document may contain, literally or through a character reference.
    static func isChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: true
        default: false
        }
    }

    /// `S`: the four whitespace characters.
    static func isSpace(_ value: UInt32) -> Bool {
        value == 0x20 || value == 0x9 || value == 0xA || value == 0xD
    }

    /// `NameStartChar`.
    static func isNameStart(_ value: UInt32) -> Bool {
        switch value {
        case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D,
            0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF,
            0xFDF0...0xFFFD, 0x1_0000...0xE_FFFF:
            true
        default: false
        }
    }

    /// `NameChar`.
    static func isName(_ value: UInt32) -> Bool {
        switch value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: isNameStart(value)
        }
    }
}
