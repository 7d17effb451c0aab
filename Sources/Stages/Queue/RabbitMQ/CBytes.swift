// CBytes: C copies of Swift strings and byte arrays for one rabbitmq-c call. rabbitmq-c's
// `amqp_bytes_t` and tables only borrow their pointers, so this owns them until it is freed.

import CRabbitMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An arena of C memory. Everything it hands out stays valid until the arena is released,
/// so make the library call inside `CBytes.scope`. Never crosses threads: it lives for one
/// call on the connection thread.
final class CBytes {
    private var allocations: [UnsafeMutableRawPointer] = []

    private init() {}

    /// Runs `body` with an arena that outlives everything `body` does.
    static func scope<Result>(_ body: (CBytes) throws -> Result) rethrows -> Result {
        let arena = CBytes()
        return try withExtendedLifetime(arena) { try body(arena) }
    }

    deinit {
        for allocation in allocations { free(allocation) }
    }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        // malloc(0) may return nil; always ask for at least one byte.
        guard let pointer = malloc(max(count, 1)) else { fatalError("out of memory allocating \(count) bytes for rabbitmq-c") }
        allocations.append(pointer)
        return pointer
    }

    /// A borrowed `amqp_bytes_t` over a copy of `value`.
    func bytes(_ value: [UInt8]) -> amqp_bytes_t {
        let pointer = allocate(value.count)
        value.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: source.count) }
        }
        return amqp_bytes_t(len: value.count, bytes: pointer)
    }

    func bytes(_ value: String) -> amqp_bytes_t { bytes(Array(value.utf8)) }

    /// A NUL-terminated copy of `value`.
    func cString(_ value: String) -> UnsafePointer<CChar> {
        let utf8 = Array(value.utf8)
        let pointer = allocate(utf8.count + 1)
        let characters = pointer.bindMemory(to: CChar.self, capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { characters[index] = CChar(bitPattern: byte) }
        characters[utf8.count] = 0
        return UnsafePointer(characters)
    }

    /// A field table of long-string values.
    func table(_ entries: [(key: String, value: String)]) -> amqp_table_t {
        guard !entries.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let raw = allocate(MemoryLayout<amqp_table_entry_t>.stride * entries.count)
        let typed = raw.bindMemory(to: amqp_table_entry_t.self, capacity: entries.count)
        for (index, entry) in entries.enumerated() {
            (typed + index).initialize(to: smolhog_amqp_string_entry(bytes(entry.key), bytes(entry.value)))
        }
        return smolhog_amqp_table(typed, Int32(entries.count))
    }
}

/// The empty byte string (instead of the C global `amqp_empty_bytes`, which Swift 6 sees as
/// shared mutable state).
var emptyAMQPBytes: amqp_bytes_t { amqp_bytes_t(len: 0, bytes: nil) }

extension amqp_bytes_t {
    /// A Swift copy of the bytes (the library's memory is reused after the next call).
    var array: [UInt8] {
        guard let bytes, len > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: array, as: UTF8.self) }
}
