// fuzz-lzstring: any text through `LZString.decompressFromBase64`. It decompresses or throws,
// never more than the limit out, and what it returns is valid UTF-8.

import FuzzSupport
import WireDecoding

/// Small, so the limit and ratio checks are reached often.
private let limits = WireBodyLimits(maxBytes: 64 * 1024, maxRatio: 50, ratioFloor: 4096)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLZString(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let output = try? LZString.decompressFromBase64(bytes, limits: limits) else { return 0 }
    require(output.count <= limits.outputLimit(forInput: bytes.count), "\(output.count) bytes out of \(bytes.count)")
    require(String(validating: output, as: UTF8.self) != nil, "output is not UTF-8")
    return 0
}
