import Foundation
import UnlearnData
import UnlearnLedger

/// The outcome of `unlearn doctor`: every check with its evidence and, where one exists, the fix.
public struct DoctorReport: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        case ok, warn, fail
        /// Not run, because an earlier check it depends on failed (or a job holds the store).
        case skipped
    }

    public struct Check: Sendable, Codable {
        public var name: String
        public var status: Status
        public var detail: String
        public var fix: String?
    }

    public var store: String
    public var checks: [Check]
    /// True when no check failed (warnings allowed).
    public var healthy: Bool { !checks.contains { $0.status == .fail } }
}

extension Store {
    /// Checks everything a store is made of, without trusting any of it and without changing it:
    /// the configuration seal, SQLite's integrity, the audit chain, the head against the ledger,
    /// every live file against the manifest, leftovers, and permissions.
    ///
    /// It works on a store that no longer opens: each check runs on what the earlier ones could
    /// read, and a check whose input is damaged is reported as skipped.
    public static func doctor(_ root: String) -> DoctorReport {
        let layout = StoreLayout(root: root)
        var checks: [DoctorReport.Check] = []
        func add(_ name: String, _ status: DoctorReport.Status, _ detail: String, fix: String? = nil) {
            checks.append(.init(name: name, status: status, detail: detail, fix: fix))
        }
        func failure(_ error: any Error) -> (String, String?) {
            if let error = error as? UnlearnError { return (error.message, error.hint) }
            return ("\(error)", nil)
        }

        // 1. The configuration: key checksum, then the store.json seal under that key.
        guard FileManager.default.fileExists(atPath: layout.configPath) else {
            add("store", .fail, "no store.json in '\(root)'", fix: "Check --store; a store is created by 'unlearn init'.")
            return DoctorReport(store: root, checks: checks)
        }
        var secret: [UInt8]?
        do {
            secret = try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.secretPath), path: layout.secretPath)
            add("store.key", .ok, "checksum matches")
        } catch {
            let (detail, fix) = failure(error)
            add("store.key", .fail, detail, fix: fix)
        }
        if let secret {
            do {
                _ = try StoreConfig.load(layout, secret: secret)
                add("store.json", .ok, "seal matches")
            } catch {
                let (detail, fix) = failure(error)
                add("store.json", .fail, detail, fix: fix)
            }
        } else {
            add("store.json", .skipped, "its seal cannot be checked without store.key")
        }
        if FileManager.default.fileExists(atPath: layout.receiptKeyPath) {
            do {
                _ = try StoreSeal.secret(fromKeyFile: AtomicFile.read(layout.receiptKeyPath), path: layout.receiptKeyPath)
                add("receipt.key", .ok, "checksum matches")
            } catch {
                let (detail, fix) = failure(error)
                add("receipt.key", .fail, detail, fix: fix)
            }
        } else {
            add("receipt.key", .warn, "missing: completed deletions cannot get signed receipts", fix: "Run 'unlearn recover' to create a key.")
        }

        // 2. The ledger: SQLite's own check, the audit chain, and the head written outside it.
        var ledger: Ledger?
        do {
            let opened = try Ledger(readingOnly: layout.ledgerPath)
            let findings = try opened.integrityCheck()
            if findings == ["ok"] {
                add("ledger.sqlite", .ok, "SQLite integrity_check: ok")
                ledger = opened
            } else {
                add("ledger.sqlite", .fail, "SQLite integrity_check: \(findings.prefix(5).joined(separator: "; "))",
                    fix: "Restore ledger.sqlite from a backup; it is the record of every deletion request.")
            }
        } catch {
            add("ledger.sqlite", .fail, "cannot be opened: \(error)", fix: "Restore ledger.sqlite from a backup.")
        }
        var live: PublishedVersion?
        if let ledger {
            do {
                let chain = try ledger.verifyChain()
                if chain.isIntact {
                    add("audit chain", .ok, "\(chain.eventsChecked) events, every hash and link recomputed")
                } else {
                    add("audit chain", .fail, "broken at seq \(chain.firstBrokenSeq ?? 0): \(chain.reason ?? "")",
                        fix: "The ledger was altered; restore it from a backup and keep this copy as evidence.")
                }
            } catch {
                add("audit chain", .fail, "\(error)")
            }
            do {
                try StoreHead.check(layout, ledger: ledger)
                let head = try StoreHead.read(layout)
                let latest = try ledger.latestVersion()
                switch head {
                case nil:
                    add("ledger head", .warn, "no store.head: a lost commit could not be detected", fix: "Run 'unlearn recover' to write it.")
                case let head? where head.version < latest?.version ?? 0:
                    add("ledger head", .warn, "store.head names version \(head.version), the ledger \(latest?.version ?? 0) (a crash right after a publish)",
                        fix: "Run 'unlearn recover'.")
                default:
                    add("ledger head", .ok, "the ledger holds the last published version (\(latest?.version ?? 0))")
                }
            } catch {
                let (detail, fix) = failure(error)
                add("ledger head", .fail, detail, fix: fix)
            }
            if let version = try? ledger.latestVersion() {
                live = (try? Manifest.parse(version.manifest, version: version.version)).map { PublishedVersion(version: version, manifest: $0) }
            }
        } else {
            for name in ["audit chain", "ledger head"] { add(name, .skipped, "the ledger cannot be read") }
        }

        // 3. Every live file, intermediate checkpoints included, against the manifest.
        if let live {
            var missing: [String] = [], altered: [String] = []
            let files = live.manifest.shards.flatMap { $0.rows + $0.checkpoints }
            for file in files {
                guard let bytes = try? AtomicFile.read(layout.path(file.path)) else {
                    missing.append(file.path)
                    continue
                }
                if sha256Hex(bytes) != file.sha256 { altered.append(file.path) }
            }
            if missing.isEmpty && altered.isEmpty {
                add("live files", .ok, "\(files.count) files of version \(live.version.version) present, every sha256 matches")
            } else {
                let shards = Set((missing + altered).compactMap(Self.shard(ofPath:))).sorted()
                add("live files", .fail,
                    (missing.isEmpty ? "" : "missing: \(Self.listed(missing)). ") + (altered.isEmpty ? "" : "sha256 differs: \(Self.listed(altered))."),
                    fix: "A checkpoint can be rebuilt with 'unlearn train --store \(root) --shard K' (shards \(shards.map(String.init).joined(separator: ", "))); a row file only from a backup.")
            }
        } else {
            add("live files", .skipped, "no readable manifest in the ledger")
        }

        // 4. Leftovers, unless a job is running (its unpublished files are not leftovers).
        if let live {
            do {
                let lock = try StoreLock(layout)
                defer { withExtendedLifetime(lock) {} }
                let named = live.manifest.allPaths
                let extra = layout.storeFiles().filter { !named.contains($0) }
                    + ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.contains(".tmp-") }
                let newer = extra.filter { (Self.generation(ofPath: $0) ?? 0) > live.version.version }
                if extra.isEmpty {
                    add("leftover files", .ok, "none")
                } else {
                    add("leftover files", .warn,
                        "\(extra.count) file(s) no published version names: \(Self.listed(extra))"
                            + (newer.isEmpty ? "" : "; \(newer.count) of a newer generation than version \(live.version.version) (an interrupted job's, unless the ledger lost a commit: see 'ledger head')"),
                        fix: "'unlearn recover --store \(root)' removes them.")
                }
            } catch {
                add("leftover files", .skipped, "a job holds the store lock; its files are not leftovers")
            }
        }

        // 5. Owner-only: every store file 0600 and every store folder 0700.
        var loose: [String] = []
        for name in [""] + layout.existingStoreFiles() + layout.storeFiles() {
            let path = name.isEmpty ? root : layout.path(name)
            guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else { continue }
            if mode & 0o077 != 0 { loose.append((name.isEmpty ? "." : name) + " " + String(mode, radix: 8)) }
        }
        if loose.isEmpty {
            add("permissions", .ok, "owner-only")
        } else {
            add("permissions", .fail, "readable or writable by others: \(Self.listed(loose))",
                fix: "chmod -R go-rwx -- '\(root)'")
        }
        return DoctorReport(store: root, checks: checks)
    }

    private static func listed(_ items: [String]) -> String {
        items.prefix(5).joined(separator: ", ") + (items.count > 5 ? " and \(items.count - 5) more" : "")
    }

    /// The generation in a shard file's name (`shard-003/slice-007.g12.ckpt.zst` → 12).
    static func generation(ofPath path: String) -> Int? {
        guard let range = path.range(of: #"\.g[0-9]+\."#, options: .regularExpression) else { return nil }
        return Int(path[range].dropFirst(2).dropLast())
    }

    static func shard(ofPath path: String) -> Int? {
        guard path.hasPrefix("shard-") else { return nil }
        return Int(path.dropFirst(6).prefix { $0.isNumber })
    }
}
