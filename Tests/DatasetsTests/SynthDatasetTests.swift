import Foundation
import ImageIO
import Tensor
import Datasets
import Testing

/// `writeSyntheticDataset` end to end at 56×56: byte-identical per seed, disjoint people, the
/// formats' structure, and a task raw pixels cannot solve.
@Suite struct SynthDatasetTests {
    static let small = SyntheticDatasetOptions(identities: 24, imagesPerIdentity: 4, size: 56, seed: 11, difficulty: 0.5,
                                               unalignedPerIdentity: 2, poseShotsPerIdentity: 2)

    @Test func sameOptionsGiveByteIdenticalFilesAndAnotherSeedDoesNot() throws {
        let dir = TempDir()
        defer { dir.remove() }
        _ = try writeSyntheticDataset(Self.small, to: dir.file("a"))
        _ = try writeSyntheticDataset(Self.small, to: dir.file("b"))
        var other = Self.small
        other.seed = 12
        _ = try writeSyntheticDataset(other, to: dir.file("c"))
        let files = try listFiles(dir.file("a"))
        #expect(files.count > 20 && files.contains("train/train.rec") && files.contains("synth.json"))
        #expect(try listFiles(dir.file("b")) == files)
        for f in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a/" + f)))
            #expect(a == (try Data(contentsOf: URL(fileURLWithPath: dir.file("b/" + f)))), "\(f) differs between two runs")
        }
        for f in ["train/train.rec", "verification/synth.bin", "unaligned/landmarks.txt"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a/" + f)))
            #expect(a != (try Data(contentsOf: URL(fileURLWithPath: dir.file("c/" + f)))), "\(f) is the same for seeds 11 and 12")
        }
        // A finished folder is never overwritten.
        #expect(throws: DatasetError.self) { try writeSyntheticDataset(Self.small, to: dir.file("a")) }
    }

    @Test func layoutSplitsAndFormats() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let o = Self.small
        let manifest = try writeSyntheticDataset(o, to: dir.path)
        #expect(try SyntheticDatasetManifest(path: dir.file("synth.json")) == manifest)
        let s = manifest.splits

        // Splits: disjoint, covering every person.
        let parts = [s.train, s.verification, s.tinyface, s.distractors]
        #expect(parts.allSatisfy { !$0.isEmpty })
        #expect(Set(parts.joined()).count == o.identities && parts.map(\.count).reduce(0, +) == o.identities)

        // RecordIO: identities in the header = property = training people; each class holds its photos.
        let rec = try RecordIOReader(directory: dir.file("train"))
        #expect(rec.identities == s.train.count && rec.property?.classes == s.train.count)
        #expect(rec.property?.height == o.size && rec.property?.width == o.size)
        #expect(rec.count == s.train.count * o.imagesPerIdentity && manifest.trainImages == rec.count)
        #expect(try rec.identityRanges().allSatisfy { $0.count == o.imagesPerIdentity })
        let first = try rec.record(at: rec.count - 1)
        #expect(first.label == s.train.count - 1)
        let decoded = try decodeImage([UInt8](first.imageBytes))
        #expect(decoded.width == o.size && decoded.height == o.size)

        // Verification sets: 10 equal folds, each its positives then its negatives.
        #expect(manifest.verificationSets.map(\.file) == ["verification/synth.bin", "verification/synth_pose.bin"])
        for set in manifest.verificationSets {
            let bin = try VerificationBin(path: dir.file(set.file))
            #expect(bin.pairCount == set.pairs && bin.pairCount % 10 == 0 && bin.pairCount >= 20)
            let fold = bin.pairCount / 10
            for f in 0..<10 {
                let flags = Array(bin.isSame[(f * fold)..<((f + 1) * fold)])
                #expect(flags == Array(repeating: true, count: fold / 2) + Array(repeating: false, count: fold / 2), "\(set.file) fold \(f)")
            }
            #expect(set.rawPixelAccuracy == (try rawPixelVerificationAccuracy(bin)))
        }

        // TinyFace: read by the TinyFace reader (aligned layout), labels only from the TinyFace people.
        let tiny = try TinyFace(root: dir.file("tinyface"))
        #expect(tiny.layout == .aligned && tiny.problems.isEmpty)
        #expect(tiny.probes.count == manifest.tinyfaceProbes && tiny.galleryMatch.count == manifest.tinyfaceGalleryMatches)
        #expect(tiny.distractors.count == s.distractors.count * o.imagesPerIdentity)
        let tinyPeople = Set(s.tinyface.map { $0 + 1 })
        #expect(Set(tiny.probes.map(\.label)) == tinyPeople && Set(tiny.galleryMatch.map(\.label)) == tinyPeople)
        let native = try TinyFace(root: dir.file("tinyface"), layout: .official)
        #expect(native.problems.isEmpty && native.probes.count == tiny.probes.count)
        let probe = try readImageFile(native.probes[0].path), alignedProbe = try readImageFile(tiny.probes[0].path)
        #expect(probe.width < o.size / 3 && alignedProbe.width == o.size, "native probes are low resolution, the aligned copy S×S")

        // Unaligned: one landmark line per photo, photos of training people on a 1.5× canvas.
        let entries = try readLandmarkFile(dir.file("unaligned/landmarks.txt"))
        #expect(entries.count == manifest.unalignedImages && entries.count == s.train.count * 2)
        let photo = try readImageFile(dir.file("unaligned/" + entries[0].path))
        #expect(photo.width == o.size * 3 / 2)
        #expect(entries.allSatisfy { s.train.contains(Int($0.path.prefix(5))!) })
    }

    /// At the default difficulty raw pixels must not solve verification (≤ 75% even with the best
    /// threshold chosen on the test pairs), and difficulty 0 must be easier than 1.
    @Test func rawPixelsCannotSolveTheDefaultDifficultyAndDifficultyOrdersIt() throws {
        var accuracy: [Float: Double] = [:]
        for d: Float in [0, 0.5, 1] {
            let dir = TempDir()
            defer { dir.remove() }
            let o = SyntheticDatasetOptions(identities: 100, imagesPerIdentity: 10, size: 56, seed: 3, difficulty: d,
                                            unalignedPerIdentity: 0, poseShotsPerIdentity: 4)
            let m = try writeSyntheticDataset(o, to: dir.path)
            #expect(m.verificationSets.allSatisfy { $0.pairs == 300 })
            accuracy[d] = m.verificationSets[0].rawPixelAccuracy
            if d == 0.5 {
                for set in m.verificationSets {
                    #expect(set.rawPixelAccuracy <= 0.75, "\(set.file): raw-pixel accuracy \(set.rawPixelAccuracy) at the default difficulty")
                }
            }
        }
        #expect(accuracy[0]! > accuracy[1]!, "raw-pixel accuracy: difficulty 0 \(accuracy[0]!), 1 \(accuracy[1]!)")
        #expect(accuracy[0]! > 0.6, "difficulty 0 should be visibly easier than chance: \(accuracy[0]!)")
    }

    @Test func bestThresholdAccuracySweepsEveryCut() {
        // Scores separate perfectly except one negative above one positive.
        let scored: [(similarity: Float, same: Bool)] = [(0.9, true), (0.8, true), (0.7, false), (0.6, true), (0.2, false), (0.1, false)]
        #expect(bestThresholdAccuracy(scored) == 5.0 / 6.0)
        #expect(bestThresholdAccuracy([(0.5, true), (0.5, false)]) == 0.5)
        #expect(bestThresholdAccuracy([(0.1, false), (0.9, true)]) == 1)
    }

    @Test func badOptionsAreRefusedWithTheReason() {
        var o = Self.small
        o.size = 44
        #expect(errorMessage { try o.validate() }?.contains("multiple of 8") == true)
        o = Self.small
        o.identities = 4
        #expect(errorMessage { try o.validate() }?.contains("none for training") == true)
        o = Self.small
        o.imagesPerIdentity = 1
        #expect(errorMessage { try o.validate() }?.contains("at least 2") == true)
    }
}

/// Relative paths of every file under `root`, sorted.
func listFiles(_ root: String) throws -> [String] {
    let e = FileManager.default.enumerator(atPath: root)
    var out: [String] = []
    while let p = e?.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
    }
    return out.sorted()
}
