import ArgumentParser
import Foundation
import ImageIO

extension FaceNAS {
    struct Align: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Align faces to the 112x112 five-point template, keeping relative paths.",
            discussion: """
            The landmark file has one line per image: its path relative to --images, then 10 numbers \
            x1 y1 ... x5 y5 (left eye, right eye, nose, left mouth corner, right mouth corner, in pixels). \
            Blank lines and lines starting with # are ignored. Images that cannot be read are listed at the \
            end; the command fails only if no image could be aligned.
            """)

        @Option(help: "Folder the landmark file's paths are relative to.") var images: String
        @Option(help: "Landmark file: path then x1 y1 ... x5 y5 per line.") var landmarks: String
        @Option(help: "Output folder (created if missing); it may not be, contain or lie inside --images.") var out: String
        @Flag(name: .customLong("allow-outside"), help: "Accept landmark paths that leave --images (.., absolute paths, links out); outputs still stay inside --out.")
        var allowOutside = false

        func run() throws {
            try checkAlignmentFolders(imagesFolder: images, outputFolder: out)
            let entries = try readLandmarkFile(landmarks, allowOutside: allowOutside)
            let bar = ProgressBar(label: "align", total: entries.count)
            let start = Date()
            let summary = alignFolder(entries: entries, imagesFolder: images, outputFolder: out, allowOutside: allowOutside) { done in
                bar.update(done, elapsed: Date().timeIntervalSince(start), info: "")
            }
            for failure in summary.failures { printError("skipped: \(failure)") }
            print("aligned: \(summary.aligned) of \(entries.count) images, skipped: \(summary.failures.count)")
            if summary.aligned == 0 {
                printError(entries.isEmpty ? "\(landmarks): no images listed" : "no image could be aligned")
                throw ExitCode.failure
            }
        }
    }
}
