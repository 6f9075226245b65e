import Foundation
import ImageIO
import Tensor

/// A TinyFace-shaped identification set from held-out people, in both layouts `TinyFace` reads:
///
///     tinyface/Testing_Set/probe_img_ID_pairs.mat          probe_set, probe_ids
///     tinyface/Testing_Set/gallery_match_img_ID_pairs.mat  gallery_set, gallery_ids
///     tinyface/Testing_Set/{Probe,Gallery_Match,Gallery_Distractor}/   native images
///     tinyface/aligned_pad_0.1_pad_high/{Probe,Gallery_Match,Gallery_Distractor}/   S×S copies
///
/// The first quarter (at least one) of each labelled person's photos are probes, shrunk to a native
/// side of 13%–28% of S (TinyFace's faces are about 20 px) and, in the aligned copy, scaled back up
/// to S×S as AdaFace's copy is; the rest are gallery matches at full size. Person ids are the
/// identity index + 1, file names `<id>_<n>.jpg` as TinyFace's; distractors are every photo of the
/// distractor people, named `distractor_<id>_<n>.jpg`.
func writeTinyFaceSet(_ g: SyntheticFaceGenerator, _ o: SyntheticDatasetOptions, _ s: SyntheticSplits,
                      to dir: String, tick: (Int) -> Void) throws -> (probes: Int, matches: Int, distractors: Int) {
    let temporary = try FolderTransaction.begin(dir)
    let native = DataFile.join(temporary, "Testing_Set")
    let aligned = DataFile.join(temporary, TinyFace.alignedFolderName)
    for root in [native, aligned] {
        for folder in ["Probe", "Gallery_Match", "Gallery_Distractor"] { try createFolder(DataFile.join(root, folder)) }
    }
    let ipi = o.imagesPerIdentity
    let probesPerPerson = max(1, ipi / 4)
    enum Role { case probe, match, distractor }
    var jobs: [(key: SyntheticPhotoKey, role: Role)] = []
    for id in s.tinyface {
        for i in 0..<ipi { jobs.append((SyntheticPhotoKey(identity: id, image: i, shot: .standard), i < probesPerPerson ? .probe : .match)) }
    }
    for id in s.distractors {
        for i in 0..<ipi { jobs.append((SyntheticPhotoKey(identity: id, image: i, shot: .standard), .distractor)) }
    }

    let size = o.size
    let render: @Sendable (SyntheticPhotoKey, Bool) throws -> (native: Data, aligned: Data) = { key, isProbe in
        let face = g.render(identity: key.identity, image: key.image, shot: key.shot, framing: .aligned(size: size))
        guard isProbe else {
            let jpeg = Data(try encodeJPEG(face.image, quality: face.jpegQuality))
            return (jpeg, jpeg)
        }
        var rng = RNG(seed: SeedMix.mix(g.seed, SeedMix.synthLowResolution, UInt64(key.identity), UInt64(key.image)))
        let side = max(Int((Float(size) * rng.uniform(0.13, 0.28)).rounded()), 8)
        let small = face.image.resized(width: side, height: side, filter: .area)
        let upscaled = small.resized(width: size, height: size, filter: .bilinear)
        return (Data(try encodeJPEG(small, quality: face.jpegQuality)), Data(try encodeJPEG(upscaled, quality: 95)))
    }
    let frozenJobs = jobs
    var probes: [(String, Int)] = [], matches: [(String, Int)] = []
    var distractors = 0
    try renderInBatches(count: jobs.count, { try render(frozenJobs[$0].key, frozenJobs[$0].role == .probe) }) { i, photo in
        let (key, role) = jobs[i]
        let person = key.identity + 1
        let name: String, folder: String
        switch role {
        case .probe: name = "\(person)_\(key.image + 1).jpg"; folder = "Probe"; probes.append((name, person))
        case .match: name = "\(person)_\(key.image + 1).jpg"; folder = "Gallery_Match"; matches.append((name, person))
        case .distractor: name = "distractor_\(person)_\(key.image + 1).jpg"; folder = "Gallery_Distractor"; distractors += 1
        }
        try DataFile.write([UInt8](photo.native), to: DataFile.join(DataFile.join(native, folder), name))
        try DataFile.write([UInt8](photo.aligned), to: DataFile.join(DataFile.join(aligned, folder), name))
        tick(1)
    }

    func list(_ entries: [(String, Int)], names: String, ids: String) -> [(name: String, value: MATValue)] {
        [(names, .cell(shape: [entries.count, 1], elements: entries.map { .char(rows: [$0.0]) })),
         (ids, .numeric(shape: [entries.count, 1], values: entries.map { Double($0.1) }))]
    }
    try MATWriter.write(list(probes, names: "probe_set", ids: "probe_ids"), to: DataFile.join(native, "probe_img_ID_pairs.mat"))
    try MATWriter.write(list(matches, names: "gallery_set", ids: "gallery_ids"),
                        to: DataFile.join(native, "gallery_match_img_ID_pairs.mat"))
    try FolderTransaction.commit(temporary, to: dir)
    return (probes.count, matches.count, distractors)
}

extension SeedMix {
    static let synthLowResolution: UInt64 = 0x736C_6F77   // "slow"
}
