import Foundation

/// Reads bytes in a declared charset; the charsets mail really uses, Latin-1 for the rest.
enum MIMECharset {
    static func decode(_ bytes: [UInt8], charset: String) -> String {
        switch charset.lowercased() {
        case "utf-8", "utf8", "us-ascii", "ascii", "":
            return String(decoding: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
            return String(bytes.map { Character(Unicode.Scalar($0)) })
        default:
            if let s = String(bytes: bytes, encoding: .utf8) { return s }
            return String(bytes.map { Character(Unicode.Scalar($0)) })
        }
    }
}
