import Foundation
import UnlearnStore
import UnlearnCore

/// Prediction latency and throughput of an ensemble of randomly initialised MLPs.
///
/// Random weights cost exactly what trained ones do: the work is dense GEMMs, independent of values.
public enum MicroPredictBenchmark {
    /// Times `calls` one-sample `Ensemble.predict` calls (mean aggregation) after `calls / 10`
    /// warm-up calls, then the median of 3 predictions of a `batchRows` batch. BLAS runs on
    /// one thread, as in `unlearn predict`.
    public static func run(
        models: Int = 20, hidden: Int = 128, calls: Int = 2_000, batchRows: Int = 10_000, log: (String) -> Void
    ) -> [MicroMeasurement] {
        BLAS.useSingleThread()
        let shape = NetworkShape(inputs: 784, model: ModelSpec(hidden: [hidden]), outputs: 10)
        var rng = SplitMix64(seed: 7)
        let ensemble = Ensemble(shape: shape, parameters: (0..<models).map { _ in Network.initialParameters(shape, rng: &rng) })
        let inputs = (0..<(batchRows * shape.inputs)).map { _ in rng.unitFloat() }
        let name = "\(models) × MLP " + shape.layers.map(String.init).joined(separator: "-")
        log("predict: \(name), \(calls) one-sample calls, then \(batchRows)-row batches")

        var times: [Double] = []
        var checksum: Int32 = 0  // keeps the calls from being optimised away
        for i in 0..<(calls + calls / 10) {
            let row = Array(inputs[(i % batchRows * shape.inputs)..<((i % batchRows + 1) * shape.inputs)])
            let seconds = timed { checksum &+= ensemble.predict(row, rows: 1, using: .mean).labels[0] }
            if i >= calls / 10 { times.append(seconds) }
        }
        let batch = Samples((0..<3).map { _ in timed { checksum &+= ensemble.predict(inputs, rows: batchRows, using: .mean).labels[0] } })
        log("predict: label checksum \(checksum)")
        let single = Samples(times)
        return [
            MicroMeasurement(.predict, "\(name), 1 row", [
                "p50_ms": 1000 * single.median, "p99_ms": 1000 * single.percentile(99), "mean_ms": 1000 * single.mean,
            ]),
            MicroMeasurement(.predict, "\(name), \(batchRows) rows", [
                "batch_ms": 1000 * batch.median, "rows_per_s": Double(batchRows) / batch.median,
            ]),
        ]
    }
}
