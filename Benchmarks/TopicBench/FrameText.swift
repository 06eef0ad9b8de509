import BenchmarkSupport
import NIOCore

/// The topic socket's frames, told apart by their first bytes (`FrameBytes`), without a JSON
/// parser or a copy.
enum FrameText {
    static let ready = Array(#"{"_type":"ready""#.utf8)
    static let message = Array(#"{"_type":"message""#.utf8)
    static let ack = Array(#"{"_type":"ack""#.utf8)
    static let error = Array(#"{"_type":"error""#.utf8)
    static let seqKey = Array(#""seq":"#.utf8)

    static func hasPrefix(_ buffer: ByteBuffer, _ prefix: [UInt8]) -> Bool { FrameBytes.hasPrefix(buffer, prefix) }

    /// The integer after `"seq":` in a row frame.
    static func seq(_ buffer: ByteBuffer) -> Int? { FrameBytes.integer(after: seqKey, in: buffer) }
}
