import Foundation

/// `facenas dataset convert`: encoded image bytes are copied, never re-encoded.
public enum FaceConversion {
    public struct Summary: Sendable {
        public var images: Int
        public var identities: Int
        /// Records that could not be read, with their error lines; they are skipped, not copied.
        public var skipped: [String]
    }

    /// RecordIO → `root/<label>/<key>.<ext>`. Folder names are zero-padded so that their
    /// lexicographic order (the order ImageFolder numbers classes in) is the numeric label order.
    public static func recordIOToFolders(from source: String, to target: String,
                                         progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        // Labels beyond the identities are skipped record by record below, as before.
        let reader = try RecordIOReader(directory: source, checkLabels: false)
        let classes = reader.identities ?? reader.property?.classes
        let labelWidth = classes.map { String(max($0 - 1, 0)).count } ?? 8
        let keyWidth = String(reader.keys.max() ?? 0).count
        let writer = try IdentityFolderWriter(root: target)
        var skipped: [String] = []
        var labels = Set<Int>()
        for i in 0..<reader.count {
            do {
                let r = try reader.record(at: i)
                if let classes, r.label >= classes {
                    throw DatasetError.badRecord(file: reader.recordFile, record: r.key, offset: reader.offset(ofKey: r.key) ?? 0,
                                                 message: "label \(r.label), expected 0..<\(classes) (identities of the set)")
                }
                let ext = EncodedImageFormat(sniffing: r.imageBytes).fileExtension
                try writer.write(imageBytes: r.imageBytes, identity: padded(r.label, labelWidth),
                                 fileName: padded(r.key, keyWidth) + "." + ext)
                labels.insert(r.label)
            } catch let e as DatasetError {
                if case .badRecord = e { skipped.append("\(e)") } else { throw e }
            }
            progress?(i + 1, reader.count)
        }
        try writer.finish()
        return Summary(images: reader.count - skipped.count, identities: labels.count, skipped: skipped)
    }

    /// Identity folders → RecordIO with insightface's header and identity records; classes keep
    /// ImageFolder's numbering. `property` takes the first image's size (112×112 if unreadable).
    public static func foldersToRecordIO(from source: String, to target: String,
                                         progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let folders = try IdentityFolders(root: source)
        let size = try folders.images.isEmpty ? nil : EncodedImageFormat.dimensions(of: folders.imageBytes(at: 0))
        let writer = try RecordIOWriter(directory: target, imageSize: (size?.height ?? 112, size?.width ?? 112))
        for (i, image) in folders.images.enumerated() {
            try writer.append(imageBytes: folders.imageBytes(at: i), label: image.label)
            progress?(i + 1, folders.count)
        }
        try writer.finish(classes: folders.classNames.count)
        return Summary(images: folders.count, identities: folders.classNames.count, skipped: [])
    }

    /// An LFW pairs file over an image folder → an insightface `.bin` in pairs-file order.
    public static func lfwPairsToBin(pairs pairsFile: String, images: String, to target: String, allowOutside: Bool = false,
                                     progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let pairs = try LFWPairs(path: pairsFile)
        let bin = try pairs.verificationBin(imageFolder: images, allowOutside: allowOutside) { progress?($0, pairs.pairs.count) }
        try bin.write(to: target)
        let names = Set(pairs.pairs.flatMap { [$0.first, $0.second].map { ($0 as NSString).deletingLastPathComponent } })
        return Summary(images: bin.images.count, identities: names.count, skipped: [])
    }

    private static func padded(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
