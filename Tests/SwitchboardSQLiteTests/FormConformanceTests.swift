import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The form and delivery-report checks against both kinds of SQLite store, and each shown to
/// fail a store with the matching bug.
@Suite("SQLiteStore conformance: forms and report notes")
struct FormConformanceTests {
    @Test(arguments: StoreKind.allCases) func formSubmissionRoundTrip(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.formSubmissionRoundTrip() }
    }

    @Test(arguments: StoreKind.allCases) func formSubmissionsPageNewestFirst(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.formSubmissionsPageNewestFirst() }
    }

    @Test(arguments: StoreKind.allCases) func formSubmissionsFollowTheirInboxItem(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.formSubmissionsFollowTheirInboxItem() }
    }

    @Test func failsAStoreThatShowsEveryFormToEveryone() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .showsEveryForm) }
        await #expect(throws: ConformanceFailure.self) { try await suite.formSubmissionsFollowTheirInboxItem() }
    }

    @Test(arguments: StoreKind.allCases) func noteStatusKeepsTheStatus(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.noteStatusKeepsTheStatus() }
    }

    @Test func failsAStoreThatIgnoresTheFormCursor() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .ignoreCursor) }
        await #expect(throws: ConformanceFailure.self) { try await suite.formSubmissionsPageNewestFirst() }
    }

    @Test func failsAStoreThatLosesReportNotesOrRecordsStaleOnes() async throws {
        for fault in [MisbehavingStore.Fault.queue(.forgetHistory), .swallowFinishErrors] {
            let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: fault) }
            await #expect(throws: ConformanceFailure.self, "\(fault)") { try await suite.dispatch.noteStatusKeepsTheStatus() }
        }
    }

    @Test func aSubmissionSurvivesReopeningTheFile() async throws {
        let scratch = try ScratchDirectory()
        let path = scratch.newStorePath()
        let store = try SQLiteStore(directory: path)
        let message = Message(
            direction: .inbound,
            text: "<data><a>1</a></data>",
            sender: "sms:+4712345678",
            origin: Origin(connector: "kannel", from: .sms("+4712345678"))
        )
        try await store.recordInbound(message)
        let form = FormSubmission(messageID: message.id, formID: "data", fields: [FormField(path: "a", value: "1")], receivedAt: Date())
        try await store.recordSubmission(form)
        #expect(try await store.formSubmission(id: form.id, viewer: .unrestricted) != nil)
        let reopened = try SQLiteStore(directory: path)
        #expect(try await reopened.formSubmission(messageID: message.id, viewer: .unrestricted)?.fields == [FormField(path: "a", value: "1")])
        _ = consume scratch
    }
}

@Suite("SQLiteStore conformance: replay keys")
struct ReplayConformanceTests {
    @Test(arguments: StoreKind.allCases) func replayKeysCommitOnce(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.replayKeysCommitOnce() }
    }
}
