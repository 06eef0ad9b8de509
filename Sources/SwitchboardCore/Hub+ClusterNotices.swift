import Foundation
import Logging

extension Hub {
    /// An inbox item another node committed reaches this node's live inbox: read by its id
    /// (the notice carries nothing else) and published as the router publishes its own, so
    /// the live inbox applies the same rule of who may see it.
    func relayInboxNotice(_ notice: ClusterNotices.Notice) async {
        guard case .inboxItem(let id) = notice else { return }
        do {
            // The viewer only decides the read flag, which a new item has for nobody.
            guard let item = try await store.inboxItem(id: id, viewer: "") else { return }
            inboxEvents.publish(item)
        } catch {
            logger.warning("live inbox: could not read an item another node added", metadata: ["item": "\(id)", "error": "\(error)"])
        }
    }
}
