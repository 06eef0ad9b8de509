import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import Testing

@testable import SwitchboardSQLite

/// The checkpointer runs in the service group and stops on its graceful shutdown, copying
/// back what the services stopped before it wrote.
@Suite struct CheckpointerTests {
    @Test func gracefulShutdownStopsItAfterOneLastCheckpointOfEverythingWritten() async throws {
        let scratch = try ScratchDirectory()
        let store = try SQLiteStore(directory: scratch.newStorePath())
        let path = try #require(store.configuration.path)
        // An hour between checkpoints: only the one at shutdown runs during the test.
        let checkpointer = try Checkpointer(path: path, interval: .seconds(3600), busyTimeout: 5)
        let group = ServiceGroup(configuration: .init(services: [checkpointer], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for i in 0..<20 {
                try await store.createUser(UserAccount(username: "user\(i)", role: .user, passwordHash: "h"))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let last = try #require(checkpointer.lastCheckpoint)
        #expect(last.log > 0 && last.copied == last.log, "\(last)")
        _ = consume scratch
    }
}
