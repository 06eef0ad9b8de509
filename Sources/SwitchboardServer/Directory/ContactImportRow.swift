import Foundation
import SwitchboardCore

/// The header of an import file: which column holds what. Only `name` is required; columns
/// may come in any order, in any letter case; an unknown or repeated column refuses the file,
/// since silently dropping a column would lose what the person meant to import.
struct ContactImportHeader: Equatable {
    static let columns = ["name", "phone", "email", "groups"]

    var index: [String: Int]
    var count: Int

    init(_ fields: [String]) throws(ContactImportError) {
        index = [:]
        count = fields.count
        for (position, raw) in fields.enumerated() {
            let column = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard Self.columns.contains(column) else {
                var message = "unknown column '\(raw)' in the header; the columns are \(Self.columns.joined(separator: ", "))"
                if fields.count == 1, raw.contains(";") {
                    message = "the header has no comma; separate the columns with commas (save as \"CSV UTF-8 (comma delimited)\")"
                }
                throw ContactImportError(kind: .badHeader, message: message)
            }
            guard index[column] == nil else {
                throw ContactImportError(kind: .badHeader, message: "the column '\(column)' appears twice in the header")
            }
            index[column] = position
        }
        guard index["name"] != nil else {
            throw ContactImportError(kind: .badHeader, message: "the header has no 'name' column; the first line must name the columns")
        }
    }
}

/// One data row, checked on its own: the values it stands for, or every reason it is refused.
/// The rules are the API's (`contactName`, the address parser, group names).
struct ContactImportRow: Equatable {
    var line: Int
    var name: String
    var phone: Address?
    var email: Address?
    var groups: [String]

    /// The row's values, or the reasons it cannot be imported (and its name as written, for
    /// the report).
    static func check(_ record: CSVTable.Record, header: ContactImportHeader) -> Result<ContactImportRow, Refusal> {
        func field(_ column: String) -> String {
            guard let position = header.index[column], position < record.fields.count else { return "" }
            return record.fields[position]
        }
        let rawName = field("name")
        var reasons: [String] = []
        let extra = record.fields.dropFirst(header.count)
        if extra.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            reasons.append("the row has \(record.fields.count) fields where the header has \(header.count)")
        }
        var name = ""
        if rawName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reasons.append("missing name")
        } else {
            do { name = try APIEnvironment.contactName(rawName) } catch {
                reasons.append("bad name: \((error as? APIError)?.message ?? "not a name")")
            }
        }
        var phone: Address?
        switch parse(field("phone"), scheme: "sms") {
        case .success(let address): phone = address
        case .failure(let reason): reasons.append("bad phone: \(reason.text)")
        }
        var email: Address?
        switch parse(field("email"), scheme: "mailto") {
        case .success(let address): email = address
        case .failure(let reason): reasons.append("bad email: \(reason.text)")
        }
        var groups: [String] = []
        for raw in field("groups").split(separator: ";") {
            let group = raw.trimmingCharacters(in: .whitespaces)
            guard !group.isEmpty, !groups.contains(group) else { continue }
            guard ContactGroup.isValidName(group) else {
                reasons.append("bad group name '\(group)': 1-64 characters of a-z, 0-9, '.', '_' or '-'")
                continue
            }
            groups.append(group)
        }
        guard reasons.isEmpty else { return .failure(Refusal(name: rawName, reasons: reasons)) }
        return .success(ContactImportRow(line: record.line, name: name, phone: phone, email: email, groups: groups))
    }

    /// A refused row's name as written and why.
    struct Refusal: Error, Equatable {
        var name: String
        var reasons: [String]
    }

    /// Why one field is not an address.
    struct Reason: Error, Equatable {
        var text: String
    }

    /// An empty field is no address; a bare value gets the column's scheme (`+47…` as
    /// `sms:+47…`); an address of another kind (`mailto:` in the phone column) is refused.
    static func parse(_ raw: String, scheme: String) -> Result<Address?, Reason> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .success(nil) }
        let address: Address
        do { address = try Address(parsing: text.contains(":") ? text : "\(scheme):\(text)") } catch {
            return .failure(Reason(text: error.reason))
        }
        guard address.scheme == scheme else {
            return .failure(Reason(text: "'\(text)' is not \(scheme == "sms" ? "a phone number" : "an email address")"))
        }
        return .success(address)
    }
}
