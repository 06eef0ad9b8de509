import Foundation

/// The interface's texts, by key, from one catalog file (`Resources/web/texts.en.json`): the
/// templates and the pages' code never spell a sentence themselves, so a translation is a
/// second file with the same keys. Keys are flat (`inbox_mark_read`), since Mustache reads a
/// dot as a path.
struct WebTexts: Sendable {
    let entries: [String: String]

    init(json: Data) throws {
        entries = try JSONDecoder().decode([String: String].self, from: json)
    }

    /// The text for `key`; the key itself when the catalog lacks it (a test holds the
    /// templates and the code to the catalog).
    subscript(_ key: String) -> String { entries[key] ?? key }
}
