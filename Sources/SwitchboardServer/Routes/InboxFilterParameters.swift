import Foundation
import Hummingbird
import SwitchboardCore

/// The inbox filters as query parameters, read the same way by the API (`GET /api/v1/inbox`)
/// and the inbox pages: `channel`, `connector`, `q` (text), `since` and `until` (a date
/// `2026-12-06`, read as that UTC day, `until` inclusive; or an ISO-8601 time).
enum InboxFilterParameters {
    static let names: Set<String> = ["channel", "connector", "q", "since", "until"]
    static let maxTextLength = 200

    static func parse(_ query: QueryParameters, rawQuery: String?) throws -> InboxFilter {
        var filter = InboxFilter()
        filter.channel = query.string("channel").map { ChannelName($0) }
        filter.connector = query.string("connector")
        if query.string("q") != nil, let text = formValue("q", in: rawQuery), !text.isEmpty {
            guard text.unicodeScalars.count <= maxTextLength else {
                throw APIError.badRequest("invalid_parameter", "query parameter 'q' may have at most \(maxTextLength) characters")
            }
            filter.text = text
        }
        filter.receivedSince = try query.string("since").map { try time($0, name: "since", endOfDay: false) }
        filter.receivedBefore = try query.string("until").map { try time($0, name: "until", endOfDay: true) }
        return filter
    }

    /// A parameter read as an HTML form sends it: `+` is a space (a search box's words), `%2B`
    /// a plus sign.
    static func formValue(_ name: String, in rawQuery: String?) -> String? {
        guard let rawQuery else { return nil }
        for item in rawQuery.split(separator: "&") where item.hasPrefix(name + "=") {
            return String(item.dropFirst(name.count + 1)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    /// A day (`since` from its start, `until` to its end) or an exact ISO-8601 time.
    static func time(_ text: String, name: String, endOfDay: Bool) throws -> Date {
        if let day = try? Date.ISO8601FormatStyle().year().month().day().parse(text) {
            return endOfDay ? day.addingTimeInterval(86_400) : day
        }
        if let exact = try? JSONCoding.dateStyle.parse(text) ?? Date.ISO8601FormatStyle().parse(text) {
            return exact
        }
        throw APIError.badRequest(
            "invalid_parameter",
            "query parameter '\(name)' must be a date such as 2026-12-06 or a time such as 2026-12-06T08:00:00Z, not '\(text)'"
        )
    }

    /// The filter back as query items, for links that keep it (paging, "clear").
    static func items(_ filter: InboxFilter, raw: (since: String?, until: String?)) -> [(String, String)] {
        var items: [(String, String)] = []
        if let channel = filter.channel { items.append(("channel", channel.rawValue)) }
        if let connector = filter.connector { items.append(("connector", connector)) }
        if let text = filter.text { items.append(("q", text)) }
        if let since = raw.since { items.append(("since", since)) }
        if let until = raw.until { items.append(("until", until)) }
        return items
    }
}
