import Foundation

/// Where a PostgreSQL server is and who to log in as, read from a connection URL
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`) that only ever comes from the environment.
///
/// The password is a secret: `description`, `debugDescription` and the mirror leave it out,
/// so printing, logging or dumping an endpoint (or the configuration holding it) never shows it.
package struct PostgresEndpoint: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String?
    package var database: String

    package init(host: String, port: Int = 5432, username: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Why a URL was refused. The message never repeats the URL, which may hold a password.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    /// Parses `postgres://` or `postgresql://` URLs; user, password and database may be
    /// percent-encoded; the port defaults to 5432 and the database to the user name.
    package init(url text: String) throws(Problem) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw Problem(message: "is not a URL such as postgres://USER:PASSWORD@HOST:5432/DATABASE")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw Problem(message: "must start with postgres:// (found \(scheme)://)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Problem(message: "names no host (postgres://USER:PASSWORD@HOST:5432/DATABASE)")
        }
        guard let username = components.user, !username.isEmpty else {
            throw Problem(message: "names no user (postgres://USER:PASSWORD@HOST:5432/DATABASE)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw Problem(message: "has port \(port), outside 1...65535")
        }
        if let items = components.queryItems, !items.isEmpty {
            // sslmode and friends would silently disagree with `storage.postgres.tls`.
            let names = items.map(\.name).joined(separator: ", ")
            throw Problem(message: "has parameters (\(names)); set TLS and timeouts under storage.postgres instead")
        }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        guard !database.contains("/") else { throw Problem(message: "has a path with more than a database name") }
        self.init(
            host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host,
            port: components.port ?? 5432,
            username: username,
            password: components.password,
            database: database.isEmpty ? username : database
        )
    }

    /// `user@host:port/database`, the password left out: what logs and errors may say.
    package var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(username)@\(shownHost):\(port)/\(database)"
    }

    package var debugDescription: String { "PostgresEndpoint(\(description))" }

    package var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "username": username, "database": database])
    }
}
