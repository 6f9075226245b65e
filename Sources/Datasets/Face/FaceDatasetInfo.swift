import Foundation

/// `facenas dataset info` for every kind: counts, sizes and the problems found, one fact a line.
/// `progress(done, total)` is called while a large set is checked record by record.
public func describeData(_ detected: DetectedData, progress: ((Int, Int) -> Void)? = nil) throws -> String {
    switch detected {
    case let .classification(spec): return try datasetInfo(spec)
    case let .recordio(path): return try describeRecordIO(path, progress: progress)
    case let .bin(path): return try describeVerificationBin(path)
    case let .lfwPairs(path): return try describeLFWPairs(path)
    case let .tinyface(path): return try describeTinyFace(path)
    case let .folders(path): return try describeIdentityFolders(path)
    case let .synth(path): return try describeSynthetic(path, progress: progress)
    }
}

/// A `facenas synth` folder: its manifest, then each part as `dataset info` describes it alone.
func describeSynthetic(_ path: String, progress: ((Int, Int) -> Void)?) throws -> String {
    let m = try SyntheticDatasetManifest(path: DataFile.join(path, SyntheticDatasetManifest.fileName))
    var parts = ["kind: synthetic faces (facenas synth; every image is synthetic)",
                 "seed \(m.seed)  difficulty \(m.difficulty)  size \(m.size)x\(m.size)  identities \(m.identities) "
                 + "(train \(m.splits.train.count), verification \(m.splits.verification.count), tinyface \(m.splits.tinyface.count))"]
    parts.append("== train/\n" + (try describeRecordIO(DataFile.join(path, "train"), progress: progress)))
    for v in m.verificationSets {
        parts.append("== \(v.file) (\(v.describes); raw-pixel baseline \(String(format: "%.3f", v.rawPixelAccuracy)))\n"
                     + (try describeVerificationBin(DataFile.join(path, v.file))))
    }
    parts.append("== tinyface/\n" + (try describeTinyFace(DataFile.join(path, "tinyface"))))
    parts.append("unaligned images (with landmarks.txt): \(m.unalignedImages)")
    return parts.joined(separator: "\n")
}

private func problemLines(_ problems: [String]) -> String {
    if problems.isEmpty { return "problems: none" }
    let shown = problems.prefix(10).map { "  - " + $0 }
    let more = problems.count > 10 ? ["  … and \(problems.count - 10) more"] : []
    return (["problems: \(problems.count)"] + shown + more).joined(separator: "\n")
}

private func imageLine(_ bytes: Data?) -> String {
    guard let bytes else { return "first image: none" }
    let format = EncodedImageFormat(sniffing: bytes)
    let size = EncodedImageFormat.dimensions(of: bytes).map { " \($0.width)x\($0.height)" } ?? ""
    return "first image: \(format.rawValue)\(size), \(bytes.count) bytes"
}

func describeRecordIO(_ path: String, progress: ((Int, Int) -> Void)?) throws -> String {
    // Label and property disagreements are listed below as problems rather than refused.
    let reader = try RecordIOReader(directory: path, checkLabels: false)
    var problems: [String] = []
    var labels = Set<Int>()
    var corrupt = 0, notImages = 0
    var first: Data?
    for i in 0..<reader.count {
        do {
            let r = try reader.record(at: i)
            labels.insert(r.label)
            if first == nil { first = r.imageBytes }
            if EncodedImageFormat(sniffing: r.imageBytes) == .unknown { notImages += 1 }
            if let classes = reader.property?.classes, r.label >= classes {
                problems.append("record \(r.key): label \(r.label) ≥ \(classes) classes of property")
            }
        } catch {
            corrupt += 1
            problems.append("\(error)")
        }
        if i % 4096 == 4095 || i == reader.count - 1 { progress?(i + 1, reader.count) }
    }
    if corrupt > 0 { problems.insert("\(corrupt) corrupt records (skipped by the loader)", at: 0) }
    if notImages > 0 { problems.append("\(notImages) payloads are neither JPEG nor PNG") }
    let identities = reader.identities ?? labels.count
    let source = reader.identities != nil ? "header record" : "distinct labels, no header record"
    if let p = reader.property {
        if p.classes != identities { problems.append("property says \(p.classes) classes but the data has \(identities) identities (\(source))") }
    } else {
        problems.append("no property file (expected 'classes,height,width')")
    }
    if reader.identities != nil {
        let ranges = try reader.identityRanges()
        let covered = ranges.reduce(0) { $0 + $1.count }
        if covered != reader.count { problems.append("identity records cover \(covered) images, the header announces \(reader.count)") }
    }
    var lines = ["kind: recordio", "path: \(path)", "images: \(reader.count)", "identities: \(identities) (\(source))"]
    if let p = reader.property { lines.append("image size: \(p.height)x\(p.width) (property: \(p.classes),\(p.height),\(p.width))") }
    lines.append(reader.hasIndex ? "index: train.idx" : "index: none (offsets found by scanning train.rec)")
    lines.append(imageLine(first))
    lines.append(problemLines(problems))
    return lines.joined(separator: "\n")
}

func describeVerificationBin(_ path: String) throws -> String {
    let bin = try VerificationBin(path: path)
    let same = bin.isSame.filter { $0 }.count
    var problems: [String] = []
    let unknown = bin.images.filter { EncodedImageFormat(sniffing: $0) == .unknown }.count
    if unknown > 0 { problems.append("\(unknown) images are neither JPEG nor PNG") }
    var folds = "folds: 10 × \(bin.pairCount / 10) pairs"
    if bin.pairCount % 10 != 0 { folds += " (the first \(bin.pairCount % 10) folds get one more)" }
    return [
        "kind: bin", "path: \(path)",
        "pairs: \(bin.pairCount) (\(same) same, \(bin.pairCount - same) different)",
        folds, "images: \(bin.images.count)", imageLine(bin.images.first), problemLines(problems),
    ].joined(separator: "\n")
}

func describeLFWPairs(_ path: String) throws -> String {
    let pairs = try LFWPairs(path: path)
    let same = pairs.pairs.filter(\.isSame).count
    return [
        "kind: lfw-pairs", "path: \(path)",
        "pairs: \(pairs.pairs.count) (\(same) same, \(pairs.pairs.count - same) different)",
        "folds: \(pairs.folds) × \(pairs.pairsPerFold) pairs",
    ].joined(separator: "\n")
}

func describeTinyFace(_ path: String) throws -> String {
    let t = try TinyFace(root: path)
    return [
        "kind: tinyface (\(t.layout.rawValue) layout)", "path: \(path)",
        "probes: \(t.probes.count) (\(Set(t.probes.map(\.label)).count) identities)",
        "gallery: \(t.galleryMatch.count + t.distractors.count) (\(t.galleryMatch.count) matches + \(t.distractors.count) distractors)",
        "images: \(t.imageRoot)", problemLines(t.problems),
    ].joined(separator: "\n")
}

func describeIdentityFolders(_ path: String) throws -> String {
    let f = try IdentityFolders(root: path)
    var perClass = [Int](repeating: 0, count: f.classNames.count)
    for image in f.images { perClass[image.label] += 1 }
    var problems: [String] = []
    let empty = zip(f.classNames, perClass).filter { $0.1 == 0 }.map(\.0)
    if !empty.isEmpty { problems.append("\(empty.count) identity folders without images: \(empty.prefix(5).joined(separator: ", "))") }
    if !f.skippedFiles.isEmpty {
        problems.append("\(f.skippedFiles.count) files skipped (not .jpg/.jpeg/.png): \(f.skippedFiles.prefix(3).joined(separator: ", "))")
    }
    if !f.skippedEntries.isEmpty {
        problems.append("\(f.skippedEntries.count) entries skipped (symbolic link loops, non-regular files, names not valid UTF-8): \(f.skippedEntries.prefix(3).joined(separator: "; "))")
    }
    if f.classNames.isEmpty { problems.append("no identity folders (expected root/<identity>/<image>)") }
    let first = f.images.isEmpty ? nil : try f.imageBytes(at: 0)
    return [
        "kind: folders", "path: \(path)",
        "identities: \(f.classNames.count)",
        "images: \(f.count) (\(perClass.min() ?? 0)–\(perClass.max() ?? 0) per identity)",
        imageLine(first), problemLines(problems),
    ].joined(separator: "\n")
}
