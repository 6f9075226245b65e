import ArgumentParser
import Datasets
import Foundation

extension FaceNAS {
    struct Dataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect and convert data sets on disk.", subcommands: [Info.self, Convert.self])

        struct Info: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Say what a data path holds (counts, identities, pairs/folds, image size, problems); fails naming any missing or malformed file.")

            @Argument(help: "A path (RecordIO folder, .bin, TinyFace folder, identity folders, IDX/CIFAR folder) or KIND:PATH, e.g. fashion-mnist:/usr/share/datasets/fashion-mnist.")
            var data: String

            func run() throws {
                let bar = ProgressBarHolder(label: "checking", minimumTotal: 20_000)
                print(try describeData(DetectedData(argument: data), progress: bar.update))
            }
        }

        struct Convert: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Convert between recordio: and folders: (image bytes copied, not re-encoded), or an LFW pairs file to a .bin.")

            @Option(help: "Source as KIND:PATH: recordio:DIR, folders:DIR or lfw-pairs:FILE.")
            var from: String

            @Option(help: "Target as KIND:PATH: folders:DIR, recordio:DIR or bin:FILE; must not exist yet (or be an empty folder).")
            var to: String

            @Option(help: "Image folder an LFW pairs file refers to (name/name_0001.jpg).")
            var images: String?
            @Flag(name: .customLong("allow-outside"), help: "Accept LFW pair names that leave --images.")
            var allowOutside = false

            func run() throws {
                let source = try DataSpec(parsing: from), target = try DataSpec(parsing: to)
                let bar = ProgressBarHolder(label: "converting")
                let summary: FaceConversion.Summary
                switch (source.kind, target.kind) {
                case (.recordio, .folders):
                    summary = try FaceConversion.recordIOToFolders(from: source.path, to: target.path, progress: bar.update)
                case (.folders, .recordio):
                    summary = try FaceConversion.foldersToRecordIO(from: source.path, to: target.path, progress: bar.update)
                case (.lfwPairs, .bin):
                    guard let images else { throw ValidationError("--from lfw-pairs:FILE needs --images DIR (the LFW image folder)") }
                    summary = try FaceConversion.lfwPairsToBin(pairs: source.path, images: images, to: target.path, allowOutside: allowOutside,
                                                                 progress: bar.update)
                default:
                    throw ValidationError("cannot convert \(source.kind.rawValue): to \(target.kind.rawValue): (supported: recordio→folders, folders→recordio, lfw-pairs→bin)")
                }
                for line in summary.skipped { printError("skipped: \(line)") }
                print("wrote \(target): \(summary.images) images, \(summary.identities) identities"
                      + (summary.skipped.isEmpty ? "" : ", \(summary.skipped.count) corrupt records skipped"))
            }
        }
    }
}

/// Creates the progress bar once the total is known (the readers report it with the first call).
final class ProgressBarHolder {
    private let label: String
    private var bar: ProgressBar?
    private let minimumTotal: Int
    private let start = Date()

    /// Sets smaller than `minimumTotal` finish too fast for a bar to help.
    init(label: String, minimumTotal: Int = 0) {
        self.label = label
        self.minimumTotal = minimumTotal
    }

    func update(_ done: Int, _ total: Int) {
        guard total >= minimumTotal else { return }
        if bar == nil { bar = ProgressBar(label: label, total: total) }
        bar?.update(done, elapsed: Date().timeIntervalSince(start), info: "")
    }
}
