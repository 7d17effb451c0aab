// fuzz-posthog-body: any bytes as a PostHog capture body through `PostHogBody.decode`, the
// first byte choosing the headers and query (form or not, compression named or not), so
// base64, form `data=`, CESU-8, lz64 and gzip-by-magic are all reached. Never more than the
// limit out; CESU-8 repair never lengthens its input.

import FuzzSupport
import NIOCore
import WireDecoding

private let limits = WireBodyLimits(maxBytes: 64 * 1024, maxRatio: 50, ratioFloor: 4096)
private let queries: [String?] = [nil, "compression=lz64", "compression=gzip-js", "compression=base64", "ip=1&_=1796286853486&ver=1.78.2"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostHogBody(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let selector = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let request = PostHogBodyRequest(
        body: ByteBuffer(bytes: body), contentType: selector & 1 == 0 ? "application/x-www-form-urlencoded" : "application/json",
        query: queries[Int(selector >> 1) % queries.count])
    if let output = try? PostHogBody.decode(request, limits: limits) {
        require(output.count <= limits.maxBytes, "\(output.count) bytes out, limit \(limits.maxBytes)")
    }
    if let repaired = CESU8.repaired(body) { require(repaired.count <= body.count, "CESU-8 repair grew the input") }
    _ = try? Base64Body.decode(body)
    return 0
}
