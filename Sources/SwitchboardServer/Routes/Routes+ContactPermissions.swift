import Hummingbird
import SwitchboardCore

// Who may change what of a contact. The address book is shared, but a contact linked to a login
// decides where that user's messages go: `user:alice` is sent to the addresses of alice's
// contact, and mail or SMS to those addresses lands in alice's private inbox. So:
// - linking a contact to a login, or unlinking it, is for that user themself or an admin;
// - changing the addresses of a contact linked to someone (or deleting it) is for that person
//   or an admin;
// - a plain user may not give their own contact an address that a contact linked to another
//   user has (two owners make that address's messages land in the common inbox, for all to read);
// - everything else (names, unlinked contacts, groups) stays open to every logged-in user.

extension APIEnvironment {
    /// Refuses the change from `old` (nil: creating) to `new` (nil: deleting) with 403 when
    /// `user` may not make it, naming the rule; changes nothing itself.
    func authorizeContactChange(from old: Contact?, to new: Contact?, by user: UserAccount) async throws {
        guard user.role != .admin else { return }
        let me = user.username
        let linkedBefore = old?.username
        let linkedAfter = new == nil ? linkedBefore : new?.username
        if linkedBefore != linkedAfter, let other = [linkedBefore, linkedAfter].compactMap({ $0 }).first(where: { $0 != me }) {
            throw Self.linkForbidden(other, me: me)
        }
        if let old, let owner = old.username, owner != me, new == nil || new?.addresses != old.addresses {
            let what = new == nil ? "delete" : "change the addresses of"
            throw APIError.forbidden("only an admin or '\(owner)' may \(what) contact '\(old.name)', which is linked to the user '\(owner)'")
        }
        guard let new, new.username == me else { return }
        for address in new.addresses where !(old?.addresses.contains(address) ?? false) {
            let holders = try await store.contacts(withAddress: address)
            if let owner = holders.first(where: { $0.id != new.id && $0.username != nil && $0.username != me })?.username {
                throw APIError.forbidden(
                    "'\(address)' belongs to the contact of the user '\(owner)'; only an admin may give it to another user's contact too"
                )
            }
        }
    }

    /// The one refusal of a link a plain user may not make, whether or not `other` exists.
    static func linkForbidden(_ other: String, me: String) -> APIError {
        .forbidden(
            "only an admin or '\(other)' may link a contact to the user '\(other)' or unlink it; you may link only your own contact (username '\(me)')"
        )
    }
}
