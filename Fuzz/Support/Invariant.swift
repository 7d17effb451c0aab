// FuzzSupport: what every fuzz target shares: how a broken invariant stops the run (so
// libFuzzer records the input as a crash) and how the input arrives.

/// Stops the process with `message` when `condition` is false: libFuzzer keeps the input that
/// did it as a crash file. For invariants beyond "does not crash".
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
}

/// The input libFuzzer passes to `LLVMFuzzerTestOneInput`, as bytes (`start` may be null when
/// `count` is 0).
public func fuzzInput(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: start, count: count))
}
