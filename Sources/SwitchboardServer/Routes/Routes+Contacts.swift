import Foundation
import Hummingbird
import SwitchboardCore

// The shared address book. Any logged-in user may read and change it: contacts and groups
// are the team's, not one person's; but a contact linked to a login is that user's to change
// (see `authorizeContactChange`).

/// `POST` and `PUT` bodies: the whole contact. On `PUT`, an absent `addresses` means none and
/// an absent `username` unlinks.
struct ContactBody: APIRequestBody {
    var name: String
    var addresses: [String]?
    var username: String?
    static let shape = JSONShape.keys("name", "addresses", "username")
}

/// `PATCH`: only the members sent change; `"username": null` unlinks.
struct ContactPatchBody: APIRequestBody {
    var name: String?
    var addresses: [String]?
    var username: String?
    static let shape = JSONShape.keys("name", "addresses", "username", nullable: ["username"])
}

extension APIEnvironment {
    static let maxAddressesPerContact = 50
    static let contactPageLimits = 1...1000

    func addContactRoutes(to api: RouterGroup<Context>) {
        api.get("/contacts") { request, context in try await listContacts(request, context) }
        api.post("/contacts") { request, context in try await createContact(request, context) }
        api.get("/contacts/{id}") { _, context in try Response.json(ContactView(try await existingContact(context))) }
        api.put("/contacts/{id}") { request, context in try await replaceContact(request, context) }
        api.patch("/contacts/{id}") { request, context in try await patchContact(request, context) }
        api.delete("/contacts/{id}") { _, context in try await deleteContact(context) }
    }

    /// The contacts `q` finds (every word in the name, an address or a group's name), in name
    /// order, `limit` at a time (100 unless asked; at most 1,000); `cursor` is the previous
    /// page's `next_cursor`.
    func listContacts(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["q", "limit", "cursor"])
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let search = ContactQuery(search: query.string("q") ?? "", limit: limit, cursor: query.string("cursor"))
        let page = try await Self.cursorChecked { try await store.contacts(search) }
        return try .json(CursorPageView(items: page.contacts.map(ContactView.init), nextCursor: page.nextCursor))
    }

    func createContact(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeBody(ContactBody.self, limit: maxBodyBytes).value
        let contact = Contact(
            name: try Self.contactName(body.name),
            addresses: try Self.addresses(body.addresses ?? []),
            username: try await linkableUsername(body.username, to: nil, by: user)
        )
        try await authorizeContactChange(from: nil, to: contact, by: user)
        try await store.createContact(contact)
        return try .json(ContactView(contact), status: .created, headers: [.location: "/api/v1/contacts/\(contact.id)"])
    }

    func replaceContact(_ request: Request, _ context: Context) async throws -> Response {
        let old = try await existingContact(context)
        var contact = old
        let body = try await request.decodeBody(ContactBody.self, limit: maxBodyBytes).value
        contact.name = try Self.contactName(body.name)
        contact.addresses = try Self.addresses(body.addresses ?? [])
        let user = try context.requireUser()
        contact.username = try await linkableUsername(body.username, to: old, by: user)
        try await authorizeContactChange(from: old, to: contact, by: user)
        try await store.updateContact(contact)
        return try .json(ContactView(contact))
    }

    func patchContact(_ request: Request, _ context: Context) async throws -> Response {
        let old = try await existingContact(context)
        var contact = old
        let decoded = try await request.decodeBody(ContactPatchBody.self, limit: maxBodyBytes)
        let body = decoded.value
        let sent = decoded.json
        if sent["name"] != nil {
            guard let name = body.name else { throw APIError.unprocessable("invalid_name", "'name' must not be null") }
            contact.name = try Self.contactName(name)
        }
        if sent["addresses"] != nil { contact.addresses = try Self.addresses(body.addresses ?? []) }
        let user = try context.requireUser()
        if sent["username"] != nil { contact.username = try await linkableUsername(body.username, to: old, by: user) }
        try await authorizeContactChange(from: old, to: contact, by: user)
        try await store.updateContact(contact)
        return try .json(ContactView(contact))
    }

    func deleteContact(_ context: Context) async throws -> Response {
        let old = try await existingContact(context)
        try await authorizeContactChange(from: old, to: nil, by: try context.requireUser())
        let id = old.id
        guard try await store.deleteContact(id: id) else {
            throw APIError.notFound("contact_not_found", "no contact with id '\(id)'")
        }
        return .noContent()
    }

    func existingContact(_ context: Context) async throws -> Contact {
        _ = try context.requireUser()
        let id = try context.parameters.require("id")
        guard let contact = try await store.contact(id: id) else {
            throw APIError.notFound("contact_not_found", "no contact with id '\(id)'")
        }
        return contact
    }

    static func contactName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // The length is the API document's `maxLength`: code points of what was sent.
        guard !name.isEmpty, raw.unicodeScalars.count <= 200, !name.contains(where: \.isNewline) else {
            throw APIError.unprocessable("invalid_name", "contact name must be one line of 1 to 200 characters")
        }
        return name
    }

    /// Parses every address, naming the first bad one; duplicates are dropped, order kept.
    static func addresses(_ raw: [String]) throws -> [Address] {
        guard raw.count <= maxAddressesPerContact else {
            throw APIError.unprocessable("too_many_addresses", "a contact has at most \(maxAddressesPerContact) addresses")
        }
        var out: [Address] = []
        for text in raw {
            let address = try Address(parsing: text)
            if case .user = address {
                throw APIError.unprocessable(
                    "invalid_address",
                    "invalid address '\(text)': a contact cannot have a user: address; link it with 'username' instead"
                )
            }
            if !out.contains(address) { out.append(address) }
        }
        return out
    }

    /// A username a contact may be linked to: it must exist and not be linked to another contact.
    /// A plain user may link only themself, so another name is refused before it is looked up:
    /// the same 403 whether that user exists, is linked already or not, and no probing of names.
    func linkableUsername(_ username: String?, to old: Contact?, by user: UserAccount) async throws -> String? {
        guard let username else { return nil }
        let contactID = old?.id
        if user.role != .admin, username != user.username, username != old?.username {
            throw Self.linkForbidden(username, me: user.username)
        }
        guard Username.isValid(username), try await store.user(named: username) != nil else {
            throw APIError.unprocessable("unknown_user", "no user named '\(username)'")
        }
        if let other = try await store.contact(username: username), other.id != contactID {
            throw APIError.conflict("user_already_linked", "user '\(username)' is already linked to contact '\(other.name)' (\(other.id))")
        }
        return username
    }
}
