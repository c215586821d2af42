import UnlearnLedger

/// The audit payloads the store writes (the ledger writes its own in `Payload`): small JSON
/// objects with sorted keys, through the ledger's one ``JSONWriter``.
enum StorePayload {
    /// `store.created`.
    static func created(records: Int, shards: Int, slices: Int, sourceSHA256: String) -> String {
        var writer = JSONWriter()
        writer.add("records", records)
        writer.add("shards", shards)
        writer.add("slices", slices)
        writer.add("source_sha256", sourceSHA256)
        return writer.json
    }

    /// `files.purged`: the superseded files removed after publishing `version`.
    static func purged(version: Int, job: Int64, files: [String]) -> String {
        var writer = JSONWriter()
        writer.add("files", files)
        writer.add("job", job)
        writer.add("version", version)
        return writer.json
    }

    /// `store.recovered`.
    static func recovered(filesRemoved: Int, jobsAbandoned: Int, version: Int) -> String {
        var writer = JSONWriter()
        writer.add("files_removed", filesRemoved)
        writer.add("jobs_abandoned", jobsAbandoned)
        writer.add("version", version)
        return writer.json
    }

    /// `verify.passed` or `verify.failed` of `verify --from-source`: how the source was matched,
    /// what was compared, and which files differ (store paths, never record ids).
    static func verifiedFromSource(_ report: SourceVerification) -> String {
        var writer = JSONWriter()
        writer.add("deleted", report.deleted)
        writer.add("differences", report.differences.count)
        writer.add("files_compared", report.filesCompared)
        writer.add("first_difference", report.differences.first?.file)
        writer.add("rebuilt_records", report.rebuiltRecords)
        writer.add("schema_compared", report.schemaCompared)
        writer.add("source_match", report.mode)
        writer.add("version", report.version)
        return writer.json
    }

    /// `verify.passed` or `verify.failed`.
    static func verified(version: Int, replay: Bool, failed: [String]) -> String {
        var writer = JSONWriter()
        writer.add("failed", failed)
        writer.add("replay", replay)
        writer.add("version", version)
        return writer.json
    }
}
