import SwitchboardCore

/// One alert waiting for the same phone, as the packer sees it.
public struct PackItem: Sendable, Equatable, Codable {
    public var id: String
    public var text: String
    public var severity: Severity
    public init(id: String, text: String, severity: Severity = .info) {
        self.id = id
        self.text = text
        self.severity = severity
    }
}

/// What one packed SMS holds: its text, the alerts it carries and the ones left out.
public struct PackResult: Sendable, Equatable, Codable {
    public var text: String
    /// Ids of the alerts in `text`, in the order they appear.
    public var sent: [String]
    /// Ids of the alerts that did not fit; they are only counted in the ` +N see web.` note.
    public var ignored: [String]
    public init(text: String, sent: [String], ignored: [String]) {
        self.text = text
        self.sent = sent
        self.ignored = ignored
    }

    /// True when no alert made it into the SMS (nothing given, or with several alerts the most
    /// severe one alone is too long). The dispatcher then sends that one by itself.
    public var isEmpty: Bool { sent.isEmpty }
}

/// How alerts are packed into one SMS.
public enum PackingMode: String, Sendable, Codable, CaseIterable {
    /// NAV smsd's `formatsms`: 160 characters counted as code points, whatever the encoding.
    case nav
    /// By what the network charges: GSM septets or UCS-2 units, up to `maxParts` parts.
    case segments
}

/// Packs several alerts for one phone into one SMS, most severe first, so a burst of alarms
/// costs one message and the worst news is never the part cut off.
///
/// Items are sorted by severity, most severe first; items of equal severity keep their
/// input order (give them oldest first). Several items are written `1: A; 2: B` (numbered
/// after sorting, `; ` between them, none after the last). Packing stops at the first item
/// that does not fit; it and every later item are ignored and the note ` +N see web.`
/// (N = how many were ignored) ends the text. A lone item is sent as it is, unnumbered.
///
/// **nav** reproduces the decisions of NAV smsd's `formatsms`, with lengths in Unicode code
/// points (Python 3 `len`):
/// - one item: its text, cut to 160 code points;
/// - several: item *i* (1-based) fits when `used + len(text_i) < 145` (160 with 15 reserved
///   for the note), where `used` is the length smsd's accumulator would have: the sum of
///   `len("k: text_k; ")` over the items already packed. The test ignores the `i: ` prefix
///   of the item being added, exactly as smsd does;
/// - the whole text is finally cut to 160 code points, which can clip the end of the note.
///
/// Two deliberate departures from smsd's rendering, taken from the issue: no trailing `; `
/// after the last item, and a space before the note (`1: A; 2: B +3 see web.`, where smsd
/// writes `1: A; 2: B; +3 see web.`). When nothing fits the text is the note alone
/// (`+3 see web.`). As in smsd, with two or more items a first item too long for the test
/// means nothing is packed and all are ignored; `PackResult.isEmpty` tells the caller to
/// send that item alone instead.
///
/// **segments** counts with `SMSEncoding` (7-bit septets, or UCS-2 as soon as any character
/// needs it, which shrinks the room for everything): item *i* fits when the text of items
/// 1...i, followed by the note for the items after it (if any), goes in `maxParts` SMS. A
/// lone item longer than `maxParts` SMS is cut (whole characters) to fit, and still counts
/// as sent.
public struct SMSPacker: Sendable {
    public var mode: PackingMode
    /// Concatenated parts one packed SMS may take (segments mode only); at least 1.
    public var maxParts: Int

    /// NAV's limit: one SMS of 160 characters, 15 of them kept for the note.
    public static let navLimit = 160, navReserved = 15

    public init(mode: PackingMode = .nav, maxParts: Int = 1) {
        self.mode = mode
        self.maxParts = max(1, maxParts)
    }

    public func pack(_ items: [PackItem]) -> PackResult {
        let sorted = items.enumerated()
            .sorted { $0.element.severity != $1.element.severity ? $0.element.severity > $1.element.severity : $0.offset < $1.offset }
            .map(\.element)
        switch sorted.count {
        case 0: return PackResult(text: "", sent: [], ignored: [])
        case 1:
            let text = mode == .nav ? Self.prefix(sorted[0].text, Self.navLimit) : SMSEncoding.truncate(sorted[0].text, toParts: maxParts)
            return PackResult(text: text, sent: [sorted[0].id], ignored: [])
        default:
            return mode == .nav ? packNAV(sorted) : packSegments(sorted)
        }
    }

    func packNAV(_ items: [PackItem]) -> PackResult {
        var used = 0  // smsd's len(sms)
        var count = 0
        for (i, item) in items.enumerated() {
            let length = item.text.unicodeScalars.count
            guard used + length < Self.navLimit - Self.navReserved else { break }
            used += "\(i + 1): ".unicodeScalars.count + length + 2
            count += 1
        }
        var packed = result(items, count)
        packed.text = Self.prefix(packed.text, Self.navLimit)
        return packed
    }

    func packSegments(_ items: [PackItem]) -> PackResult {
        var count = 0
        for i in items.indices {
            guard SMSEncoding.fits(render(items, i + 1), maxParts: maxParts) else { break }
            count = i + 1
        }
        return result(items, count)
    }

    /// `1: A; 2: B` for the first `count` items, then the note for the rest.
    func render(_ items: [PackItem], _ count: Int) -> String {
        let body = items.prefix(count).enumerated().map { "\($0.offset + 1): \($0.element.text)" }.joined(separator: "; ")
        let left = items.count - count
        guard left > 0 else { return body }
        return body.isEmpty ? "+\(left) see web." : "\(body) +\(left) see web."
    }

    func result(_ items: [PackItem], _ count: Int) -> PackResult {
        PackResult(text: render(items, count), sent: items.prefix(count).map(\.id), ignored: items.dropFirst(count).map(\.id))
    }

    /// The first `limit` Unicode scalars of `text` (Python's `s[:limit]`).
    static func prefix(_ text: String, _ limit: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.unicodeScalars.prefix(limit))
        return String(view)
    }
}

extension SMSPacker {
    /// This packer in the shape the hub's dispatcher takes.
    public var messagePacker: MessagePacker {
        MessagePacker { items in
            let r = pack(items.map { PackItem(id: $0.id, text: $0.text, severity: $0.severity) })
            return MessagePacker.Packed(text: r.text, sent: r.sent, ignored: r.ignored)
        }
    }
}
