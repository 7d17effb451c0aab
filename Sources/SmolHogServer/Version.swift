// What `smolhogd --version` prints: the release (CHANGELOG.md) and the commit the binary was
// built from (`buildCommit`, written by the VersionStamp plugin).

/// SmolHog's version: the last release in CHANGELOG.md, `-dev` while unreleased changes are on top.
public enum SmolHogVersion {
    /// The release, `MAJOR.MINOR.PATCH[-dev]`.
    public static let release = "0.2.0-dev"
    /// The git commit the binary was built from (12 hex digits, `-modified` when the tree had
    /// uncommitted changes), or `unknown` outside a clone.
    public static let commit = buildCommit
    /// `smolhogd 0.2.0-dev (commit 1a2b3c4d5e6f)`.
    public static var description: String { "smolhogd \(release) (commit \(commit))" }
}
