// AMQPLink's thread: connect, serve the connection (commands, frames, heartbeats), reconnect
// with backoff, finish on close; and the watchdog that runs beside it on the Swift pool.

import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AMQPLink {
    func run() {
        let role = makeRole()
        var backoff = timings.initialBackoff
        var generation: UInt32 = 0
        var closers: [CheckedContinuation<Void, Never>] = []
        while closers.isEmpty {
            generation &+= 1
            let session: AMQPSession
            do {
                session = try AMQPSession(endpoint: endpoint, timeout: timings.connectTimeout, heartbeatSeconds: timings.heartbeatSeconds)
                try role.setUp(session, generation: generation)
            } catch {
                let failure = error as? AMQPError ?? AMQPError("\(error)")
                role.connectionLost(failure)
                markDown(failure)
                closers = waitOut(backoff, role: role)
                backoff = min(backoff * 2, timings.maxBackoff)
                continue
            }
            shared.withLock {
                $0.status = .up
                $0.descriptor = session.descriptor
            }
            logger.info("RabbitMQ connection up.", metadata: ["link": "\(name)", "broker": "\(endpoint)"])
            backoff = timings.initialBackoff
            let outcome = serve(session, role: role)
            shared.withLock {
                $0.descriptor = nil
                $0.busySince = nil
            }
            closers = outcome.closers
            if let failure = outcome.failure {
                role.connectionLost(failure)
                markDown(failure)
                if closers.isEmpty { closers = waitOut(backoff, role: role) }
            } else {
                session.close()
            }
            session.abandon()
        }
        finish(role: role, closers: closers)
    }

    private func markDown(_ failure: AMQPError) {
        let changed = shared.withLock { shared in
            let changed = shared.status != .down(failure.description)
            shared.status = .down(failure.description)
            return changed
        }
        if changed {
            logger.warning("RabbitMQ connection down; reconnecting with backoff.", metadata: ["link": "\(name)", "error": "\(failure)"])
        } else {
            logger.debug("RabbitMQ reconnect failed.", metadata: ["link": "\(name)", "error": "\(failure)"])
        }
    }

    /// Serves the open connection until a graceful close completes (no failure) or it breaks.
    private func serve(_ session: AMQPSession, role: Role) -> (failure: AMQPError?, closers: [CheckedContinuation<Void, Never>]) {
        var closers: [CheckedContinuation<Void, Never>] = []
        var closeDeadline = ContinuousClock.now
        do {
            while true {
                shared.withLock { $0.busySince = .now }
                var messages = takeMessages()[...]
                while let message = messages.popFirst() {
                    switch message {
                    case .command(let command):
                        do {
                            try role.perform(command, session: session)
                        } catch {
                            // The connection broke: the rest are handled after it (failed or retried), never dropped.
                            putBack(messages)
                            throw error
                        }
                    case .close(let continuation):
                        if closers.isEmpty {
                            role.beginClose(session)
                            closeDeadline = .now + timings.confirmTimeout
                        }
                        closers.append(continuation)
                    }
                }
                // Frames are copied out as they are read, so the library's buffers are released
                // after each one: released once per burst, its pool kept a whole prefetch of
                // bodies (~35 MB) for the life of the connection.
                while let frame = try session.nextFrame(timeout: .zero) {
                    try handle(frame, session: session, role: role)
                    session.releaseBuffers()
                }
                session.releaseBuffers()
                shared.withLock { $0.busySince = nil }
                if !closers.isEmpty && (role.isSettled || ContinuousClock.now >= closeDeadline) { return (nil, closers) }
                if session.hasBufferedInput { continue }
                let ready = waitForInput(socket: session.descriptor, timeout: timings.pollInterval)
                if ready.wake { wake.drain() }
                if !ready.socket && !ready.wake, let frame = try session.nextFrame(timeout: .milliseconds(1)) {
                    // Idle: the short wait lets the library send a due heartbeat and notice a silent broker.
                    try handle(frame, session: session, role: role)
                }
            }
        } catch {
            return (error as? AMQPError ?? AMQPError("\(error)"), closers)
        }
    }

    private func handle(_ frame: AMQPFrame, session: AMQPSession, role: Role) throws {
        if case .method(_, .connectionClose(let code, let text)) = frame {
            session.confirmBrokerClose()
            throw AMQPError("broker closed the connection (\(code) \(text))")
        }
        try role.handle(frame, session: session)
    }

    /// While disconnected: waits `delay` (or until closed), failing commands as they come.
    private func waitOut(_ delay: Duration, role: Role) -> [CheckedContinuation<Void, Never>] {
        let until = ContinuousClock.now + delay
        var closers: [CheckedContinuation<Void, Never>] = []
        while true {
            for message in takeMessages() {
                switch message {
                case .command(let command): try? role.perform(command, session: nil)
                case .close(let continuation): closers.append(continuation)
                }
            }
            let now = ContinuousClock.now
            if !closers.isEmpty || now >= until { return closers }
            if waitForInput(socket: nil, timeout: until - now).wake { wake.drain() }
        }
    }

    private func finish(role: Role, closers: [CheckedContinuation<Void, Never>]) {
        let (left, watchdog) = shared.withLock { shared in
            shared.finished = true
            shared.status = .closed
            let left = shared.messages
            shared.messages = []
            return (left, shared.watchdog)
        }
        watchdog?.cancel()
        role.connectionLost(AMQPError("the connection was closed"))
        var closers = closers
        for message in left {
            switch message {
            case .command(let command): try? role.perform(command, session: nil)
            case .close(let continuation): closers.append(continuation)
            }
        }
        wake.close()
        logger.info("RabbitMQ connection closed.", metadata: ["link": "\(name)"])
        for continuation in closers { continuation.resume() }
    }

    private func waitForInput(socket: Int32?, timeout: Duration) -> (socket: Bool, wake: Bool) {
        var descriptors = [pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
        if let socket { descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0)) }
        let (seconds, attoseconds) = timeout.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        guard poll(&descriptors, nfds_t(descriptors.count), Int32(clamping: max(0, milliseconds))) > 0 else { return (false, false) }
        return (descriptors.count > 1 && descriptors[1].revents != 0, descriptors[0].revents != 0)
    }

    // MARK: - The watchdog (runs on the cooperative pool, never blocks)

    /// Fails confirms past their deadline, and unsticks a thread blocked in a send (a broker
    /// that stopped reading) by shutting its socket down, which makes the call fail.
    func watchdogTick() {
        let now = ContinuousClock.now
        for tracker in trackers {
            for entry in tracker.expire(now: now) {
                entry.fail("RabbitMQ at \(endpoint) did not confirm within \(timings.confirmTimeout)")
            }
        }
        let stuck = shared.withLock { shared -> Bool in
            guard let since = shared.busySince else { return false }
            return now - since > timings.confirmTimeout + timings.connectTimeout
        }
        if stuck && dropConnection() {
            logger.warning("RabbitMQ connection stuck in a blocking call; shutting its socket down.", metadata: ["link": "\(name)"])
        }
    }
}
