import Foundation

/// The file names and contents of gammu-smsd's files backend (Gammu manual, "Files backend"):
/// what the `gammu` engine writes into the outbox and reads from the inbox.
///
/// ```
/// outbox: OUT<priority><YYYYMMDD>_<HHMMSS>_<serial>_<number>_<anything>.txt[d]   (d: delivery report)
/// inbox:  IN<YYYYMMDD>_<HHMMSS>_<serial>_<number>_<part>.txt (text) | .bin (8-bit)
/// ```
///
/// Text goes both ways as UTF-16 with a byte-order mark (`OutboxFormat = unicode`,
/// `InboxFormat = unicode`); an inbox file without a mark is read as UTF-8 (`standard`).
package enum GammuFiles {
    /// The outbox file for one delivery: priority A, the time, the number, the delivery id.
    package static func outboxName(number: String, deliveryID: String, at date: Date, deliveryReport: Bool) -> String {
        let stamp = timestamp(date)
        let id = String(deliveryID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" })
        return "OUTA\(stamp)_00_\(number)_\(id).txt" + (deliveryReport ? "d" : "")
    }

    /// UTF-16LE with a byte-order mark, as gammu-smsd reads `OutboxFormat = unicode`.
    package static func outboxContent(_ text: String) -> Data {
        var data = Data([0xFF, 0xFE])
        for unit in text.utf16 {
            data.append(UInt8(unit & 0xFF))
            data.append(UInt8(unit >> 8))
        }
        return data
    }

    /// One inbox file's name, read.
    package struct InboxName: Sendable, Equatable {
        /// Everything before the part number: the same for every part of one message.
        package var message: String
        package var sender: String
        package var part: Int
        package var binary: Bool
    }

    /// `IN20021130_021531_00_+45409000931640979_00.txt` → its fields; nil for another name.
    package static func inboxName(_ name: String) -> InboxName? {
        guard name.hasPrefix("IN"), let dot = name.lastIndex(of: ".") else { return nil }
        let ext = name[name.index(after: dot)...]
        guard ext == "txt" || ext == "bin" else { return nil }
        let fields = name[name.index(name.startIndex, offsetBy: 2)..<dot].split(separator: "_", omittingEmptySubsequences: false)
        guard fields.count >= 5, let part = Int(fields[fields.count - 1]) else { return nil }
        let sender = fields[3..<(fields.count - 1)].joined(separator: "_")
        guard !sender.isEmpty else { return nil }
        let stem = name[..<dot]
        guard let lastUnderscore = stem.lastIndex(of: "_") else { return nil }
        let message = String(stem[..<lastUnderscore])
        return InboxName(message: message, sender: sender, part: part, binary: ext == "bin")
    }

    /// An inbox file's text: UTF-16 by its byte-order mark, else UTF-8; up to the first NUL.
    /// 8-bit messages (`.bin`) come as hex.
    package static func inboxText(_ data: Data, binary: Bool) -> String {
        if binary { return data.map { String(format: "%02X", $0) }.joined() }
        let bytes = [UInt8](data)
        var text: String
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            let bigEndian = bytes[0] == 0xFE
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count {
                units.append(bigEndian ? UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) : UInt16(bytes[i + 1]) << 8 | UInt16(bytes[i]))
                i += 2
            }
            text = String(decoding: units, as: UTF16.self)
        } else {
            text = String(decoding: bytes, as: UTF8.self)
        }
        // gammu-smsd writes a fixed-size buffer: the text ends at the first NUL, and what follows
        // it is not always zeros.
        if let nul = text.unicodeScalars.firstIndex(of: "\u{0}") { text = String(text.unicodeScalars[..<nul]) }
        return text
    }

    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { v.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 2000)\(two(c.month))\(two(c.day))_\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }
}
