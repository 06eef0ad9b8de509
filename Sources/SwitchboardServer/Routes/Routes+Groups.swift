import Hummingbird
import SwitchboardCore

// Groups of contacts. A group always reaches its members by SMS and email both, so adding
// someone without a phone or an email is allowed but answered with a warning.

struct GroupBody: APIRequestBody {
    var name: String
    var description: String?
    static let shape = JSONShape.keys("name", "description", nullable: ["description"])
}

/// `PUT`: the description is replaced (absent clears it). Groups cannot be renamed, since
/// `group:NAME` is how senders address them; `name`, if sent, must be the current one.
struct GroupUpdateBody: APIRequestBody {
    var name: String?
    var description: String?
    static let shape = GroupBody.shape
}

struct MemberBody: APIRequestBody {
    var contactID: String
    enum CodingKeys: String, CodingKey { case contactID = "contact_id" }
    static let shape = JSONShape.keys("contact_id")
}

extension APIEnvironment {
    func addGroupRoutes(to api: RouterGroup<Context>) {
        api.get("/groups") { request, context in try await listGroups(request, context) }
        api.post("/groups") { request, context in try await createGroup(request, context) }
        api.get("/groups/{name}") { request, context in try await groupDetail(request, context) }
        api.put("/groups/{name}") { request, context in try await updateGroup(request, context) }
        api.delete("/groups/{name}") { _, context in try await deleteGroup(context) }
        api.get("/groups/{name}/members") { request, context in try await listMembers(request, context) }
        api.post("/groups/{name}/members") { request, context in try await addMember(request, context) }
        api.delete("/groups/{name}/members/{contactID}") { _, context in try await removeMember(context) }
    }

    /// Groups in name order (byte order), `limit` at a time (100 unless asked; at most
    /// 1,000); `cursor` is the previous page's `next_cursor`; `q` keeps those whose name
    /// holds every word of it (case-insensitive), as the send screen completes as one types.
    func listGroups(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["q", "limit", "cursor"])
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let search = query.string("q") ?? ""
        let page = try await Self.cursorChecked { try await store.groups(search: search, limit: limit, after: query.string("cursor")) }
        return try .json(CursorPageView(items: page.items.map(GroupView.init), nextCursor: page.nextCursor))
    }

    func createGroup(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let body = try await request.decodeBody(GroupBody.self, limit: maxBodyBytes).value
        guard ContactGroup.isValidName(body.name) else {
            throw APIError.unprocessable(
                "invalid_group_name",
                "group name must be 1-64 characters of a-z, 0-9, '.', '_' or '-' (it is used in group:NAME)"
            )
        }
        if try await store.group(named: body.name) != nil {
            throw APIError.conflict("group_exists", "a group named '\(body.name)' already exists")
        }
        let group = ContactGroup(name: body.name, description: try Self.groupDescription(body.description))
        try await store.createGroup(group)
        return try .json(GroupView(group), status: .created, headers: [.location: "/api/v1/groups/\(group.name)"])
    }

    /// The group with a page of its members in name order (`limit`, 100 unless asked; at most
    /// 1,000; `cursor` a `next_cursor` of this or of `/members`), the warnings about that page's
    /// members, and how many members lack a phone or an email in the whole group.
    func groupDetail(_ request: Request, _ context: Context) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["limit", "cursor"])
        let group = try await existingGroup(context)
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let page = try await Self.cursorChecked {
            try await store.contacts(ContactQuery(group: group.name, limit: limit, cursor: query.string("cursor")))
        }
        let counts = try await store.memberCounts(group: group.name)
        return try .json(
            GroupDetailView(
                name: group.name,
                description: group.description,
                createdAt: group.createdAt,
                members: page.contacts.map(ContactView.init),
                nextCursor: page.nextCursor,
                memberCount: counts.members,
                membersWithoutPhone: counts.withoutPhone,
                membersWithoutEmail: counts.withoutEmail,
                warnings: page.contacts.flatMap { hub.membershipWarnings(for: $0, group: group.name) }
            )
        )
    }

    func updateGroup(_ request: Request, _ context: Context) async throws -> Response {
        var group = try await existingGroup(context)
        let body = try await request.decodeBody(GroupUpdateBody.self, limit: maxBodyBytes).value
        if let name = body.name, name != group.name {
            throw APIError.unprocessable("rename_not_supported", "groups cannot be renamed; create a new group instead")
        }
        group.description = try Self.groupDescription(body.description)
        try await store.updateGroup(group)
        return try .json(GroupView(group))
    }

    func deleteGroup(_ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let name = try context.parameters.require("name")
        guard try await store.deleteGroup(named: name) else { throw Self.groupNotFound(name) }
        return .noContent()
    }

    /// A group's members in name order, `limit` at a time (100 unless asked; at most 1,000),
    /// narrowed by `q` as the contacts list is; `cursor` is the previous page's `next_cursor`.
    func listMembers(_ request: Request, _ context: Context) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["q", "limit", "cursor"])
        let group = try await existingGroup(context)
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let search = ContactQuery(search: query.string("q") ?? "", group: group.name, limit: limit, cursor: query.string("cursor"))
        let page = try await Self.cursorChecked { try await store.contacts(search) }
        return try .json(CursorPageView(items: page.contacts.map(ContactView.init), nextCursor: page.nextCursor))
    }

    /// 201 with the warnings for the member (no phone, no email); adding twice is harmless.
    func addMember(_ request: Request, _ context: Context) async throws -> Response {
        let group = try await existingGroup(context)
        let body = try await request.decodeBody(MemberBody.self, limit: maxBodyBytes).value
        guard let contact = try await store.contact(id: body.contactID) else {
            throw APIError.unprocessable("unknown_contact", "no contact with id '\(body.contactID)'")
        }
        try await store.addMember(group: group.name, contactID: contact.id)
        return try .json(
            MembershipView(
                group: group.name,
                contact: ContactView(contact),
                warnings: hub.membershipWarnings(for: contact, group: group.name),
                missing: contact.missingDetails
            ),
            status: .created
        )
    }

    func removeMember(_ context: Context) async throws -> Response {
        let group = try await existingGroup(context)
        let contactID = try context.parameters.require("contactID")
        guard try await store.removeMember(group: group.name, contactID: contactID) else {
            throw APIError.notFound("member_not_found", "contact '\(contactID)' is not a member of group '\(group.name)'")
        }
        return .noContent()
    }

    func existingGroup(_ context: Context) async throws -> ContactGroup {
        _ = try context.requireUser()
        let name = try context.parameters.require("name")
        guard let group = try await store.group(named: name) else { throw Self.groupNotFound(name) }
        return group
    }

    static func groupNotFound(_ name: String) -> APIError {
        .notFound("group_not_found", "no group named '\(name)'")
    }

    static func groupDescription(_ raw: String?) throws -> String? {
        guard let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard raw?.unicodeScalars.count ?? 0 <= 1000 else {
            throw APIError.unprocessable("invalid_description", "group description must be at most 1000 characters")
        }
        return text
    }
}
