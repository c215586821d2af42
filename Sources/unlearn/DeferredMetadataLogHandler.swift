import Logging

/// `StreamLogHandler` with its metadata formatted when a message is written, not when it is set.
///
/// The stream handler re-renders all of its metadata on every change, and Hummingbird sets a
/// request id on every request's logger: a tenth of a one-row prediction's handler time went to
/// text that, below the log level, nobody reads. This handler keeps the metadata as it is and
/// hands it to the stream handler only for a message that is written.
struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(_ stream: StreamLogHandler) {
        self.stream = stream
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var stream = stream
        stream.metadata = metadata
        stream.log(event: event)
    }
}
