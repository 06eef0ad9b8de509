import SwitchboardCore

/// One alert waiting for the same phone, as the packer sees it.
package struct PackItem: Sendable, Equatable, Codable {
    package var id: String
    package var text: String
    package var severity: Severity
    package init(id: String, text: String, severity: Severity = .info) {
        self.id = id
        self.text = text
        self.severity = severity
    }
}

/// What one packed SMS holds: its text, the alerts it carries and the ones left out.
package struct PackResult: Sendable, Equatable, Codable {
    package var text: String
    /// Ids of the alerts in `text`, in the order they appear.
    package var sent: [String]
    /// Ids of the alerts that did not fit; they are only counted in the ` +N see web.` note.
    package var ignored: [String]
    package init(text: String, sent: [String], ignored: [String]) {
        self.text = text
        self.sent = sent
        self.ignored = ignored
    }

    /// True when no alert made it into the SMS (nothing given, or the most severe one is too
    /// long): `text` is then the note alone, or empty.
    package var isEmpty: Bool { sent.isEmpty }
}

/// How alerts are packed into one SMS.
package enum PackingMode: String, Sendable, Codable, CaseIterable {
    /// NAV smsd's `formatsms`, exactly: 160 characters counted as code points, whatever the encoding.
    case nav
    /// By what the network charges: GSM septets or UCS-2 units, up to `maxParts` parts.
    case segments
}

/// Packs several alerts for one phone into one SMS, most severe first, so a burst of alarms
/// costs one message and the worst news is never the part cut off.
///
/// Items are sorted by severity, most severe first; items of equal severity keep their
/// input order (give them oldest first), as NAV's queue (`ORDER BY severity, time`) does.
///
/// **nav** is NAV smsd's `Dispatcher.formatsms` (`python/nav/smsd/dispatcher.py`), with
/// lengths in Unicode code points (Python 3 `len`). For message *n* of *N* a candidate text
/// is built: message 1 alone; at 2, `"1: " + text so far + "; 2: " + message 2`; after that
/// `text so far + "; n: " + message n`. The candidate is taken when its whole length is
/// less than 160 − 15 (15 kept for the note), or less than 160 for the last message, which
/// needs no note. The first message that does not fit stops the packing: it and every later
/// one are ignored, and `" +K see web."` (K = how many, with its leading space) ends the
/// text, also when nothing fit. So when message 2 does not fit, message 1 stays unnumbered
/// (`A +4 see web.`), and a lone message of 160 characters or more is ignored, not cut
/// (` +1 see web.`).
///
/// **segments** counts with `SMSEncoding` (7-bit septets, or UCS-2 as soon as any character
/// needs it, which shrinks the room for everything): item *i* fits when the text of items
/// 1...i (`1: A; 2: B`), followed by the note ` +N see web.` for the items after it (if
/// any), goes in `maxParts` SMS. A lone item is sent unnumbered, cut (whole characters) to
/// `maxParts` SMS when longer.
package struct SMSPacker: Sendable {
    package var mode: PackingMode
    /// Concatenated parts one packed SMS may take (segments mode only); at least 1.
    package var maxParts: Int

    /// NAV's `maxlen`: one SMS of 160 characters.
    package static let navLimit = 160
    /// NAV's `ignlen`: characters kept for the note, except while adding the last message.
    package static let navReserved = 15

    package init(mode: PackingMode = .nav, maxParts: Int = 1) {
        self.mode = mode
        self.maxParts = max(1, maxParts)
    }

    package func pack(_ items: [PackItem]) -> PackResult {
        let sorted = Self.mostSevereFirst(items)
        switch mode {
        case .nav: return packNAV(sorted)
        case .segments: return packSegments(sorted)
        }
    }

    /// Most severe first; equal severities keep their order.
    static func mostSevereFirst(_ items: [PackItem]) -> [PackItem] {
        items.enumerated()
            .sorted { $0.element.severity != $1.element.severity ? $0.element.severity > $1.element.severity : $0.offset < $1.offset }
            .map(\.element)
    }

    /// `formatsms`, step by step; `items` are sorted already.
    func packNAV(_ items: [PackItem]) -> PackResult {
        var sms = ""
        var sent: [String] = []
        var ignored: [String] = []
        for (index, item) in items.enumerated() {
            guard ignored.isEmpty else {
                // Once one did not fit, NAV ignores every later message whatever its length.
                ignored.append(item.id)
                continue
            }
            let number = index + 1
            let reserved = number == items.count ? 0 : Self.navReserved
            let candidate =
                switch number {
                case 1: item.text
                case 2: "1: \(sms); 2: \(item.text)"
                default: "\(sms); \(number): \(item.text)"
                }
            if candidate.unicodeScalars.count < Self.navLimit - reserved {
                sms = candidate
                sent.append(item.id)
            } else {
                ignored.append(item.id)
            }
        }
        if !ignored.isEmpty { sms += " +\(ignored.count) see web." }
        return PackResult(text: sms, sent: sent, ignored: ignored)
    }

    func packSegments(_ items: [PackItem]) -> PackResult {
        guard items.count > 1 else {
            guard let only = items.first else { return PackResult(text: "", sent: [], ignored: []) }
            return PackResult(text: SMSEncoding.truncate(only.text, toParts: maxParts), sent: [only.id], ignored: [])
        }
        var count = 0
        for i in items.indices {
            guard SMSEncoding.fits(render(items, i + 1), maxParts: maxParts) else { break }
            count = i + 1
        }
        return PackResult(text: render(items, count), sent: items.prefix(count).map(\.id), ignored: items.dropFirst(count).map(\.id))
    }

    /// `1: A; 2: B` for the first `count` items, then the note for the rest.
    func render(_ items: [PackItem], _ count: Int) -> String {
        let body = items.prefix(count).enumerated().map { "\($0.offset + 1): \($0.element.text)" }.joined(separator: "; ")
        let left = items.count - count
        guard left > 0 else { return body }
        return body.isEmpty ? "+\(left) see web." : "\(body) +\(left) see web."
    }
}

extension SMSPacker {
    /// This packer in the shape the hub's dispatcher takes, which sends `text` for every
    /// batch of messages waiting for one phone and records `sent` as sent and `ignored` as
    /// ignored once it went out.
    ///
    /// `nav` is NAV smsd end to end: every batch, a lone message too, is formatted by
    /// `formatsms` and its text is sent even when it is only the note (` +2 see web.`).
    /// `segments` keeps a lone message whole (the gateway splits it into parts), and when
    /// not even the most severe fits beside the note it sends that one alone, cut to
    /// `maxParts`, while the others wait for the next round (in neither list).
    package var messagePacker: MessagePacker {
        MessagePacker { items in
            let packItems = items.map { PackItem(id: $0.id, text: $0.text, severity: $0.severity) }
            if mode == .segments {
                if packItems.count == 1 { return MessagePacker.Packed(text: packItems[0].text, sent: [packItems[0].id], ignored: []) }
                let r = pack(packItems)
                if r.sent.isEmpty, let first = Self.mostSevereFirst(packItems).first {
                    return MessagePacker.Packed(text: SMSEncoding.truncate(first.text, toParts: maxParts), sent: [first.id], ignored: [])
                }
                return MessagePacker.Packed(text: r.text, sent: r.sent, ignored: r.ignored)
            }
            let r = pack(packItems)
            return MessagePacker.Packed(text: r.text, sent: r.sent, ignored: r.ignored)
        }
    }
}
