import Foundation
import ImageIO
import Tensor

/// Writes a complete synthetic face folder:
///
///     DIR/train/         train.rec, train.idx, property — RecordIO of the training people
///     DIR/verification/  synth.bin, synth_pose.bin — 10-fold pair sets of held-out people
///     DIR/tinyface/      Testing_Set/ (native low-resolution probes, .mat lists) and
///                        aligned_pad_0.1_pad_high/ (AdaFace's aligned copy) of further people
///     DIR/unaligned/     <identity>/<n>.jpg on a larger canvas + landmarks.txt
///     DIR/synth.json     the manifest, written last: its presence means the folder is complete
///
/// Every file is a pure function of the options. `progress(done, total)` counts rendered photos.
public func writeSyntheticDataset(_ options: SyntheticDatasetOptions, to directory: String,
                                  progress: (Int, Int) -> Void = { _, _ in }) throws -> SyntheticDatasetManifest {
    try options.validate()
    let manifestPath = DataFile.join(directory, SyntheticDatasetManifest.fileName)
    if FileManager.default.fileExists(atPath: manifestPath) {
        throw DatasetError.io(file: manifestPath, reason: "already exists (refusing to overwrite a synthetic set)")
    }
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        throw DatasetError.io(file: directory, reason: "cannot create folder (\(error.localizedDescription))")
    }
    let splits = try SyntheticSplits(identities: options.identities)
    let generator = SyntheticFaceGenerator(seed: options.seed, difficulty: options.difficulty)
    var manifest = SyntheticDatasetManifest(options: options, splits: splits)
    let plan = SynthPlan(options: options, splits: splits)
    var done = 0
    let tick = { (n: Int) in done += n; progress(done, plan.totalPhotos) }

    manifest.trainImages = try writeTrainingSet(generator, options, splits, to: DataFile.join(directory, "train"), tick: tick)
    manifest.verificationSets = try writeVerificationSets(generator, options, splits,
                                                          to: DataFile.join(directory, "verification"), tick: tick)
    let tiny = try writeTinyFaceSet(generator, options, splits, to: DataFile.join(directory, "tinyface"), tick: tick)
    manifest.tinyfaceProbes = tiny.probes
    manifest.tinyfaceGalleryMatches = tiny.matches
    manifest.tinyfaceDistractors = tiny.distractors
    manifest.unalignedImages = try writeUnalignedSet(generator, options, splits, to: DataFile.join(directory, "unaligned"), tick: tick)
    try DataFile.write(manifest.encoded(), to: manifestPath)
    return manifest
}

/// How many photos each part renders, for the progress total.
struct SynthPlan {
    let totalPhotos: Int
    init(options o: SyntheticDatasetOptions, splits s: SyntheticSplits) {
        let perPerson = o.imagesPerIdentity
        totalPhotos = s.train.count * perPerson
            + s.verification.count * (perPerson + 2 * o.poseShotsPerIdentity)
            + (s.tinyface.count + s.distractors.count) * perPerson
            + s.train.count * min(o.unalignedPerIdentity, perPerson)
    }
}

/// A rendered photo stored as JPEG at its own nuisance quality.
func encodedPhoto(_ g: SyntheticFaceGenerator, _ key: SyntheticPhotoKey, framing: SyntheticFraming) throws -> (Data, SyntheticFace) {
    let face = g.render(identity: key.identity, image: key.image, shot: key.shot, framing: framing)
    return (Data(try encodeJPEG(face.image, quality: face.jpegQuality)), face)
}

private func writeTrainingSet(_ g: SyntheticFaceGenerator, _ o: SyntheticDatasetOptions, _ s: SyntheticSplits,
                              to dir: String, tick: (Int) -> Void) throws -> Int {
    let writer = try RecordIOWriter(directory: dir, imageSize: (o.size, o.size), labelForm: .array)
    let keys = s.train.flatMap { id in (0..<o.imagesPerIdentity).map { SyntheticPhotoKey(identity: id, image: $0, shot: .standard) } }
    // Class labels are positions in the training list, 0..<C, as a RecordIO expects.
    try renderInBatches(count: keys.count, { try encodedPhoto(g, keys[$0], framing: .aligned(size: o.size)).0 }) { i, jpeg in
        try writer.append(imageBytes: jpeg, label: i / o.imagesPerIdentity)
        tick(1)
    }
    try writer.finish(classes: s.train.count)
    return keys.count
}

private func writeUnalignedSet(_ g: SyntheticFaceGenerator, _ o: SyntheticDatasetOptions, _ s: SyntheticSplits,
                               to dir: String, tick: (Int) -> Void) throws -> Int {
    let temporary = try FolderTransaction.begin(dir)
    let perPerson = min(o.unalignedPerIdentity, o.imagesPerIdentity)
    let keys = s.train.flatMap { id in (0..<perPerson).map { SyntheticPhotoKey(identity: id, image: $0, shot: .standard) } }
    let framing = SyntheticFraming.unaligned(size: o.size, canvas: o.size * 3 / 2)
    var lines = ["# facenas synth: unaligned photos; path then x y of left eye, right eye, nose tip, left and right mouth corner"]
    try renderInBatches(count: keys.count, { try encodedPhoto(g, keys[$0], framing: framing) }) { i, photo in
        let key = keys[i]
        let folder = String(format: "%05d", key.identity), name = String(format: "%03d.jpg", key.image)
        let rel = folder + "/" + name
        try createFolder(DataFile.join(temporary, folder))
        try DataFile.write([UInt8](photo.0), to: DataFile.join(temporary, rel))
        lines.append(rel + " " + photo.1.landmarks.map { String(format: "%.3f %.3f", $0.x, $0.y) }.joined(separator: " "))
        tick(1)
    }
    try DataFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: DataFile.join(temporary, "landmarks.txt"))
    try FolderTransaction.commit(temporary, to: dir)
    return keys.count
}

func createFolder(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
        throw DatasetError.io(file: path, reason: "cannot create folder (\(error.localizedDescription))")
    }
}

extension SyntheticDatasetOptions {
    /// The number of photos `writeSyntheticDataset` renders (its progress total).
    public var photoCount: Int {
        guard let splits = try? SyntheticSplits(identities: identities) else { return 0 }
        return SynthPlan(options: self, splits: splits).totalPhotos
    }
}
