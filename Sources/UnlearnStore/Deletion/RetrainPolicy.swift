import Foundation
import UnlearnLedger

/// When a scheduled `retrain` should act. With no condition set it acts on any pending request;
/// with some set, it acts when any holds (or a request is overdue) and otherwise defers.
public struct RetrainPolicy: Sendable {
    public var shard: Int?
    public var ifPending: Int?
    public var maxWait: TimeInterval?
    public var beforeDue: TimeInterval?
    /// `unlearn rebuild`: refit the schema to the live records and retrain every shard from
    /// slice 0, with or without pending requests (which it completes too).
    public var rebuild = false

    public init(shard: Int? = nil, ifPending: Int? = nil, maxWait: TimeInterval? = nil, beforeDue: TimeInterval? = nil, rebuild: Bool = false) {
        self.rebuild = rebuild
        self.shard = shard
        self.ifPending = ifPending
        self.maxWait = maxWait
        self.beforeDue = beforeDue
    }
}

extension RetrainPolicy {
    /// Why a policy-driven run should wait, or nil to run now. Overdue requests always run.
    public func deferral(_ pending: [DeletionRequest], now: Date) -> String? {
        guard ifPending != nil || maxWait != nil || beforeDue != nil else { return nil }
        if pending.contains(where: { $0.dueAt <= now }) { return nil }
        if let n = ifPending, pending.count >= n { return nil }
        if let wait = maxWait, let oldest = pending.map(\.receivedAt).min(), now.timeIntervalSince(oldest) >= wait { return nil }
        if let margin = beforeDue, let due = pending.map(\.dueAt).min(), due.timeIntervalSince(now) <= margin { return nil }
        return "\(pending.count) request(s) pending; no policy condition met yet"
    }
}
