import ArgumentParser
import Datasets
import Foundation
import ImageIO

extension FaceNAS {
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic face set: RecordIO training data, verification .bin files, a TinyFace-layout set, unaligned photos.",
            discussion: """
            Every image is procedurally drawn (no real person). Layout under --out: train/ (train.rec, \
            train.idx, property), verification/ (synth.bin, synth_pose.bin: 10 folds of held-out people), \
            tinyface/ (Testing_Set/ with .mat lists and native low-resolution probes, aligned_pad_0.1_pad_high/), \
            unaligned/ (photos on a 1.5x canvas + landmarks.txt for `facenas align`), synth.json (manifest). \
            The same arguments always give byte-identical files.
            """)

        @Option(help: "Output folder (created; must not already hold a synthetic set).") var out: String?
        @Option(help: "Number of people, split 70% train / 15% verification / 15% TinyFace.") var identities = 200
        @Option(help: "Photos per person.") var imagesPerIdentity = 20
        @Option(help: "Side of the aligned images (multiple of 8, at least 32; 112 as insightface).") var size = 112
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "0 (easy) ... 1 (hard): nuisance strength and how alike people are.") var difficulty: Float = 0.5
        @Option(help: "Also write a PNG contact sheet (8 people: 6 standard photos, a frontal and a profile shot); --out may then be omitted.") var preview: String?

        func validate() throws {
            if out == nil && preview == nil { throw ValidationError("Missing expected argument '--out <out>'") }
        }

        func run() throws {
            let options = SyntheticDatasetOptions(identities: identities, imagesPerIdentity: imagesPerIdentity, size: size,
                                                  seed: seed, difficulty: difficulty)
            try options.validate()
            if let preview {
                let generator = SyntheticFaceGenerator(seed: seed, difficulty: difficulty)
                let shots: [SyntheticShot] = Array(repeating: .standard, count: 6) + [.frontal, .profile]
                let sheet = syntheticContactSheet(generator, identities: Array(0..<8), shots: shots, size: size)
                try writeImageFile(sheet, to: preview)
                print("wrote \(preview)")
            }
            guard let out else { return }
            let total = options.photoCount
            let bar = ProgressBar(label: "synth", total: total)
            let start = Date()
            let manifest = try writeSyntheticDataset(options, to: out) { done, _ in
                bar.update(done, elapsed: Date().timeIntervalSince(start), info: "")
            }
            let seconds = Date().timeIntervalSince(start)
            print("wrote \(out): \(manifest.trainImages) training images of \(manifest.splits.train.count) identities, "
                  + "\(manifest.tinyfaceProbes) probes / \(manifest.tinyfaceGalleryMatches) matches / \(manifest.tinyfaceDistractors) distractors, "
                  + "\(manifest.unalignedImages) unaligned")
            for set in manifest.verificationSets {
                print("\(set.file): \(set.pairs) pairs, raw-pixel accuracy \(String(format: "%.4f", set.rawPixelAccuracy))")
            }
            print(String(format: "photos: %d in %.1f s (%.0f/s)", total, seconds, Double(total) / max(seconds, 1e-9)))
        }
    }
}
