import Foundation
import SwitchboardCore

/// Imports contacts from a CSV file (columns `name`, `phone`, `email`, `groups`; groups
/// separated by `;`), reporting each row: created, updated, unchanged or refused with its
/// reasons. Not tied to HTTP, so the API and the web page share it and tests drive it alone.
///
/// The whole file is read and checked first (size, UTF-8, quoting, header, row count): a file
/// that fails there changes nothing. Then each row is checked and decided on its own, so one
/// bad row never stops the others, and what the rows decided is written (`ContactImportPlan`)
/// before the report is returned.
///
/// Which contact a row is: the one that has the row's phone or email (never two different
/// ones); a row with neither address, the one contact of that name. Otherwise the row makes a
/// new contact, even when the name exists: two people may share a name. An update keeps what
/// the contact had: it takes the row's name and adds its phone, email and groups. A group the
/// file names that does not exist is created (the report lists it). Who may change a contact
/// is the API's rule (`authorize`, e.g. the addresses of a contact linked to another user).
struct ContactImport {
    /// How much one import may hold.
    struct Limits: Sendable, Equatable {
        var maxBytes = 1_048_576
        var maxRows = 5_000
    }

    let store: any DirectoryStore
    /// Throws (with a reason a person can read) when the importing user may not make this
    /// change: from the contact as it is (nil: a new one) to the contact as the row makes it.
    let authorize: (Contact?, Contact) async throws -> Void
    var limits = Limits()

    /// Reads the file into checked rows, or throws what is wrong with it as a whole.
    func read(_ bytes: some Collection<UInt8>) throws(ContactImportError) -> (header: ContactImportHeader, records: [CSVTable.Record]) {
        guard bytes.count <= limits.maxBytes else {
            throw ContactImportError(kind: .tooLarge, message: "the file is larger than \(limits.maxBytes) bytes; split it into smaller files")
        }
        let table: CSVTable
        do { table = try CSVTable(parsing: bytes, maxRecords: limits.maxRows + 1) } catch {
            if error.kind == .tooManyRecords {
                throw ContactImportError(kind: .tooManyRows, message: "the file has more than \(limits.maxRows) rows; split it into smaller files")
            }
            throw ContactImportError(kind: .notCSV, message: "not a CSV file: \(error.description)")
        }
        guard let first = table.records.first else {
            throw ContactImportError(
                kind: .badHeader,
                message: "the file is empty; its first line must name the columns (name, phone, email, groups)"
            )
        }
        return (try ContactImportHeader(first.fields), Array(table.records.dropFirst()))
    }

    /// Reads the file, decides row by row, then writes what the rows decided (the report is
    /// returned only once all of it is stored).
    func run(_ bytes: some Collection<UInt8>) async throws -> ContactImportReport {
        let (header, records) = try read(bytes)
        var state = try await State(store: store)
        var report = ContactImportReport()
        var plan = ContactImportPlan()
        for record in records {
            switch ContactImportRow.check(record, header: header) {
            case .failure(let refusal):
                report.add(.init(line: record.line, name: refusal.name, outcome: .refused, reasons: refusal.reasons))
            case .success(let row):
                let outcome = try await decide(row, &state, &plan, &report)
                report.add(outcome)
            }
        }
        try await plan.execute(on: store)
        return report
    }

    /// What the import knows of the directory, kept current as rows are written, so a later
    /// row finds a contact an earlier row made.
    struct State {
        var contacts: [String: Contact] = [:]
        var byAddress: [Address: [String]] = [:]
        var byName: [String: [String]] = [:]
        var groups: Set<String>
        var members: [String: Set<String>] = [:]

        init(store: any DirectoryStore) async throws {
            groups = Set(try await store.groups().map(\.name))
            for contact in try await store.contacts() { remember(contact) }
        }

        mutating func remember(_ contact: Contact) {
            if let old = contacts[contact.id] {
                for address in old.addresses { byAddress[address]?.removeAll { $0 == old.id } }
                byName[old.name.lowercased()]?.removeAll { $0 == old.id }
            }
            contacts[contact.id] = contact
            for address in contact.addresses { byAddress[address, default: []].append(contact.id) }
            byName[contact.name.lowercased(), default: []].append(contact.id)
        }
    }

    /// The contact a row stands for, nil for a new one, or why that cannot be told.
    func match(_ row: ContactImportRow, _ state: State) -> Result<Contact?, ContactImportRow.Refusal> {
        func refuse(_ reason: String) -> Result<Contact?, ContactImportRow.Refusal> { .failure(.init(name: row.name, reasons: [reason])) }
        var found: [(Address, Contact)] = []
        for address in [row.phone, row.email].compactMap({ $0 }) {
            let ids = state.byAddress[address] ?? []
            guard ids.count <= 1 else { return refuse("\(ids.count) contacts have \(address); edit them one by one") }
            if let id = ids.first, let contact = state.contacts[id] { found.append((address, contact)) }
        }
        if found.count == 2, found[0].1.id != found[1].1.id {
            return refuse("\(found[0].0) is \(found[0].1.name)'s and \(found[1].0) is \(found[1].1.name)'s: two different contacts")
        }
        if let contact = found.first?.1 { return .success(contact) }
        guard row.phone == nil, row.email == nil else { return .success(nil) }
        let named = state.byName[row.name.lowercased()] ?? []
        guard named.count <= 1 else { return refuse("\(named.count) contacts are named \(row.name); give a phone or email to tell them apart") }
        return .success(named.first.flatMap { state.contacts[$0] })
    }

    /// What one row does, noted in the plan and in the import's picture of the directory.
    func decide(
        _ row: ContactImportRow,
        _ state: inout State,
        _ plan: inout ContactImportPlan,
        _ report: inout ContactImportReport
    ) async throws -> ContactImportReport.Row {
        var refused = ContactImportReport.Row(line: row.line, name: row.name, outcome: .refused)
        let old: Contact?
        switch match(row, state) {
        case .failure(let refusal):
            refused.reasons = refusal.reasons
            return refused
        case .success(let contact): old = contact
        }
        var contact = old ?? Contact(name: row.name)
        contact.name = row.name
        for address in [row.phone, row.email].compactMap({ $0 }) where !contact.addresses.contains(address) {
            contact.addresses.append(address)
        }
        guard contact.addresses.count <= APIEnvironment.maxAddressesPerContact else {
            refused.reasons = ["the contact would have more than \(APIEnvironment.maxAddressesPerContact) addresses"]
            return refused
        }
        do { try await authorize(old, contact) } catch let error as APIError where error.status == .forbidden {
            refused.reasons = [error.message]
            return refused
        }
        if old == nil || contact != old { plan.write(contact, isNew: old == nil) }
        state.remember(contact)
        var joined = false
        for group in row.groups {
            if !state.groups.contains(group) {
                plan.groups.append(group)
                report.groupsCreated.append(group)
                state.groups.insert(group)
                state.members[group] = []
            }
            if state.members[group] == nil { state.members[group] = Set(try await store.members(group: group).map(\.id)) }
            if state.members[group]?.contains(contact.id) == false {
                plan.join(contact.id, group)
                state.members[group]?.insert(contact.id)
                joined = true
            }
        }
        let outcome: ContactImportReport.Row.Outcome = old == nil ? .created : (contact != old || joined ? .updated : .unchanged)
        return .init(line: row.line, name: row.name, outcome: outcome, contactID: contact.id, missing: contact.missingDetails, groups: row.groups)
    }
}
