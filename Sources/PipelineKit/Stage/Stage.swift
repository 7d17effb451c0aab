// The one extension point of the pipeline: a typed batch transform. Everything a stage may
// touch comes through its config (at build time) and its input batch (at run time).

public import Logging

/// A step of the pipeline: turns a batch of `Input` into a batch of `Output`, rejecting
/// individual items by recording a `Rejection` (at the item's original index).
///
/// Invariants:
/// - `process` is called concurrently from many requests (ingest path) or from the worker
///   loop; a stage keeps no per-call state in `self` unless it synchronizes it.
/// - Throwing means the whole batch could not be handled (a dependency is down); nothing of
///   it may be reported as taken. Per-item problems are rejections, never throws.
public protocol Stage<Input, Output>: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    func process(_ batch: Batch<Input>) async throws -> Batch<Output>
}

/// A stage that runs inside the store's transaction, after `persist`: pure and synchronous,
/// so the store can run it between inserting the events and committing. It sees only the
/// events that were newly inserted, which is what makes redelivery harmless.
public protocol InTransactionStage<Input, Output>: Stage {
    func apply(_ batch: Batch<Input>) throws -> Batch<Output>
}

extension InTransactionStage {
    public func process(_ batch: Batch<Input>) async throws -> Batch<Output> { try apply(batch) }
}

/// What a stage kind gets when it builds: where relative paths start, a logger, and which
/// role the process runs in (so a kind can skip connecting to what this role never uses).
public struct BuildContext: Sendable {
    /// Directory of the config file; relative paths in the config are relative to it.
    public var baseDirectory: String
    public var logger: Logger
    public var role: ProcessRole
    /// What the graph's store cannot hold (`validate` enforces it on the ingest path).
    public var storeLimits: StoreLimits = .none

    public init(baseDirectory: String, logger: Logger, role: ProcessRole) {
        self.baseDirectory = baseDirectory
        self.logger = logger
        self.role = role
    }

    /// Resolves a path from the config against `baseDirectory`.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }
}

/// Which paths of the graph a process runs.
public enum ProcessRole: String, Sendable, CaseIterable {
    /// Ingest path and worker path in one process.
    case all
    /// HTTP ingest only; a worker elsewhere consumes the queue.
    case ingest
    /// Worker path only.
    case worker

    public var runsIngest: Bool { self != .worker }
    public var runsWorker: Bool { self != .ingest }
}
