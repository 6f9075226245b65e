import ArgumentParser
import Search

extension FaceNAS {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an architecture's per-layer table, parameter count and MACs.")

        @OptionGroup var architecture: ArchitectureOptions
        @Option(name: .customLong("save-arch"), help: "Write the architecture as JSON to this file.")
        var saveArch: String?

        func run() throws {
            let a = try architecture.architecture()
            print(ArchitectureSummary.table(a))
            if let saveArch { try a.save(saveArch); print("saved: \(saveArch)") }
        }
    }
}
