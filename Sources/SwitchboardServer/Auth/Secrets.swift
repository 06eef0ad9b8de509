import Crypto
import Foundation
import SwitchboardCore

/// Session and token secrets: 32 bytes from the system's CSPRNG, URL-safe base64 without
/// padding (safe in cookies and headers). Only their SHA-256 is stored, so a leaked database
/// holds no usable credential; unlike passwords they are high-entropy, so a fast hash is enough.
enum Secrets {
    static func make(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(bytes)
    }

    /// Lower-case hex SHA-256 (checked on every request: no `String(format:)` per byte).
    static func hash(_ secret: String) -> String {
        TextEncoding.hex(SHA256.hash(data: Array(secret.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `s` could be a secret we issued: cheap rejection before any store lookup.
    static func isWellFormed(_ s: String) -> Bool {
        (16...128).contains(s.utf8.count)
            && s.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
            }
    }
}
