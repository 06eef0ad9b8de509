import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import SwitchboardCore

// Starting a node while the database is away (restarting, failing over, not up yet in a
// compose file): the node says where it tried and why it failed, and tries again with growing,
// jittered waits, instead of exiting and being restarted in a tight loop by its supervisor.

extension PostgresStore {
    /// One failed attempt to reach the database, as `waitUntilReachable` reports it.
    package struct ConnectFailure: Sendable, CustomStringConvertible {
        /// `user@host:port/database`, never the password.
        package var database: String
        /// The driver's or the server's reason, the password taken out should it appear.
        package var reason: String
        package var attempt: Int
        package var retryIn: TimeInterval

        package var description: String {
            "cannot reach PostgreSQL at \(database): \(reason); attempt \(attempt), retrying in \(String(format: "%.1f", retryIn)) s"
        }
    }

    /// Back-off between attempts: 0.5 s doubling up to 30 s, each plus up to half a second at
    /// random, so nodes that lost the database together do not all knock at once; never gives up.
    package static let reconnect = RetryPolicy(delay: 0.5, factor: 2, maxDelay: 30, limit: .max, jitter: 0.5)

    /// Returns once one connection opens and answers, trying again after each failure (told to
    /// `onFailure`) with `retry`'s waits. Each attempt is one plain connection, not the pool,
    /// so the reason is the driver's own for that attempt. Throws only when cancelled.
    package func waitUntilReachable(
        retry: RetryPolicy = PostgresStore.reconnect,
        random: RandomSource = .system,
        sleep: @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        onFailure: (ConnectFailure) -> Void
    ) async throws {
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            do {
                try await probe()
                return
            } catch {
                let wait = retry.backoff(afterAttempts: attempt, random: random) ?? retry.maxDelay
                onFailure(
                    ConnectFailure(database: configuration.endpoint.description, reason: reason(error), attempt: attempt, retryIn: wait)
                )
                try await sleep(wait)
            }
        }
    }

    /// Opens one connection as the pool would (same TLS, timeout, schema), runs `SELECT 1`,
    /// and closes it.
    func probe() async throws {
        let opened = try await connect()
        do {
            _ = try await opened.query("SELECT 1", logger: logger).get()
        } catch {
            try? await opened.close()
            throw error
        }
        try await opened.close()
    }

    /// One connection outside the pool, made as the pool makes its own (same TLS, timeout,
    /// schema), for what must not hold a pooled one: a probe, a long-lived LISTEN.
    func connect(applicationName: String? = nil) async throws -> PostgresConnection {
        let endpoint = configuration.endpoint
        let tls: PostgresConnection.Configuration.TLS
        switch configuration.tls {
        case .disable: tls = .disable
        case .prefer, .require:
            var settings = TLSConfiguration.makeClientConfiguration()
            if let caFile = configuration.caFile { settings.trustRoots = .file(caFile) }
            let context = try NIOSSLContext(configuration: settings)
            tls = configuration.tls == .prefer ? .prefer(context) : .require(context)
        }
        var connection = PostgresConnection.Configuration(
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.username,
            password: endpoint.password,
            database: endpoint.database,
            tls: tls
        )
        connection.options.connectTimeout = .milliseconds(Int64(configuration.connectTimeout * 1000))
        var parameters: [(String, String)] = []
        if let schema = configuration.schema { parameters.append(("search_path", schema)) }
        if let applicationName { parameters.append(("application_name", applicationName)) }
        connection.options.additionalStartupParameters = parameters
        return try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
    }

    /// What went wrong, in words: the server's message (wrong password, no such database) or
    /// the connection's error (refused, timed out), never the password.
    func reason(_ error: any Error) -> String {
        var text: String
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                text = message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            } else if let underlying = error.underlying {
                text = "\(underlying)"
            } else {
                text = "\(error.code)"
            }
        } else {
            text = "\(error)"
        }
        if let password = configuration.endpoint.password, !password.isEmpty {
            text = text.replacingOccurrences(of: password, with: "***")
        }
        return text
    }
}
