/// Finds a name from what a party typed: the exact name, or any prefix only one name has
/// (`/ab` for `/abort`, `/new rep` for `report`), compared without regard to case.
package enum PrefixMatch: Equatable, Sendable {
    case found(String)
    /// More than one name starts so; the candidates, sorted.
    case ambiguous([String])
    case none

    package static func resolve(_ typed: String, among names: [String]) -> PrefixMatch {
        let key = typed.lowercased()
        guard !key.isEmpty else { return .none }
        if let exact = names.first(where: { $0.lowercased() == key }) { return .found(exact) }
        let candidates = Array(Set(names.filter { $0.lowercased().hasPrefix(key) })).sorted()
        switch candidates.count {
        case 0: return .none
        case 1: return .found(candidates[0])
        default: return .ambiguous(candidates)
        }
    }
}
