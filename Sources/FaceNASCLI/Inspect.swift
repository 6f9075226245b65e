import ArgumentParser
import Foundation
import NN
import Search

extension FaceNAS {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an architecture's per-layer table, parameter count and MACs.")

        @OptionGroup var architecture: ArchitectureOptions
        @Option(help: "Read the architecture from this checkpoint (trained or imported) instead of the flags.")
        var model: String?
        @Option(name: .customLong("save-arch"), help: "Write the architecture as JSON to this file.")
        var saveArch: String?

        func run() throws {
            let a: Architecture
            if let model {
                let meta = try Checkpoint.metadata(model)
                guard let json = meta["architecture"] else {
                    throw CheckpointError(path: model, message: "no architecture in the metadata; not a facenas checkpoint")
                }
                a = try Architecture.decode(Data(json.utf8), source: model)
                if let origin = meta["origin"] { print("imported from: \(origin)") }
            } else {
                a = try architecture.architecture()
            }
            print(ArchitectureSummary.table(a))
            if let saveArch { try a.save(saveArch); print("saved: \(saveArch)") }
        }
    }
}
