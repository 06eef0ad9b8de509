/// A Jabber ID, `local@domain/resource` (RFC 7622), split into its parts. The hub addresses
/// people by bare JID (`xmpp:local@domain`); the resource only says which of their clients.
/// Case is folded for the local part and domain so `Kari@Example.org` is the same person;
/// full PRECIS profiles are the server's business.
package struct JID: Sendable, Hashable, CustomStringConvertible {
    package var local: String?
    package var domain: String
    package var resource: String?

    /// Reads a JID; nil when the domain is empty or a part is empty where it is marked.
    package init?(_ text: String) {
        var rest = Substring(text)
        var resource: String?
        if let slash = rest.firstIndex(of: "/") {
            resource = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
            if resource?.isEmpty == true { return nil }
        }
        var local: String?
        if let at = rest.firstIndex(of: "@") {
            local = String(rest[..<at]).lowercased()
            rest = rest[rest.index(after: at)...]
            if local?.isEmpty == true { return nil }
        }
        var domain = rest.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        guard !domain.isEmpty, !domain.contains("@"), text.utf8.count <= 3071 else { return nil }
        self.local = local
        self.domain = domain
        self.resource = resource
    }

    package init(local: String?, domain: String, resource: String? = nil) {
        self.local = local
        self.domain = domain
        self.resource = resource
    }

    /// `local@domain`, the person rather than one of their clients.
    package var bare: JID { JID(local: local, domain: domain) }

    package var description: String {
        (local.map { "\($0)@" } ?? "") + domain + (resource.map { "/\($0)" } ?? "")
    }
}
