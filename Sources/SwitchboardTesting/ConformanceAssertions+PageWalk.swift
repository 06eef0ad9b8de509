import Foundation
import SwitchboardCore

extension ConformanceAssertions {
    /// Walks a listing from its first page to its last, `limit` at a time, and returns the keys
    /// of what it listed, in order: the walk every paging check makes, once. `page` reads the
    /// page after a cursor (`nil`: the first) as its items' keys and its `nextCursor`; each must
    /// hold at most `limit`. `betweenPages` runs after each page with the number of pages read
    /// so far: the rows added or changed before and after the cursor that the walk must list
    /// once or not at all. A store whose cursor never ends stops after 20 pages and fails the
    /// check on what it listed, rather than hanging.
    func walkPages<Key>(
        limit: Int,
        check: String = #function,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ page: (_ limit: Int, _ cursor: String?) async throws -> (keys: [Key], nextCursor: String?),
        betweenPages: (_ pagesRead: Int) async throws -> Void = { _ in }
    ) async throws -> [Key] {
        var walked: [Key] = []
        var cursor: String?
        var pages = 0
        repeat {
            let (keys, next) = try await page(limit, cursor)
            try expectTrue(keys.count <= limit, "a page holds at most the limit", check: check, file: file, line: line)
            walked += keys
            cursor = next
            pages += 1
            try await betweenPages(pages)
        } while cursor != nil && pages < 20
        return walked
    }
}
