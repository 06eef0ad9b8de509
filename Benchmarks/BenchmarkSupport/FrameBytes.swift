import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Byte-level reading of a server's JSON frames, without a JSON parser or a copy: the benches
/// tell frames apart by their first bytes and read one integer field, on the event loop,
/// for every frame of every subscriber.
public enum FrameBytes {
    /// Whether the frame starts with `prefix`.
    public static func hasPrefix(_ buffer: ByteBuffer, _ prefix: [UInt8]) -> Bool {
        buffer.withUnsafeReadableBytes { raw in
            raw.count >= prefix.count && prefix.withUnsafeBytes { memcmp(raw.baseAddress!, $0.baseAddress!, prefix.count) == 0 }
        }
    }

    /// The unsigned integer right after the first occurrence of `key` (e.g. `"seq":`), or
    /// `nil` when the key is absent or no digit follows it.
    public static func integer(after key: [UInt8], in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            let n = raw.count
            var i = 0
            while i + key.count <= n {
                var matches = true
                for k in 0..<key.count where raw[i + k] != key[k] {
                    matches = false
                    break
                }
                if matches {
                    var j = i + key.count
                    var value = 0
                    var any = false
                    while j < n, raw[j] >= 48 && raw[j] <= 57 {
                        value = value * 10 + Int(raw[j] - 48)
                        any = true
                        j += 1
                    }
                    return any ? value : nil
                }
                i += 1
            }
            return nil
        }
    }
}
