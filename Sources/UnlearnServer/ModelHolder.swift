import Foundation
import Logging
import Synchronization
import UnlearnCore
import UnlearnData
import UnlearnLedger
import UnlearnStore

/// The live ensemble in memory, swapped as a whole when a new version is published.
///
/// A prediction takes a reference to the current `Loaded` and computes on it, so a swap never
/// changes a prediction in flight: it finishes on the version it started with.
final class ModelHolder: Sendable {
    struct Loaded: Sendable {
        var version: Int
        var ensemble: Ensemble
        /// The schema the ensemble's inputs are encoded with (a rebuild changes it).
        var schema: FeatureSchema
    }

    private let state = Mutex<Loaded?>(nil)
    private let store: Store
    private let logger: Logger

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    var current: Loaded? { state.withLock { $0 } }

    /// Loads the newest version if it differs from the one in memory (blocking; call off the loops).
    /// - Returns: the version in memory afterwards, or nil when the store has no trained version.
    @discardableResult
    func refresh() throws -> Int? {
        let latest = try store.ledger.latestVersionNumber()
        if let loaded = current, loaded.version == latest { return loaded.version }
        do {
            let (version, ensemble) = try store.ensemble(excludingPending: false)
            state.withLock { current in
                // Another refresh may have loaded a newer one meanwhile.
                if let current, current.version >= version { return }
                current = Loaded(version: version, ensemble: ensemble, schema: store.schema)
            }
            logger.info("model loaded", metadata: ["model.version": "\(version)"])
            return version
        } catch let error as UnlearnError where error.category == .usage {
            return nil  // not trained yet
        }
    }
}
