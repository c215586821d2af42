import Foundation

/// Audit payloads: small JSON objects with sorted keys, so equal content gives equal text.
enum Payload {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `request.received`: everything the request committed to.
    struct Received: Encodable {
        struct Covered: Encodable {
            var key: String
            var shard: Int
            var slice: Int
        }
        var target_kind: String
        var target_key: String
        var received_at: Date
        var due_at: Date
        var requested_by: String?
        var reason: String?
        var records: [Covered]
    }

    /// `job.started`: the plan itself stays in `retrain_job`; the chain pins its hash.
    struct JobStarted: Encodable {
        var job_id: Int64
        var worker: String?
        var plan_sha256: String
    }

    /// `job.failed`.
    struct JobFailed: Encodable {
        var job_id: Int64
        var error: String
        var seconds: Double
    }

    /// `version.published`; `parent` is an explicit null for the first version.
    struct Published: Encodable {
        var version: Int
        var kind: String
        var manifest_sha256: String
        var parent: Int?
        var job_id: Int64?

        enum CodingKeys: String, CodingKey { case version, kind, manifest_sha256, parent, job_id }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(kind, forKey: .kind)
            try container.encode(manifest_sha256, forKey: .manifest_sha256)
            try container.encode(parent, forKey: .parent)
            try container.encodeIfPresent(job_id, forKey: .job_id)
        }
    }

    /// `request.rejected`.
    struct Rejected: Encodable {
        var reason: String?
        var released: Int
    }
}
