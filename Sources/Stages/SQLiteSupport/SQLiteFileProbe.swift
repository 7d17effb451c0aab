// SQLiteFileProbe: whether a SQLite file in WAL mode can take a write right now, judged from
// its folder's and files' modes and the free space: a few stat/access/statvfs calls, no
// open, no write. Its answers name files by their name only; absolute paths stay in logs.

import Foundation

/// Checks a database file, its `-wal` and `-shm` siblings and their folder.
///
/// Why modes and not only `access(2)`: a daemon running as root may write any file, so a
/// file an operator made read-only (`chmod 444`) would still be written. A file or folder
/// with no write bit at all counts as read-only for every user, root included.
///
/// Why the `-shm` matters: SQLite maps `<db>-shm` into memory and writes through the
/// mapping. A write through a mapping that the file no longer backs (read-only, truncated,
/// or on a full disk) is a SIGBUS that ends the process, not an error code. Refusing the
/// write before SQLite touches the mapping keeps the process up and turns the problem into a
/// 503 that names the file.
struct SQLiteFileProbe: Sendable {
    /// The database file (absolute).
    let path: String
    /// Below this many bytes free on the file's file system a write is refused as "disk full".
    var minimumFreeBytes: UInt64 = 1 << 20

    var name: String { (path as NSString).lastPathComponent }
    var folder: String { (path as NSString).deletingLastPathComponent }

    /// Nil when a write can go ahead; otherwise what stops it, naming the file by its name.
    func problem() -> String? {
        if !writable(folder, mustExist: true) { return "the folder holding \(name) is read-only or missing" }
        for suffix in ["", "-wal", "-shm"] where !writable(path + suffix, mustExist: suffix.isEmpty) {
            return "\(name)\(suffix) is read-only or missing"
        }
        var stats = statvfs()
        if statvfs(folder, &stats) == 0 {
            let free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
            if free < minimumFreeBytes { return "disk full: \(free) bytes free where \(name) lives, at least \(minimumFreeBytes) needed" }
        }
        return nil
    }

    /// A file that does not exist is writable unless it must exist (SQLite creates `-wal`
    /// and `-shm` when it needs them).
    private func writable(_ file: String, mustExist: Bool) -> Bool {
        var info = stat()
        guard stat(file, &info) == 0 else { return !mustExist }
        return info.st_mode & 0o222 != 0 && access(file, W_OK) == 0
    }

    /// An error's text for clients: the folder's absolute path taken out.
    func clientText(_ error: any Error) -> String {
        "\(error)".replacingOccurrences(of: folder + "/", with: "")
    }
}
