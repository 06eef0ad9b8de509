import Foundation
import Hummingbird
import SwitchboardCore

// The groups pages: the list with a form to make one, and a group's page with its members
// (each with what it lacks), a remove button per member and a form to add one found by name,
// phone or email. Adding a member who lacks a phone or an email is allowed, and the page the
// browser lands on right after says so: the blueprint's warning at the moment of adding.

/// The group forms' fields.
struct GroupForm: CSRFCarryingForm {
    var csrf: String?
    var name: String?
    var description: String?
    /// Words to find the contact to add by.
    var contact: String?
    /// The contact to add, when chosen from a list of matches.
    var contactID: String?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case name, description, contact
        case contactID = "contact_id"
    }
}

extension APIEnvironment {
    /// How many matches the add-member form offers to choose from.
    static let memberChoices = 20
    /// Groups on one page of `/groups`.
    static let webGroupsPageSize = 50

    func addWebGroupRoutes(to pages: RouterGroup<Context>) {
        pages.get("/groups") { request, context in try await groupsPage(request, context) }
        pages.post("/groups") { request, context in try await createGroupForm(request, context) }
        pages.get("/groups/{name}") { request, context in try await groupPage(request, context) }
        pages.post("/groups/{name}/members") { request, context in try await addMemberForm(request, context) }
        pages.post("/groups/{name}/members/{contactID}/remove") { request, context in try await removeMemberForm(request, context) }
    }

    func groupsPage(
        _ request: Request,
        _ context: Context,
        form: GroupForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try context.requireUser()
        let cursor = request.uri.queryParameters["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let listing: GroupPage
        do {
            listing = try await store.groups(limit: Self.webGroupsPageSize, after: cursor)
        } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["list_bad_cursor"], status: .badRequest, request, context)
        }
        var rows: [[String: Any]] = []
        let counts = try await store.memberCounts()
        for group in listing.items {
            rows.append([
                "name": group.name, "href": "/groups/\(WebPaths.percentEncoded(group.name))", "description": group.description ?? "",
                "count": "\(counts[group.name] ?? 0)",
            ])
        }
        var values: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty, "name": form?.name ?? "", "description": form?.description ?? ""]
        if let next = listing.nextCursor { values["next"] = WebPaths.link("/groups", [("cursor", next)]) }
        if cursor != nil { values["first"] = "/groups" }
        if let error { values["error"] = error }
        return try await render(
            WebPage(template: "groups", title: web.texts["groups_title"], page: "groups", values: values, status: status),
            request,
            context
        )
    }

    /// Makes a group by the API's rules, then opens its page; what is wrong is shown above the form.
    func createGroupForm(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await csrfCheckedForm(GroupForm.self, request, context)
        let name = form.name?.trimmingCharacters(in: .whitespaces) ?? ""
        guard ContactGroup.isValidName(name) else {
            return try await groupsPage(request, context, form: form, error: web.texts["group_name_invalid"], status: .unprocessableContent)
        }
        if try await store.group(named: name) != nil {
            return try await groupsPage(request, context, form: form, error: web.texts["group_exists"], status: .conflict)
        }
        let description: String?
        do { description = try Self.groupDescription(form.description) } catch let error as APIError {
            return try await groupsPage(request, context, form: form, error: error.message, status: .unprocessableContent)
        }
        try await store.createGroup(ContactGroup(name: name, description: description))
        return Response(status: .seeOther, headers: [.location: "/groups/\(WebPaths.percentEncoded(name))"])
    }

    /// A group's page. After adding (`added=ID`) it says who was added and what they will not
    /// get; while adding by search it lists the matches to choose from.
    func groupPage(
        _ request: Request,
        _ context: Context,
        search: String = "",
        choices: [Contact] = [],
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try context.requireUser()
        let name = try context.parameters.require("name")
        guard let group = try await store.group(named: name) else {
            return try await errorPage(web.texts["group_not_found"], status: .notFound, request, context)
        }
        let base = "/groups/\(WebPaths.percentEncoded(group.name))"
        let query = request.uri.queryParameters
        let cursor = query["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let page: ContactPage
        do {
            page = try await store.contacts(ContactQuery(group: group.name, limit: Self.webContactsPageSize, cursor: cursor))
        } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["contacts_bad_cursor"], status: .badRequest, request, context)
        }
        let members = page.contacts
        let counts = try await store.memberCounts(group: group.name)
        var values: [String: Any] = [
            "name": group.name,
            "members": members.map { member -> [String: Any] in
                [
                    "name": member.name, "href": "/contacts/\(WebPaths.percentEncoded(member.id))", "id": member.id,
                    "addresses": member.addresses.map(\.description), "missing": missingTexts(member),
                    "remove": "\(base)/members/\(WebPaths.percentEncoded(member.id))/remove",
                ]
            },
            "hasMembers": !members.isEmpty,
            "addAction": "\(base)/members",
            "search": search,
            "choices": choices.map { ["id": $0.id, "name": $0.name, "addresses": $0.addresses.map(\.description).joined(separator: ", ")] },
            "hasChoices": !choices.isEmpty,
        ]
        values["counts"] = memberCountTexts(counts)
        if let error { values["error"] = error }
        if let description = group.description { values["description"] = description }
        if let next = page.nextCursor { values["next"] = WebPaths.link(base, [("cursor", next)]) }
        if cursor != nil { values["first"] = base }
        if let added = query["added"].map(String.init), let contact = try await store.contact(id: added) {
            values["added"] = [
                "notice": web.texts["group_added"].replacingOccurrences(of: "{name}", with: contact.name),
                "warnings": contact.missingDetails.map { web.texts["group_warning_no_\($0)"].replacingOccurrences(of: "{name}", with: contact.name) },
            ]
        }
        if query["removed"] != nil { values["notice"] = web.texts["group_removed"] }
        return try await render(
            WebPage(template: "group", title: "\(web.texts["group_title"]) \(group.name)", page: "groups", values: values, status: status),
            request,
            context
        )
    }

    /// How many members the group has, and how many of them lack a phone or an email (the
    /// blueprint's group warning, for the whole group while the page shows some members).
    func memberCountTexts(_ counts: GroupMemberCounts) -> [String: Any] {
        var texts: [String: Any] = ["members": web.texts["group_count_members"].replacingOccurrences(of: "{count}", with: "\(counts.members)")]
        if counts.withoutPhone > 0 {
            texts["noPhone"] = web.texts["group_count_no_phone"].replacingOccurrences(of: "{count}", with: "\(counts.withoutPhone)")
        }
        if counts.withoutEmail > 0 {
            texts["noEmail"] = web.texts["group_count_no_email"].replacingOccurrences(of: "{count}", with: "\(counts.withoutEmail)")
        }
        return texts
    }

    /// Adds the chosen contact, or the one contact the words find; several matches are
    /// offered to choose from, none is said. Then the group's page with the warnings.
    func addMemberForm(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await csrfCheckedForm(GroupForm.self, request, context)
        let name = try context.parameters.require("name")
        guard try await store.group(named: name) != nil else {
            return try await errorPage(web.texts["group_not_found"], status: .notFound, request, context)
        }
        let contact: Contact
        if let id = form.contactID, !id.isEmpty {
            guard let chosen = try await store.contact(id: id) else {
                return try await groupPage(request, context, error: web.texts["contact_not_found"], status: .unprocessableContent)
            }
            contact = chosen
        } else {
            let search = form.contact?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !search.isEmpty else {
                return try await groupPage(request, context, error: web.texts["group_add_empty"], status: .unprocessableContent)
            }
            let found = try await store.contacts(ContactQuery(search: search, limit: Self.memberChoices)).contacts
            guard let first = found.first else {
                let error = web.texts["group_add_none"].replacingOccurrences(of: "{search}", with: search)
                return try await groupPage(request, context, search: search, error: error, status: .unprocessableContent)
            }
            guard found.count == 1 else { return try await groupPage(request, context, search: search, choices: found) }
            contact = first
        }
        try await store.addMember(group: name, contactID: contact.id)
        let location = WebPaths.link("/groups/\(WebPaths.percentEncoded(name))", [("added", contact.id)])
        return Response(status: .seeOther, headers: [.location: location])
    }

    func removeMemberForm(_ request: Request, _ context: Context) async throws -> Response {
        _ = try await csrfCheckedForm(GroupForm.self, request, context)
        let name = try context.parameters.require("name")
        _ = try await store.removeMember(group: name, contactID: try context.parameters.require("contactID"))
        return Response(status: .seeOther, headers: [.location: "/groups/\(WebPaths.percentEncoded(name))?removed=1"])
    }
}
