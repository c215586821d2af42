import Foundation
import Hummingbird
import UnlearnLedger
import UnlearnStore

/// The fields of a `POST /v1/deletions` body.
private let intakeFieldNames: Set<String> = [
    "record_ids", "subject", "reason", "requested_by", "external_id", "status_callback_urls",
]

/// `POST /v1/deletions`: validate, queue for the next group commit, answer 202 after it commits.
func postDeletion(_ request: Request, _ c: ServiceContext, caller: String) async throws -> Response {
    let body = try await JSONObject.parse(request, limit: c.options.maxBodyBytes)
    try body.allowOnly(intakeFieldNames)
    let ids = try body.stringArray("record_ids", maxCount: 1000)
    let subject = try body.string("subject")
    let reason = try body.string("reason")
    let requestedBy = try body.string("requested_by")
    var externalID = try body.string("external_id", maxLength: 200)
    if externalID == nil, let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value {
        guard !key.isEmpty, key.utf8.count <= 200 else { throw APIError.badRequest("Idempotency-Key", "must be 1…200 bytes") }
        externalID = key
    }
    let callbacks = try intakeCallbacks(request, body)
    let targets: [DeletionTarget]
    switch (ids, subject) {
    case (let ids?, nil):
        guard !ids.isEmpty else { throw APIError.badRequest("record_ids", "must hold at least one id") }
        targets = ids.map(DeletionTarget.record)
    case (nil, let subject?):
        guard !subject.isEmpty else { throw APIError.badRequest("subject", "must not be empty") }
        targets = [.subject(subject)]
    case (nil, nil): throw APIError.badRequest("record_ids", "give record_ids or subject")
    case (_?, _?): throw APIError.badRequest("subject", "give record_ids or subject, not both")
    }
    let submissions = c.store.submissions(targets, requestedBy: requestedBy, reason: reason, at: Date())
    let entry = IntakeBatcher.Entry(submissions: submissions, externalID: externalID, callbacks: callbacks)
    switch try await c.intake.submit(entry) {
    case .unknown(let position, let kind):
        c.metrics.intakeRejected.increment()
        throw kind == .record
            ? APIError(.unprocessableContent, "unknown_record", "record_ids[\(position)] is not a record of this store; nothing was recorded")
            : APIError(.unprocessableContent, "unknown_subject", "subject has no records in this store; nothing was recorded")
    case .conflict(let position):
        throw APIError(.conflict, "conflict", "entry \(position) could not be recorded; nothing was recorded, try again")
    case .recorded(let results, let repeated):
        let created = results.filter(\.created).count
        c.metrics.requestsReceived.increment(by: Int64(created))
        if created < results.count { c.metrics.requestsRepeated.increment(by: Int64(results.count - created)) }
        guard let first = results.first else { throw APIError(.internalServerError, "internal", "no request recorded") }
        c.logger.debug("deletion request acknowledged", metadata: [
            "request.id": "\(first.request.id)", "requests": "\(results.count)", "requests.new": "\(created)", "token.name": "\(caller)",
        ])
        var records: [RecordBody] = []
        for (position, result) in results.enumerated() {
            for record in result.request.records {
                records.append(RecordBody(position: position, deletionID: result.request.id, key: String(record.key.prefix(12)),
                                          shard: record.shard, slice: record.slice))
            }
        }
        // Only a repeat can name a completed request, whose status then depends on the purge.
        var resolver = StatusResolver(jobs: [])
        if created < results.count { resolver = try await Blocking.run { try c.statusResolver() } }
        let body = IntakeBody(
            deletionID: first.request.id, deletionIDs: results.map(\.request.id), status: resolver.status(first.request),
            receivedTime: first.request.receivedAt, dueTime: results.map(\.request.dueAt).min() ?? first.request.dueAt,
            repeated: repeated || created == 0, externalID: externalID, records: records)
        return jsonResponse(text: body.json, status: .accepted)
    }
}

private func deletionID(_ context: BasicRequestContext) throws -> Int64 {
    guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
        throw APIError.badRequest("id", "must be a positive integer")
    }
    return id
}

/// A request as the API shows it, with the whole timeline or without.
func deletionBody(_ request: DeletionRequest, _ c: ServiceContext, resolver: StatusResolver, withEvents: Bool, now: Date) throws -> DeletionBody {
    let timeline = try c.store.timeline(of: request, now: now)
    let info = try c.store.ledger.serviceInfo(requestID: request.id)
    return DeletionBody(timeline, status: resolver.status(request), externalID: info.externalID, withEvents: withEvents)
}

func getDeletion(_ context: BasicRequestContext, _ c: ServiceContext) async throws -> Response {
    let id = try deletionID(context)
    let body = try await Blocking.run { () throws -> DeletionBody? in
        guard let request = try c.store.ledger.request(id: id) else { return nil }
        return try deletionBody(request, c, resolver: try c.statusResolver(), withEvents: true, now: Date())
    }
    guard let body else { throw APIError.notFound }
    return try jsonResponse(body)
}

/// The signed receipt, exactly as `unlearn receipt` prints it: its bytes are what the signature covers.
func getReceipt(_ context: BasicRequestContext, _ c: ServiceContext) async throws -> Response {
    let id = try deletionID(context)
    let text = try await Blocking.run { () throws -> String in
        guard let request = try c.store.ledger.request(id: id) else { throw APIError.notFound }
        guard request.status == .completed else {
            let shown = request.status == .rejected ? "cancelled" : request.status.rawValue
            throw APIError(.conflict, "not_completed", "the request is \(shown); a receipt exists once it is completed")
        }
        return try c.store.signedReceipt(request: id, externalID: try c.store.ledger.serviceInfo(requestID: id).externalID)
    }
    return jsonResponse(text: text)
}

func cancelDeletion(_ context: BasicRequestContext, _ c: ServiceContext, caller: String) async throws -> Response {
    let id = try deletionID(context)
    let body = try await Blocking.run { () throws -> DeletionBody in
        do {
            let request = try c.store.ledger.cancelRequest(id: id, by: "token:\(caller)", at: Date())
            return try deletionBody(request, c, resolver: StatusResolver(jobs: []), withEvents: true, now: Date())
        } catch LedgerError.unknownRequest {
            throw APIError.notFound
        } catch LedgerError.requestNotPending(_, let status) {
            throw APIError(.conflict, "not_pending", "the request is \(status == .rejected ? "cancelled" : status.rawValue); only a pending request can be cancelled")
        }
    }
    c.metrics.requestsCancelled.increment()
    c.callbacks.notify()
    c.logger.info("deletion request cancelled", metadata: ["request.id": "\(id)", "token.name": "\(caller)"])
    return try jsonResponse(body)
}

/// Query parameters shared by the list and audit routes.
struct Query {
    let request: Request

    /// The parameter's value; present but empty is a 400.
    func string(_ name: String) throws -> String? {
        guard let value = request.uri.queryParameters.get(name) else { return nil }
        guard !value.isEmpty else { throw APIError.badRequest(name, "must not be empty") }
        return value
    }

    func date(_ name: String) throws -> Date? {
        guard let text = try string(name) else { return nil }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        if let date = dateOnly.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        throw APIError.badRequest(name, "must be an ISO-8601 date or date-time")
    }

    func int(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else { throw APIError.badRequest(name, "must be an integer in \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    func bool(_ name: String) throws -> Bool {
        guard let text = try string(name) else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest(name, "must be true or false")
        }
    }

    func only(_ names: Set<String>) throws {
        for (key, _) in request.uri.queryParameters where !names.contains(String(key)) {
            throw APIError.badRequest(String(key), "unknown query parameter")
        }
    }
}

private let apiStatuses = ["pending", "in_progress", "failed", "completed", "cancelled"]

func listDeletions(_ request: Request, _ c: ServiceContext) async throws -> Response {
    let q = Query(request: request)
    try q.only(["status", "since", "until", "overdue", "subject", "cursor", "limit"])
    let status = try q.string("status")
    if let status, !apiStatuses.contains(status) {
        throw APIError.badRequest("status", "must be one of \(apiStatuses.joined(separator: ", "))")
    }
    let limit = try q.int("limit", range: 1...1000) ?? 100
    var cursor: Int64?
    if let text = try q.string("cursor") {
        guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("cursor", "is not a cursor this service gave") }
        cursor = value
    }
    let now = Date()
    var base = RequestPageQuery(since: try q.date("since"), until: try q.date("until"), overdueAt: try q.bool("overdue") ? now : nil,
                                 subjectKey: try q.string("subject").map(c.store.key(ofSubject:)), after: cursor, limit: limit)
    switch status {
    case "completed": base.status = .completed
    case "cancelled": base.status = .rejected
    case nil: break
    default: base.status = .pending
    }
    let first = base
    let page = try await Blocking.run { () throws -> DeletionListBody in
        var query = first
        let resolver = try c.statusResolver()
        // A request published in a version whose predecessors are not purged yet, or that this
        // service does not predict with yet, is still in progress, though the ledger already
        // calls it completed.
        if status == "in_progress" { query.completedFromVersion = resolver.firstUnfinishedVersion }
        var bodies: [DeletionBody] = []
        var after = query.after
        // Statuses the ledger does not store (in_progress, failed) are filtered here, a page at a time.
        while bodies.count < limit {
            query.after = after
            let requests = try c.store.ledger.requestPage(query)
            for request in requests {
                after = request.id
                if let status, resolver.status(request) != status { continue }
                bodies.append(try deletionBody(request, c, resolver: resolver, withEvents: false, now: now))
                if bodies.count == limit { break }
            }
            if requests.count < query.limit { break }
        }
        return DeletionListBody(deletions: bodies, nextCursor: bodies.count == limit ? after.map(String.init) : nil)
    }
    return try jsonResponse(page)
}

func audit(_ request: Request, _ c: ServiceContext) async throws -> Response {
    let q = Query(request: request)
    try q.only(["id", "subject", "request", "since", "until", "shard", "status", "overdue", "limit"])
    var query = AuditQuery()
    query.id = try q.string("id")
    query.subject = try q.string("subject")
    if let text = try q.string("request") {
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("request", "must be a positive integer") }
        query.request = id
    }
    query.since = try q.date("since")
    query.until = try q.date("until")
    query.shard = try q.int("shard", range: 0...1_000_000)
    if let status = try q.string("status") {
        switch status {
        case "pending": query.status = .pending
        case "completed": query.status = .completed
        case "cancelled", "rejected": query.status = .rejected
        default: throw APIError.badRequest("status", "must be pending, completed or cancelled")
        }
    }
    query.overdue = try q.bool("overdue")
    query.limit = try q.int("limit", range: 1...1000) ?? 100
    let auditQuery = query
    let body = try await Blocking.run { () throws -> AuditBody in
        let resolver = try c.statusResolver()
        let timelines = try c.store.audit(auditQuery)
        return AuditBody(requests: try timelines.map { timeline in
            let info = try c.store.ledger.serviceInfo(requestID: timeline.request)
            return DeletionBody(timeline, status: resolver.status(id: timeline.request, ledgerStatus: timeline.status.rawValue, version: timeline.version),
                                externalID: info.externalID, withEvents: true)
        })
    }
    return try jsonResponse(body)
}
