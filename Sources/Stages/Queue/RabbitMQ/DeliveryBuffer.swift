// DeliveryBuffer: deliveries the consumer thread has read and the worker has not taken yet,
// and the worker's wait for them. Owns the delivery-tag encoding (connection generation).

import PipelineKit

/// Hand-off from a consumer's connection thread to the one worker task reading it.
final class DeliveryBuffer: Sendable {
    private struct State {
        var items: [Delivery] = []
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = LockedState(State())

    // MARK: Delivery tags

    /// AMQP delivery tags restart at 1 on every channel, so `Delivery.tag` carries the
    /// connection generation in its top 24 bits: an ack for a tag of an older connection is
    /// recognised (and dropped, as the broker redelivers that message) instead of acking
    /// another message with the same number.
    static func tag(_ deliveryTag: UInt64, generation: UInt32) -> UInt64 {
        UInt64(generation & 0xFF_FFFF) << 40 | (deliveryTag & 0xFF_FFFF_FFFF)
    }

    static func split(_ tag: UInt64) -> (deliveryTag: UInt64, generation: UInt32) {
        (tag & 0xFF_FFFF_FFFF, UInt32(tag >> 40))
    }

    // MARK: Thread side

    func append(_ delivery: Delivery) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(delivery)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Drops deliveries of a connection that is gone (the broker delivers them again).
    func dropAll() {
        state.withLock { $0.items = [] }
    }

    // MARK: Worker side

    /// Everything buffered; nil once closed.
    func take() -> [Delivery]? {
        state.withLock { state in
            if state.closed { return nil }
            defer { state.items = [] }
            return state.items
        }
    }

    /// Returns when a delivery is buffered, the buffer is closed, or `maxWait` passed.
    func wait(maxWait: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park() }
            group.addTask { try? await Task.sleep(for: maxWait) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until `append`, `close` or cancellation. Cancellation is checked under the
    /// lock, so a cancel that lands before the continuation is stored is not lost.
    private func park() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.closed || !state.items.isEmpty || Task.isCancelled { return true }
                    state.waiter?.resume()
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            wakeWaiter()
        }
    }

    func close() {
        state.withLock { $0.closed = true }
        wakeWaiter()
    }

    private func wakeWaiter() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }
}
