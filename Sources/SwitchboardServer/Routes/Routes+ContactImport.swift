import Hummingbird
import SwitchboardCore

// Bulk contacts from a CSV file, and the address parser's verdict on one address (what the
// contact form asks as a person types). Both are open to every logged-in user, like the
// address book; an import's rows follow the contact permissions row by row.

struct AddressCheckBody: APIRequestBody {
    var address: String
    static let shape = JSONShape.keys("address")
}

/// The parser's verdict: the address as the hub stores it, or the reason it is not one.
struct AddressCheckView: Encodable {
    var valid: Bool
    var address: String?
    var channel: String?
    var reason: String?
}

extension APIEnvironment {
    static let contactImportLimits = ContactImport.Limits()
    /// What a contact's address may not be, in the words `addresses(_:)` uses.
    static let userAddressReason = "a contact cannot have a user: address; link it with 'username' instead"

    func addContactImportRoutes(to api: RouterGroup<Context>) {
        api.post("/contacts/import") { request, context in try await importContacts(request, context) }
        api.post("/addresses/check") { request, context in try await checkAddress(request, context) }
    }

    /// `text/csv` (UTF-8, with or without a BOM) in, the per-row report out (200 even when
    /// rows were refused); a file that cannot be read as a whole changes nothing (400, 413, 422).
    func importContacts(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        try Self.requireCSV(request)
        let limits = Self.contactImportLimits
        let body: ByteBuffer
        do { body = try await request.collectBody(limit: limits.maxBytes) } catch let error as APIError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "csv_too_large", "the file is larger than \(limits.maxBytes) bytes; split it into smaller files")
        }
        let importer = ContactImport(
            store: store,
            authorize: { old, new in try await authorizeContactChange(from: old, to: new, by: user) },
            limits: limits
        )
        do {
            return try .json(try await importer.run(body.readableBytesView))
        } catch let error as ContactImportError {
            throw APIError(error)
        }
    }

    /// 415 unless the body is declared `text/csv`, in UTF-8 if a charset is named.
    static func requireCSV(_ request: Request) throws {
        let parts = (request.headers[.contentType] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }.map { $0.dropFirst("charset=".count).trimmingCharacters(in: ["\""]) }
        guard parts.first == "text/csv", charset == nil || charset == "utf-8" else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the file as text/csv in UTF-8 (Content-Type: text/csv)")
        }
    }

    /// The same parser and rules as a contact's `addresses`, so the reason shown while typing
    /// is the one saving would give.
    func checkAddress(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let body = try await request.decodeBody(AddressCheckBody.self, limit: maxBodyBytes).value
        return try .json(Self.check(address: body.address))
    }

    static func check(address text: String) -> AddressCheckView {
        let address: Address
        do { address = try Address(parsing: text) } catch {
            return AddressCheckView(valid: false, reason: error.reason)
        }
        if case .user = address { return AddressCheckView(valid: false, reason: userAddressReason) }
        return AddressCheckView(valid: true, address: address.description, channel: address.channel?.rawValue)
    }
}

extension APIError {
    init(_ error: ContactImportError) {
        switch error.kind {
        case .tooLarge: self.init(.contentTooLarge, error.code, error.message)
        case .notCSV: self.init(.badRequest, error.code, error.message)
        case .badHeader, .tooManyRows: self.init(.unprocessableContent, error.code, error.message)
        }
    }
}
