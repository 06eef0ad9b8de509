import Foundation
import Hummingbird
import SwitchboardCore

// The contacts pages: the address book with search and cursors, a contact's form (new and
// edit; each address checked as it is typed by contact.js through `POST /api/v1/addresses/check`
// and again here on save, the parser's reason next to its field), deletion behind a
// confirmation page, and the CSV import page (import.js on `POST /api/v1/contacts/import`).
// Who may change what is the API's rule (`authorizeContactChange`).

/// The contact form's fields.
struct ContactForm: CSRFCarryingForm {
    var csrf: String?
    var name: String?
    var addresses: [String]?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case name, addresses
    }
}

extension APIEnvironment {
    static let webContactsPageSize = 50
    /// Empty address fields a contact's form offers besides its addresses.
    static let spareAddressFields = 2

    func addWebContactRoutes(to pages: RouterGroup<Context>) {
        pages.get("/contacts") { request, context in try await contactsPage(request, context) }
        pages.get("/contacts/new") { request, context in try await contactFormPage(nil, request, context) }
        pages.post("/contacts/new") { request, context in
            try await saveContactForm(nil, try await csrfCheckedForm(ContactForm.self, request, context), request, context)
        }
        pages.get("/contacts/import") { request, context in try await contactImportPage(request, context) }
        pages.get("/contacts/{id}") { request, context in
            guard let contact = try await webContact(context) else { return try await contactNotFound(request, context) }
            return try await contactFormPage(contact, request, context)
        }
        pages.post("/contacts/{id}") { request, context in
            // The form is checked before anything is looked up, as on every page form.
            let form = try await csrfCheckedForm(ContactForm.self, request, context)
            guard let contact = try await webContact(context) else { return try await contactNotFound(request, context) }
            return try await saveContactForm(contact, form, request, context)
        }
        pages.get("/contacts/{id}/delete") { request, context in try await deleteContactPage(request, context) }
        pages.post("/contacts/{id}/delete") { request, context in try await deleteContactForm(request, context) }
    }

    func webContact(_ context: Context) async throws -> Contact? {
        _ = try context.requireUser()
        return try await store.contact(id: try context.parameters.require("id"))
    }

    func contactNotFound(_ request: Request, _ context: Context) async throws -> Response {
        try await errorPage(web.texts["contact_not_found"], status: .notFound, request, context)
    }

    /// The address book: `q` (words in the name, an address or a group's name), `cursor`;
    /// the store reads one page.
    func contactsPage(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let query = request.uri.queryParameters
        let search = query["q"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let cursor = query["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let listing: ContactPage
        do {
            listing = try await store.contacts(ContactQuery(search: search, limit: Self.webContactsPageSize, cursor: cursor))
        } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["contacts_bad_cursor"], status: .badRequest, request, context)
        }
        let kept = search.isEmpty ? [] : [("q", search)]
        var values: [String: Any] = [
            "rows": listing.contacts.map { contact -> [String: Any] in
                [
                    "href": "/contacts/\(WebPaths.percentEncoded(contact.id))", "name": contact.name,
                    "addresses": contact.addresses.map(\.description), "username": contact.username ?? "",
                    "missing": missingTexts(contact),
                ]
            },
            "hasRows": !listing.contacts.isEmpty,
            "q": search,
            "searched": !search.isEmpty,
        ]
        if let next = listing.nextCursor { values["next"] = WebPaths.link("/contacts", kept + [("cursor", next)]) }
        if cursor != nil { values["first"] = WebPaths.link("/contacts", kept) }
        if query["deleted"] != nil { values["notice"] = web.texts["contact_deleted"] }
        return try await render(
            WebPage(template: "contacts", title: web.texts["contacts_title"], page: "contacts", values: values),
            request,
            context
        )
    }

    /// "No phone" / "no email" tags for a contact, from the catalog.
    func missingTexts(_ contact: Contact) -> [String] {
        contact.missingDetails.map { web.texts["contact_missing_\($0)"] }
    }

    /// The form as a person filled it: the fields, and the reason next to each bad one.
    struct ContactFormState {
        var name: String
        var nameError: String?
        var addresses: [(value: String, error: String?)]
        var error: String?
    }

    func contactFormPage(
        _ contact: Contact?,
        _ request: Request,
        _ context: Context,
        state: ContactFormState? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try context.requireUser()
        let shown =
            state
            ?? ContactFormState(name: contact?.name ?? "", addresses: (contact?.addresses ?? []).map { ($0.description, nil) })
        let fields = shown.addresses + Array(repeating: ("", nil), count: Self.spareAddressFields)
        var values: [String: Any] = [
            "name": shown.name,
            "addresses": fields.enumerated().map { index, field -> [String: Any] in
                // Every key set in every entry: a missing one would be looked up in the page's values.
                [
                    "id": "address-\(index)", "value": field.value, "number": "\(index + 1)", "invalid": field.error != nil,
                    "fieldError": field.error ?? "",
                ]
            },
            "action": contact.map { "/contacts/\(WebPaths.percentEncoded($0.id))" } ?? "/contacts/new",
        ]
        if let error = shown.nameError { values["nameError"] = error }
        if let error = shown.error { values["error"] = error }
        if let contact {
            var existing: [String: Any] = [
                "deleteHref": "/contacts/\(WebPaths.percentEncoded(contact.id))/delete",
                "groups": try await groupsOf(contact).map { ["name": $0, "href": "/groups/\(WebPaths.percentEncoded($0))"] },
                "missing": missingTexts(contact),
            ]
            if let username = contact.username { existing["username"] = username }
            values["existing"] = existing
            if request.uri.queryParameters["saved"] != nil { values["notice"] = web.texts["contact_saved"] }
        }
        let title = contact.map { "\(web.texts["contact_title"]) \($0.name)" } ?? web.texts["contact_new_title"]
        return try await render(
            WebPage(template: "contact", title: title, page: "contacts", values: values, scripts: ["contact.js"], status: status),
            request,
            context
        )
    }

    /// The groups a contact is in, by name (one query of the membership index).
    func groupsOf(_ contact: Contact) async throws -> [String] {
        try await store.groupNames(ofContact: contact.id)
    }

    /// Saves the form: every field checked by the API's rules, each reason shown next to its
    /// field (422, nothing saved); a change the user may not make is shown above the form (403).
    func saveContactForm(_ old: Contact?, _ form: ContactForm, _ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        var state = ContactFormState(name: form.name ?? "", addresses: [])
        var contact = old ?? Contact(name: "")
        do { contact.name = try Self.contactName(state.name) } catch let error as APIError { state.nameError = error.message }
        contact.addresses = []
        for text in (form.addresses ?? []) where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let check = Self.check(address: text)
            state.addresses.append((text, check.reason))
            if let canonical = check.address, let address = Address(canonical: canonical), !contact.addresses.contains(address) {
                contact.addresses.append(address)
            }
        }
        if contact.addresses.count > Self.maxAddressesPerContact {
            state.error = web.texts["contact_too_many_addresses"]
        }
        guard state.nameError == nil, state.error == nil, !state.addresses.contains(where: { $0.error != nil }) else {
            return try await contactFormPage(old, request, context, state: state, status: .unprocessableContent)
        }
        do { try await authorizeContactChange(from: old, to: contact, by: user) } catch let error as APIError where error.status == .forbidden {
            state.error = error.message
            return try await contactFormPage(old, request, context, state: state, status: .forbidden)
        }
        if old == nil { try await store.createContact(contact) } else { try await store.updateContact(contact) }
        return Response(status: .seeOther, headers: [.location: "/contacts/\(WebPaths.percentEncoded(contact.id))?saved=1"])
    }

    func deleteContactPage(_ request: Request, _ context: Context) async throws -> Response {
        guard let contact = try await webContact(context) else { return try await contactNotFound(request, context) }
        let values: [String: Any] = [
            "name": contact.name, "action": "/contacts/\(WebPaths.percentEncoded(contact.id))/delete",
            "back": "/contacts/\(WebPaths.percentEncoded(contact.id))", "groups": try await groupsOf(contact),
        ]
        return try await render(
            WebPage(template: "contact-delete", title: web.texts["contact_delete_title"], page: "contacts", values: values),
            request,
            context
        )
    }

    /// Deletes after the confirmation page's form, by the API's rule (a contact linked to
    /// someone else is theirs or an admin's: 403 with the reason).
    func deleteContactForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        _ = try await csrfCheckedForm(ContactForm.self, request, context)
        guard let contact = try await webContact(context) else { return try await contactNotFound(request, context) }
        do { try await authorizeContactChange(from: contact, to: nil, by: user) } catch let error as APIError where error.status == .forbidden {
            return try await errorPage(error.message, status: .forbidden, request, context)
        }
        _ = try await store.deleteContact(id: contact.id)
        return Response(status: .seeOther, headers: [.location: "/contacts?deleted=1"])
    }

    /// The import page: import.js sends the chosen file to `POST /api/v1/contacts/import` and
    /// draws the report.
    func contactImportPage(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let limits = Self.contactImportLimits
        let values: [String: Any] = ["maxRows": "\(limits.maxRows)", "maxKiB": "\(limits.maxBytes / 1024)"]
        return try await render(
            WebPage(template: "contacts-import", title: web.texts["import_title"], page: "contacts", values: values, scripts: ["import.js"]),
            request,
            context
        )
    }
}
