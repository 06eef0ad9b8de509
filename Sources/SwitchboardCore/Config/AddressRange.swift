import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One IP address or a CIDR block (`10.0.0.0/8`, `::1`, `fd00::/8`), as `server.trusted_proxies`
/// lists them. IPv4 addresses seen as IPv4-mapped IPv6 (`::ffff:10.1.2.3`) match IPv4 blocks.
package struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The network's bytes (4 or 16) and how many leading bits count.
    package let bytes: [UInt8]
    package let prefix: Int
    package let description: String

    /// Parses `address` or `address/prefix`; nil when it is neither.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let bytes = Self.parse(parts[0]) else { return nil }
        let width = bytes.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...width).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = width
        }
        self.bytes = bytes
        description = text
    }

    /// Whether `address` (an IP address as text) lies in this range.
    package func contains(_ address: String) -> Bool {
        guard var other = Self.parse(address) else { return false }
        if other.count == 16, bytes.count == 4, other[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF][...] {
            other = Array(other[12...])
        }
        guard other.count == bytes.count else { return false }
        var bits = prefix
        for (a, b) in zip(bytes, other) where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            guard a & mask == b & mask else { return false }
            bits -= 8
        }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
