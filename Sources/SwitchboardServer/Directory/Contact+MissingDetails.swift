import SwitchboardCore

extension Contact {
    /// What a group's messages cannot reach this contact by: `phone` (no SMS), `email` (no
    /// email, so no rich message and no attachment).
    var missingDetails: [String] {
        (addresses(on: .sms).isEmpty ? ["phone"] : []) + (addresses(on: .email).isEmpty ? ["email"] : [])
    }
}
