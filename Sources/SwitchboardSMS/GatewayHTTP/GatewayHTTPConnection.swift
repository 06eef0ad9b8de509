import NIOCore

/// One pooled connection: its channel and, bound to the channel's event loop, the handler that
/// carries its requests.
///
/// Why a class: the pool hands the same connection from request to request, and the handler
/// may only be touched on its loop, so a request is one `execute` onto that loop and one
/// awaited future back.
final class GatewayHTTPConnection: Sendable {
    /// The pool's name for this connection (idle connections are found by it when they close).
    let id: Int
    let channel: any Channel
    private let handler: NIOLoopBound<GatewayHTTPConnectionHandler>

    init(id: Int, channel: any Channel, handler: GatewayHTTPConnectionHandler) {
        self.id = id
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    var isActive: Bool { channel.isActive }

    /// Sends `request` and waits for its whole answer, until `deadline` at the latest. A
    /// cancelled caller fails the request and closes the connection.
    func execute(_ request: GatewayHTTPRequest, deadline: NIODeadline) async throws -> GatewayHTTPResponse {
        let loop = channel.eventLoop
        let exchange = GatewayHTTPConnectionHandler.Exchange(
            request: request,
            deadline: deadline,
            promise: loop.makePromise(of: GatewayHTTPResponse.self)
        )
        let handler = self.handler
        // Where tasks run on NIO's event loops (`serve`), the caller is often on this one already.
        if loop.inEventLoop {
            handler.value.start(exchange)
        } else {
            loop.execute { handler.value.start(exchange) }
        }
        let future = exchange.promise.futureResult
        return try await withTaskCancellationHandler {
            try await future.get()
        } onCancel: {
            loop.execute { handler.value.cancel(future) }
        }
    }

    func close() { channel.close(mode: .all, promise: nil) }
}
