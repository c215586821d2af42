import ArgumentParser
import Foundation
import UnlearnCore
import UnlearnStore

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict labels and class scores with the live ensemble (CSV or JSON Lines on stdout).")

    @OptionGroup var location: StoreOptions
    @OptionGroup var source: StoreDataOptions
    @Option(help: "Override the store's aggregation: vote or mean.") var aggregation: Aggregation?
    @Flag(help: "One JSON object per row instead of CSV.") var json = false

    func run() throws {
        try execute {
            let store = try source.open(location)
            let result = try store.predict(data: source.dataURL, labels: source.labelsURL, aggregation: aggregation, excludingPending: source.excludePending)
            printNotes(result.notes, excluded: result.excludedShards)
            let classes = result.classes
            var out = ""
            if !json { out += "id,label," + classes.map { "score_" + csvField($0) }.joined(separator: ",") + "\n" }
            for (row, id) in result.ids.enumerated() {
                let scores = (0..<classes.count).map { result.scores[row * classes.count + $0] }
                if json {
                    let fields = zip(classes, scores).map { "\(jsonString($0)):\(jsonNumber($1))" }.joined(separator: ",")
                    out += #"{"id":\#(jsonString(id)),"label":\#(jsonString(result.labels[row])),"scores":{\#(fields)}}"# + "\n"
                } else {
                    out += csvField(id) + "," + csvField(result.labels[row]) + "," + scores.map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n"
                }
                if out.utf8.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out = ""
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}

func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

/// A score as a JSON number; JSON has no NaN or infinity, so those become null.
func jsonNumber(_ value: Float) -> String {
    value.isFinite ? String(format: "%.6g", value) : "null"
}

func jsonString(_ text: String) -> String {
    String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
}
