import ArgumentParser
import Reports
import Foundation

extension FaceNAS {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a run folder: report.md, report.json and a self-contained report.html.",
            discussion: """
            Reads what the stages left in DIR, each optional (a missing one reads "not run"): \
            pipeline-state.json, search/report.json, search/best-arch.json and macro-arch.json, \
            train/metrics.json and best.safetensors, verify.json, verify-pixels.json (verify --pixels), \
            identify.json, query.json. The headline compares the model with the raw-pixel baseline \
            on verify.json's first set. JSON accuracies are fractions.
            """)

        @Argument(help: "The run folder.") var directory: String

        // Checked in run(), not validate(): a pipeline checks its stages' arguments before the run
        // folder exists.
        func run() throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("\(directory): no such folder, expected a run folder")
            }
            let report = try RunReport(directory: directory)
            for path in try report.write(to: directory) { print("wrote \(path)") }
            print(report.headline)
        }
    }
}
