import Crypto
import Foundation
import SwitchboardCore

/// The `webhook` engine's signature, the same both ways (Stripe's scheme, under our header):
///
/// ```
/// X-Switchboard-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
///
/// v1 = hex(HMAC-SHA256(key: secret, message: "<t>" + "." + <the exact body bytes>))
/// ```
///
/// `t` is the sender's clock in Unix seconds. Signing it with the body lets a receiver refuse
/// requests older (or newer) than its tolerance, and within the tolerance refuse a signature
/// it has seen (a replay): together nobody who recorded a request can have it accepted again.
/// The body is signed as sent, byte for byte, so the receiver verifies before parsing and no
/// JSON canonicalisation is needed. Several `v1=` may be given (while a secret is rotated);
/// any one matching proves the request. Other keys (`v0=`…) are ignored, for later schemes.
/// The comparison is HMAC's own constant-time check, so timing tells nothing of a guess.
package struct WebhookSignature: Sendable {
    package static let headerName = "X-Switchboard-Signature"

    private let key: SymmetricKey

    package init(secret: String) { key = SymmetricKey(data: Data(secret.utf8)) }

    /// The lower-case hex `v1` value for `body` signed at `timestamp`.
    package func signature(body: some Collection<UInt8>, timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.signedBytes(body: body, timestamp: timestamp), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The whole header value: `t=<timestamp>,v1=<signature>`.
    package func header(body: some Collection<UInt8>, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(signature(body: body, timestamp: timestamp))"
    }

    /// Proves a request: the header parses, one `v1` matches, and `t` is within `tolerance` of
    /// `now` (either way: a clock ahead is as suspect as one behind).
    package func verify(header: String?, body: some Collection<UInt8>, now: Date, tolerance: TimeInterval) throws(SwitchboardError) -> WebhookProof {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Self.refusal(
                "missing_signature",
                "the \(Self.headerName) header is missing; send t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">"
            )
        }
        let (timestamp, candidates) = try Self.parse(header)
        let signed = Self.signedBytes(body: body, timestamp: timestamp)
        guard let match = candidates.first(where: { HMAC<SHA256>.isValidAuthenticationCode($0.bytes, authenticating: signed, using: key) }) else {
            throw Self.refusal("bad_signature", "no v1 signature in \(Self.headerName) matches the body and timestamp with this connector's secret")
        }
        let age = now.timeIntervalSince1970 - Double(timestamp)
        guard abs(age) <= tolerance else {
            let how = age > 0 ? "\(Int(age)) s old" : "\(Int(-age)) s in the future"
            throw Self.refusal(
                "stale_signature",
                "the signed timestamp t=\(timestamp) is \(how); at most \(Int(tolerance)) s either way is accepted (check the sender's clock)"
            )
        }
        return WebhookProof(
            timestamp: Date(timeIntervalSince1970: Double(timestamp)),
            signature: match.hex,
            rememberUntil: Date(timeIntervalSince1970: Double(timestamp) + tolerance + 1)
        )
    }

    /// `t` and every well-formed `v1` of a header; `malformed_signature` naming the fault otherwise.
    static func parse(_ header: String) throws(SwitchboardError) -> (Int, [(hex: String, bytes: [UInt8])]) {
        var timestamp: Int?
        var candidates: [(hex: String, bytes: [UInt8])] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { throw refusal("malformed_signature", "\(headerName) has '\(part.prefix(40))', not key=value") }
            switch kv[0] {
            case "t":
                guard timestamp == nil else { throw refusal("malformed_signature", "\(headerName) gives t more than once") }
                guard (1...12).contains(kv[1].count), kv[1].allSatisfy({ $0.isASCII && $0.isNumber }), let t = Int(kv[1]) else {
                    throw refusal("malformed_signature", "t in \(headerName) must be Unix seconds (digits only)")
                }
                timestamp = t
            case "v1":
                guard let bytes = hexBytes(kv[1]), bytes.count == SHA256.byteCount else {
                    throw refusal("malformed_signature", "v1 in \(headerName) must be 64 hex digits (HMAC-SHA256)")
                }
                candidates.append((kv[1].lowercased(), bytes))
            default:
                continue
            }
        }
        guard let timestamp else { throw refusal("malformed_signature", "\(headerName) has no t=<unix seconds>") }
        guard !candidates.isEmpty else { throw refusal("malformed_signature", "\(headerName) has no v1=<signature>") }
        return (timestamp, candidates)
    }

    static func signedBytes(body: some Collection<UInt8>, timestamp: Int) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func refusal(_ code: String, _ message: String) -> SwitchboardError { SwitchboardError(.unauthorized, code: code, message) }
}
