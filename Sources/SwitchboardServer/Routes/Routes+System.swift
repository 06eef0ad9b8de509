import Hummingbird
import SwitchboardCore

// Health, metrics and the API's own description.

extension APIEnvironment {
    /// The routes that answer without a login: health (for load balancers), the OpenAPI
    /// document (it describes, it reveals nothing), and logging in.
    func addPublicRoutes(to router: Router<Context>) {
        router.get("/health") { _, context in try await health(context) }
        router.get("/api/v1/openapi.yaml") { _, _ in try openAPI() }
        addLoginRoute(to: router)
    }

    /// Metrics are for admins: counters reveal traffic (who is busy, which connectors fail,
    /// topic subscribers by name), which a plain user has no reason to see. Prometheus scrapes
    /// with an admin's bearer token (`authorization` in its scrape config); tokens have no
    /// scopes, so that token is an admin's: keep it as secret as the admin password.
    func addMetricsRoute(to group: RouterGroup<Context>) {
        group.get("/metrics") { _, context in
            try context.requireAdmin()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    /// `ok` once the store answers a cheap query; 503 if it does not.
    func health(_ context: Context) async throws -> Response {
        do {
            _ = try await store.nextDue()
        } catch {
            context.logger.error("health check: the store failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "unavailable", "the store is not answering")
        }
        let dataDirectory = hub.configuration.storage.dataDirectory
        if let since = storageHealth.outOfSpace(dataDirectory: dataDirectory) {
            // Reads work, writes do not: degraded, and not ready for traffic that writes.
            return try .json(
                [
                    "status": "degraded", "error": "storage_full",
                    "message": "writes fail: the store is out of disk space on \(dataDirectory) since \(since.formatted(.iso8601))",
                ],
                status: .serviceUnavailable
            )
        }
        return try .json(["status": "ok"])
    }

    func openAPI() throws -> Response {
        guard let document = openAPIDocument else {
            throw APIError(.serviceUnavailable, "unavailable", "the OpenAPI document is not installed")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: document))
        )
    }
}
