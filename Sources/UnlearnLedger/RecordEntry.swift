/// The lifecycle state of one training record in the ledger's record index.
public enum RecordState: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the training data of the current model.
    case live
    /// Covered by a deletion request that is not yet completed.
    case pending
    /// Removed: no model version from `deletedVersion` on was trained on it.
    case deleted
}

/// One training record as the ledger knows it: a keyed hash, never the raw id.
///
/// `key` and `subjectKey` are keyed hashes (32 lowercase hex characters) computed by the
/// caller; the ledger never sees raw record or subject ids.
public struct RecordEntry: Sendable, Hashable, Codable {
    /// Keyed hash of the record id.
    public var key: String
    /// Keyed hash of the data subject, if the dataset has one.
    public var subjectKey: String?
    /// Shard that holds the record.
    public var shard: Int
    /// Slice within the shard that holds the record.
    public var slice: Int
    /// Current lifecycle state.
    public var state: RecordState
    /// The first model version published without this record (set when `state == .deleted`).
    public var deletedVersion: Int?

    public init(
        key: String, subjectKey: String?, shard: Int, slice: Int,
        state: RecordState = .live, deletedVersion: Int? = nil
    ) {
        self.key = key
        self.subjectKey = subjectKey
        self.shard = shard
        self.slice = slice
        self.state = state
        self.deletedVersion = deletedVersion
    }
}
