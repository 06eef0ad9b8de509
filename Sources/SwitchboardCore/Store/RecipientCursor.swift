import Foundation

/// Where a page of `QueueStore.pendingRecipients(channel:limit:after:)` ended: the last
/// recipient's place in the order (highest severity's rank, then the oldest delivery's time in
/// seconds since 1970, then address and channel in byte order, which make it unique). Written
/// as every cursor is (`PageCursor`): `rank_oldest_CHANNEL_ADDRESS` with both names in
/// hexadecimal UTF-8, so no character of an address can break it. A recipient whose order
/// changes between pages (a more severe message arrives, its oldest delivery leaves) may move
/// across the cursor; one that stays put is listed exactly once.
package struct RecipientCursor: PageCursor {
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

    package static let layout: [CursorField.Kind] = [.integer, .time, .name, .name]

    package init?(fields: [CursorField]) {
        guard fields.count == 4, case .integer(let rank) = fields[0], Severity.allCases.indices.contains(Int(rank)),
            case .time(let oldest) = fields[1], case .name(let channel) = fields[2], case .name(let address) = fields[3], !address.isEmpty
        else { return nil }
        self.init(rank: Int(rank), oldest: oldest, channel: channel, address: address)
    }

    package var fields: [CursorField] { [.integer(Int64(rank)), .time(oldest), .name(channel), .name(address)] }

    /// Whether a recipient at this place comes after the cursor: lower rank, or the same rank
    /// and older-first order, then address and channel in byte order.
    package func precedes(rank otherRank: Int, oldest otherOldest: Double, address otherAddress: String, channel otherChannel: String) -> Bool {
        if otherRank != rank { return otherRank < rank }
        if otherOldest != oldest { return otherOldest > oldest }
        if otherAddress != address { return address.precedesInBinaryOrder(otherAddress) }
        return channel.precedesInBinaryOrder(otherChannel)
    }
}
