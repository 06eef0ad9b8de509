import BenchmarkSupport
import NIOCore

/// The inbox socket's frames, read without a JSON parser or a copy. Item frames are
/// `{"item":{…,"id":N,…},"type":"item"}` (keys sorted); a quote inside a string value is
/// escaped, so `"id":` appears only as the key.
enum InboxFrame {
    static let ready = Array(#"{"type":"ready""#.utf8)
    static let item = Array(#"{"item":"#.utf8)
    static let idKey = Array(#""id":"#.utf8)

    static func hasPrefix(_ buffer: ByteBuffer, _ prefix: [UInt8]) -> Bool { FrameBytes.hasPrefix(buffer, prefix) }

    /// The item's id of an item frame, or `nil` for another frame.
    static func itemID(_ buffer: ByteBuffer) -> Int? {
        guard hasPrefix(buffer, item) else { return nil }
        return FrameBytes.integer(after: idKey, in: buffer)
    }
}
