import ArgumentParser
import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer

/// Account administration on the hub's data directory.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage login accounts.", subcommands: [Add.self, List.self, Passwd.self, Role.self])

    /// Reads a password without putting it on the command line (where `ps` shows it).
    struct PasswordSource: ParsableArguments {
        @Option(name: .customLong("password-env"), help: "Read the password from this environment variable.")
        var passwordEnv: String?
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
        var passwordStdin = false

        func read() throws -> String {
            if let name = passwordEnv {
                guard let v = ProcessInfo.processInfo.environment[name] else { throw ValidationError("environment variable \(name) is not set") }
                return v
            }
            if passwordStdin || isatty(0) == 0 {
                guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
                return line
            }
            guard let p = getpass("Password: ").map({ String(cString: $0) }), !p.isEmpty else { throw ValidationError("no password given") }
            guard let again = getpass("Again: ").map({ String(cString: $0) }), again == p else { throw ValidationError("passwords do not match") }
            return p
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user.",
            discussion: "Example: SECRET=… switchboard users add alice --password-env SECRET"
        )
        @OptionGroup var hub: HubOptions
        @OptionGroup var password: PasswordSource
        @Option(help: "admin or user.") var role = "user"
        @Option(name: .customLong("display-name")) var displayName: String?
        @Argument var username: String

        func run() async throws {
            guard let role = UserAccount.Role(rawValue: role) else { throw ValidationError("role must be admin or user") }
            try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
                let pw = try password.read()
                let user = try await CLIError.wrap {
                    try await Accounts(store: hub.store).createUser(username: username, password: pw, role: role, displayName: displayName)
                }
                print("created \(user.role.rawValue) \(user.username)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var hub: HubOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
                let users = try await hub.store.users()
                if json {
                    struct Row: Encodable {
                        var username: String
                        var role: String
                        var displayName: String?
                        var createdAt: Date
                    }
                    print(
                        try CLIOutput.json(
                            users.map { Row(username: $0.username, role: $0.role.rawValue, displayName: $0.displayName, createdAt: $0.createdAt) }
                        )
                    )
                } else {
                    for u in users { print("\(u.username)\t\(u.role.rawValue)\t\(u.displayName ?? "")") }
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var password: PasswordSource
        @Argument var username: String
        func run() async throws {
            try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
                let pw = try password.read()
                try await CLIError.wrap { try await Accounts(store: hub.store).setPassword(username: username, password: pw) }
                print("password changed for \(username)")
            }
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user another role.",
            discussion: "Example: switchboard users role alice admin. The last admin cannot be made a user."
        )
        @OptionGroup var hub: HubOptions
        @Argument var username: String
        @Argument(help: "admin or user.") var role: String

        func run() async throws {
            try await HubFactory.withHub(hub, logger: Logger(label: "switchboard.cli")) { hub in
                let user = try await CLIError.wrap {
                    try await Accounts(store: hub.store).setRole(username: username, role: try Accounts.role(named: role), by: nil)
                }
                print("\(user.username) is now \(user.role.rawValue)")
            }
        }
    }
}
