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
    /// Element type of the batches the stage takes; the previous stage's `Output` (checked when
    /// the config compiles).
    associatedtype Input: Sendable
    /// Element type of the batches the stage returns.
    associatedtype Output: Sendable
    /// Handles one batch: returns the kept items (transformed) with their origins, and every
    /// rejection so far plus its own. Called on the ingest path once per HTTP request, or on the
    /// worker path once per group of queue messages. A throw fails the whole batch: the HTTP
    /// request answers with an error, or the worker retries the group.
    func process(_ batch: Batch<Input>) async throws -> Batch<Output>
}

/// A stage that runs inside the store's transaction, after `persist`: pure and synchronous,
/// so the store can run it between inserting the events and committing. It sees only the
/// events that were newly inserted, which is what makes redelivery harmless.
public protocol InTransactionStage<Input, Output>: Stage {
    /// Handles one batch of newly inserted items inside the store transaction. No I/O, no
    /// waiting: the store's transaction stays open while it runs. A throw rolls the transaction
    /// back, and the worker treats it as a failed write.
    func apply(_ batch: Batch<Input>) throws -> Batch<Output>
}

extension InTransactionStage {
    /// Calls `apply`; an in-transaction stage needs no async work.
    public func process(_ batch: Batch<Input>) async throws -> Batch<Output> { try apply(batch) }
}

/// What a stage kind gets when it builds: where relative paths start, a logger, and which
/// role the process runs in (so a kind can skip connecting to what this role never uses).
public struct BuildContext: Sendable {
    /// Directory of the config file; relative paths in the config are relative to it.
    public var baseDirectory: String
    /// Logger for the stage, with the stage's name under the `stage` metadata key.
    public var logger: Logger
    /// The role the process runs; a stage builds only what that role uses.
    public var role: ProcessRole
    /// What the graph's store cannot hold (`validate` enforces it on the ingest path).
    public var storeLimits: StoreLimits = .none
    /// 0-based position in `stages:` of the stage being built, so that two stages of one kind
    /// can tell their metrics apart; nil when building anything else (a source, a driver).
    public var stageIndex: Int?

    /// Memberwise. The daemon passes `CheckedGraph.directory` as `baseDirectory`.
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

    /// True for `all` and `ingest`: this process serves HTTP ingest.
    public var runsIngest: Bool { self != .worker }
    /// True for `all` and `worker`: this process consumes the queue.
    public var runsWorker: Bool { self != .ingest }
}
