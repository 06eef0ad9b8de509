import Foundation
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The two ways the hub opens SQLite: a private in-memory database (tests) and a WAL file
/// pool (production). Every conformance check runs against both, because they take different
/// GRDB code paths (DatabaseQueue vs DatabasePool).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, file
    var testDescription: String { rawValue }
}

/// A scratch directory removed when the test ends.
struct ScratchDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-sqlite-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A fresh database directory inside the scratch directory.
    func newStorePath() -> String { url.appendingPathComponent(UUID().uuidString, isDirectory: true).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a conformance suite whose stores are of `kind`, cleaning up files after.
func withConformance(_ kind: StoreKind, _ body: (StoreConformance) async throws -> Void) async throws {
    let scratch = try ScratchDirectory()
    let root = scratch.url
    let suite = StoreConformance {
        switch kind {
        case .memory: try SQLiteStore.inMemory()
        case .file: try SQLiteStore(directory: root.appendingPathComponent(UUID().uuidString, isDirectory: true).path)
        }
    }
    try await body(suite)
    _ = consume scratch
}
