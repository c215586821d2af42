import Foundation
import UnlearnData

extension Store {
    /// Brings the store back to its last published version after a crash: removes temp files and
    /// row or checkpoint files the live version does not name (orphans of an unpublished job, or
    /// superseded files a crash left before purge), and marks interrupted jobs failed.
    /// Callers hold the store lock, so no running job's files are touched.
    /// A `--shard` worker recovers only its shard: other shards may be mid-job in other workers,
    /// so their files and the running jobs are left to the next whole-store job.
    ///
    /// Before anything is removed it runs the cheap part of ``doctor(_:)``: SQLite's quick check
    /// and the presence of every live file, so a damaged store stops here with the file named
    /// instead of a job building on it.
    @discardableResult
    public func recover(shard: Int? = nil) throws -> [String] {
        let live = try liveVersion()
        try checkBeforeJob(live)
        var removed = try files.removeFiles(notIn: live.manifest, shard: shard)
        var abandoned = 0
        if shard == nil {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: layout.root)) ?? [] where name.contains(".tmp-") {
                try AtomicFile.remove(layout.path(name))
                removed.append(name)
            }
            abandoned = try ledger.abandonRunningJobs(at: Date())
            // Nothing the live version does not name is left, so every version up to it is purged.
            try ledger.markPurged(version: live.version.version, andEarlier: true)
        }
        if !removed.isEmpty || abandoned > 0 {
            try ledger.appendEvent(
                kind: .storeRecovered, requestID: nil, recordKey: nil, shard: nil,
                payload: StorePayload.recovered(filesRemoved: removed.count, jobsAbandoned: abandoned, version: live.version.version), at: Date())
            logger.notice("recovered store", metadata: ["files.removed": "\(removed.count)", "jobs.abandoned": "\(abandoned)"])
        }
        return removed
    }

    /// SQLite's quick check, every live file present, and a head that lags the ledger moved on.
    func checkBeforeJob(_ live: PublishedVersion) throws {
        let findings = try ledger.integrityCheck(quick: true)
        guard findings == ["ok"] else {
            throw UnlearnError(.corrupt, "'\(layout.ledgerPath)' failed SQLite's quick check: \(findings.prefix(3).joined(separator: "; "))",
                               hint: "Nothing was changed. Run 'unlearn doctor --store \(layout.root)', and restore the ledger from a backup.")
        }
        let missing = live.manifest.allPaths.sorted().filter { !FileManager.default.fileExists(atPath: layout.path($0)) }
        guard missing.isEmpty else {
            throw UnlearnError(.corrupt, "\(missing.count) file(s) of the live version \(live.version.version) are missing: \(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? ", …" : "")",
                               hint: "Nothing was changed. Run 'unlearn doctor --store \(layout.root)'; restore the store from a backup.")
        }
        try StoreHead.advance(layout, to: live.version)
        try Self.ensureReceiptKey(layout)
    }
}

extension Store {
    /// ``recover()`` under the store lock, for the `recover` command.
    public func recoverLocked() throws -> [String] {
        let lock = try StoreLock(layout)
        defer { withExtendedLifetime(lock) {} }
        return try recover()
    }
}
