/// A place in a conversation's `data`: `incident.where` is the member `where` of the object
/// `incident`. Declared steps save their answers at one (`save_as`), so answers can be
/// grouped the way a summary template or a form wants to read them.
package struct DataPath: Sendable, Hashable, CustomStringConvertible {
    package var segments: [String]
    package init(_ segments: [String]) { self.segments = segments }

    /// Reads `a.b.c`: 1-64 letters, digits, `_` or `-` per segment, not starting with `_`
    /// (names starting with `_` are the responder's own bookkeeping); `nil` otherwise.
    package init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy(Self.isSegment) else { return nil }
        segments = parts
    }

    static func isSegment(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.first != UInt8(ascii: "_")
            && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    package var description: String { segments.joined(separator: ".") }

    /// Whether one path lies inside the other (or they are equal): saving at both would
    /// overwrite one with the other.
    package func overlaps(_ other: DataPath) -> Bool {
        let n = min(segments.count, other.segments.count)
        return Array(segments.prefix(n)) == Array(other.segments.prefix(n))
    }

    /// The value at this path in `data`, if there is one.
    package func value(in data: [String: JSONValue]) -> JSONValue? {
        var current = JSONValue.object(data)
        for segment in segments {
            guard case .object(let members) = current, let next = members[segment] else { return nil }
            current = next
        }
        return current
    }

    /// `data` with `value` at this path, making (or replacing by) objects on the way.
    package func set(_ value: JSONValue, in data: inout [String: JSONValue]) {
        Self.set(value, at: segments[...], in: &data)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in data: inout [String: JSONValue]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            data[first] = value
            return
        }
        var inner: [String: JSONValue] = [:]
        if case .object(let members) = data[first] { inner = members }
        data[first] = nil  // so `inner` is the only reference while it changes
        set(value, at: path.dropFirst(), in: &inner)
        data[first] = .object(inner)
    }
}
