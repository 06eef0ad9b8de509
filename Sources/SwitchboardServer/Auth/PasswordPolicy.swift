import Foundation
import SwitchboardCore

/// What a password must be, in one place for setting it (API and CLI) and for logging in.
///
/// Length alone lets `password1` and `qwertyuiop` through, the first guesses of any attacker,
/// so the most common passwords and the username itself are refused too (as NIST SP 800-63B
/// asks: a list of known-bad passwords, and context words such as the username). The list is
/// `Resources/common-passwords.txt`: every entry of 8 characters or more in the top 10,000 of
/// Mark Burnett's ten-million-password corpus (SecLists,
/// `Passwords/Common-Credentials/10-million-password-list-top-10000.txt`), lower-cased, one a
/// line; comparisons ignore case.
///
/// bcrypt reads at most 72 bytes and stops at a NUL byte, so a longer password, or one with a
/// NUL, would be checked by its first part only. Such passwords are refused when set, and at
/// login too (`checkCanBeChecked`), so `prefix + anything` never logs in as `prefix`.
enum PasswordPolicy {
    static let minimumLength = 8
    static let maximumBytes = 72

    /// The reason `password` may not be set for `username`, or `nil` if it may.
    static func problem(password: String, username: String) -> SwitchboardError? {
        if let problem = unverifiable(password) { return problem }
        guard password.count >= minimumLength else {
            return .invalid("weak_password", "password must have at least \(minimumLength) characters")
        }
        if resembles(password, username: username) {
            return .invalid("weak_password", "password must not be the username, nor the username with only digits or symbols added")
        }
        if isCommon(password) {
            return .invalid("weak_password", "password is one of the most common passwords; choose another")
        }
        return nil
    }

    /// Why bcrypt could not check `password` whole (too long, or a NUL), or `nil` if it can.
    static func unverifiable(_ password: String) -> SwitchboardError? {
        guard password.utf8.count <= maximumBytes else {
            return .invalid("password_too_long", "password must be at most \(maximumBytes) bytes (bcrypt ignores the rest)")
        }
        guard !password.utf8.contains(0) else {
            return .invalid("invalid_password", "password must not contain a NUL character")
        }
        return nil
    }

    /// The username itself, reversed, or with only digits and symbols before or after it
    /// (`alice`, `ecila`, `Alice2024!`), ignoring case.
    static func resembles(_ password: String, username: String) -> Bool {
        let password = password.lowercased()
        let username = username.lowercased()
        guard !username.isEmpty else { return false }
        if password == username || password == String(username.reversed()) { return true }
        let rest: Substring
        if password.hasPrefix(username) {
            rest = password.dropFirst(username.count)
        } else if password.hasSuffix(username) {
            rest = password.dropLast(username.count)
        } else {
            return false
        }
        return !rest.contains { $0.isLetter }
    }

    static func isCommon(_ password: String) -> Bool {
        commonPasswords.contains(password.lowercased())
    }

    /// Read once from the bundle; a build without it is broken, as without the API document.
    static let commonPasswords: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            preconditionFailure("common-passwords.txt is missing from the SwitchboardServer bundle")
        }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }()
}
