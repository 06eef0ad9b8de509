import Foundation

/// What an import did, row by row, so the person who uploaded the file can fix and resend
/// exactly the refused rows; the totals let a script check the outcome at a glance.
struct ContactImportReport: Encodable, Equatable {
    /// One data row of the file and what became of it.
    struct Row: Encodable, Equatable {
        enum Outcome: String, Encodable {
            case created, updated, unchanged, refused
        }

        /// The line of the file the row starts on (the header is line 1).
        var line: Int
        var name: String
        var outcome: Outcome
        /// The contact created or updated; absent when refused.
        var contactID: String?
        /// Why the row was refused, each reason naming the field.
        var reasons: [String] = []
        /// `phone`, `email`: what the contact lacks after the import (they will not get SMS,
        /// or email and rich messages).
        var missing: [String] = []
        /// The groups the contact is in from this row.
        var groups: [String] = []
    }

    var created = 0
    var updated = 0
    var unchanged = 0
    var refused = 0
    /// Groups the file named that did not exist, created by this import.
    var groupsCreated: [String] = []
    var rows: [Row] = []

    mutating func add(_ row: Row) {
        switch row.outcome {
        case .created: created += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        case .refused: refused += 1
        }
        rows.append(row)
    }
}

/// A file that cannot be imported at all; nothing of it was imported.
struct ContactImportError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// Larger than the byte limit (413).
        case tooLarge
        /// Not a CSV table (400): not UTF-8, NUL, quotes that do not close.
        case notCSV
        /// A header that is missing, lacks `name`, or names unknown or repeated columns (422).
        case badHeader
        /// More data rows than the row limit (422).
        case tooManyRows
    }

    var kind: Kind
    var message: String

    var code: String {
        switch kind {
        case .tooLarge: "csv_too_large"
        case .notCSV: "invalid_csv"
        case .badHeader: "invalid_csv_header"
        case .tooManyRows: "too_many_rows"
        }
    }

    var description: String { message }
}
