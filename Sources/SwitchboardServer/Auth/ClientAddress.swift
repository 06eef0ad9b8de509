import NIOCore

extension SwitchboardRequestContext {
    /// Whom to throttle: the peer's IP address. An IPv6 peer counts by its /64, the block one
    /// subscriber is usually given, so rotating through it does not reset the count; an
    /// IPv4-mapped IPv6 peer counts as its IPv4 address. `X-Forwarded-For` is not read: any
    /// client could set it to escape the throttle.
    var clientAddress: String {
        guard let address = remoteAddress else { return "unknown" }
        switch address {
        case .v4:
            return address.ipAddress ?? "unknown"
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            guard bytes.count == 16 else { return address.ipAddress ?? "unknown" }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            let prefix = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return prefix.joined(separator: ":") + "::/64"
        case .unixDomainSocket:
            return "local"
        }
    }
}
