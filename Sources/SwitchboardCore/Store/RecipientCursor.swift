import Foundation

/// Where a page of `QueueStore.pendingRecipients(channel:limit:after:)` ended: the last
/// recipient's place in the order (highest severity's rank, then the oldest delivery's time in
/// seconds since 1970, then address and channel in byte order, which make it unique). The
/// text is `rank_oldest_CHANNEL_ADDRESS` with both names in hexadecimal UTF-8, so no character
/// of an address can break it. A recipient whose order changes between pages (a more severe
/// message arrives, its oldest delivery leaves) may move across the cursor; one that stays put
/// is listed exactly once.
package struct RecipientCursor: Sendable, Equatable {
    package var rank: Int
    package var oldest: Double
    package var channel: String
    package var address: String

    package init(rank: Int, oldest: Double, channel: String, address: String) {
        self.rank = rank
        self.oldest = oldest
        self.channel = channel
        self.address = address
    }

    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, let rank = Int(parts[0]), Severity.allCases.indices.contains(rank), let oldest = Double(parts[1]),
            oldest.isFinite, let channel = Self.unhex(parts[2]), let address = Self.unhex(parts[3]), !address.isEmpty
        else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self.init(rank: rank, oldest: oldest, channel: channel, address: address)
    }

    package var text: String { "\(rank)_\(oldest)_\(Self.hex(channel))_\(Self.hex(address))" }

    /// Whether a recipient at this place comes after the cursor: lower rank, or the same rank
    /// and older-first order, then address and channel in byte order.
    package func precedes(rank otherRank: Int, oldest otherOldest: Double, address otherAddress: String, channel otherChannel: String) -> Bool {
        if otherRank != rank { return otherRank < rank }
        if otherOldest != oldest { return otherOldest > oldest }
        if otherAddress != address { return address.precedesInBinaryOrder(otherAddress) }
        return channel.precedesInBinaryOrder(otherChannel)
    }

    static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: Substring) -> String? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = Self.nibble(chars[i]), let low = Self.nibble(chars[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
