import Foundation
import ImageIO

/// One TinyFace image: its absolute path and its label (−100 for distractors).
public struct TinyFaceImage: Sendable, Equatable {
    public var path: String
    public var label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// TinyFace's identification test set. Probe and gallery-match file lists come from the official
/// `.mat` files (`probe_img_ID_pairs.mat`: `probe_set`, `probe_ids`; `gallery_match_img_ID_pairs.mat`:
/// `gallery_set`, `gallery_ids`); labels are the file-name prefix before the first `_`, as AdaFace
/// takes them; distractors are every image under `Gallery_Distractor/`, labelled −100.
public struct TinyFace: Sendable {
    public enum Layout: String, Sendable {
        /// The native low-resolution images in `Testing_Set/{Probe,Gallery_Match,Gallery_Distractor}`.
        case official
        /// AdaFace's pre-aligned 112×112 copy in `aligned_pad_0.1_pad_high/` next to `tinyface/`.
        case aligned
    }

    public static let alignedFolderName = "aligned_pad_0.1_pad_high"
    public static let distractorLabel = -100

    public let layout: Layout
    /// The folder holding the two `.mat` files.
    public let testingSet: String
    /// The folder holding `Probe/`, `Gallery_Match/` and `Gallery_Distractor/`.
    public let imageRoot: String
    public let probes: [TinyFaceImage]
    public let galleryMatch: [TinyFaceImage]
    public let distractors: [TinyFaceImage]
    /// Disagreements found while reading (listed files missing, `.mat` ids ≠ file-name prefixes).
    public let problems: [String]

    /// The gallery the protocol ranks each probe against: matches, then distractors.
    public var gallery: [TinyFaceImage] { galleryMatch + distractors }

    /// `root` may be the `Testing_Set` folder, its parent, or AdaFace's root (holding `tinyface/`
    /// and the aligned copy). Without `layout`, the aligned copy is used when present.
    /// The file names in the `.mat` files must stay inside their image folder (no absolute path,
    /// no `..`, no symbolic link leading out) unless `allowOutside`.
    public init(root: String, layout: Layout? = nil, allowOutside: Bool = false) throws {
        guard DataFile.isDirectory(root) else { throw DatasetError.folderMissing(spec: root) }
        let candidates = [root, DataFile.join(root, "Testing_Set"), DataFile.join(root, "tinyface/Testing_Set")]
        guard let testingSet = candidates.first(where: { DataFile.isFile(DataFile.join($0, "probe_img_ID_pairs.mat")) }) else {
            throw DatasetError.fileMissing(spec: root, name: "probe_img_ID_pairs.mat", searched: ["Testing_Set", "tinyface/Testing_Set"])
        }
        let alignedRoot = DataFile.join(root, Self.alignedFolderName)
        let layout = layout ?? (DataFile.isDirectory(alignedRoot) ? .aligned : .official)
        self.layout = layout
        self.testingSet = testingSet
        let imageRoot = layout == .aligned ? alignedRoot : testingSet
        self.imageRoot = imageRoot

        var problems: [String] = []
        func listed(_ matName: String, names: String, ids: String, folder: String) throws -> [TinyFaceImage] {
            let matPath = DataFile.join(testingSet, matName)
            let mat = try MATFile(path: matPath)
            let nameValue = try mat.variable(named: names)
            guard let files = nameValue.cellStrings else {
                throw DatasetError.invalid(file: matPath, offset: nil, message: "variable '\(names)' is not a cell array of file names")
            }
            guard let numbers = try mat.variable(named: ids).numericValues, numbers.count == files.count else {
                throw DatasetError.invalid(file: matPath, offset: nil,
                                           message: "variable '\(ids)' is not a numeric array of \(files.count) ids (one per entry of '\(names)')")
            }
            var images: [TinyFaceImage] = []
            for (n, (file, id)) in zip(files, numbers).enumerated() {
                let label = try Self.label(ofFileName: file, source: matPath)
                if Double(label) != id { problems.append("\(matName): \(file) has id \(id) but file-name label \(label)") }
                let path: String
                switch FileSafety.resolve(file, base: DataFile.join(imageRoot, folder), allowOutside: allowOutside) {
                case let .success(p): path = p
                case let .failure(e): throw DatasetError.invalid(file: matPath, offset: nil, message: "entry \(n + 1) of '\(names)': \(e.reason)")
                }
                if !DataFile.isFile(path) { problems.append("missing image \(path) (listed in \(matName))") }
                images.append(TinyFaceImage(path: path, label: label))
            }
            return images
        }
        probes = try listed("probe_img_ID_pairs.mat", names: "probe_set", ids: "probe_ids", folder: "Probe")
        galleryMatch = try listed("gallery_match_img_ID_pairs.mat", names: "gallery_set", ids: "gallery_ids", folder: "Gallery_Match")
        let distractorFolder = DataFile.join(imageRoot, "Gallery_Distractor")
        guard DataFile.isDirectory(distractorFolder) else { throw DatasetError.folderMissing(spec: distractorFolder) }
        // Links that loop back (e.g. `loop -> ..`) are skipped: followed, they would make the probes distractors.
        let walk = try ImageFileList.walk(distractorFolder)
        distractors = walk.files.map { TinyFaceImage(path: DataFile.join(distractorFolder, $0), label: Self.distractorLabel) }
        problems += walk.skipped
        self.problems = problems
    }

    /// AdaFace's label: the integer before the first `_` of the base name (`12_3.jpg` → 12).
    public static func label(ofFileName name: String, source: String) throws -> Int {
        let base = (name as NSString).lastPathComponent
        guard let prefix = base.split(separator: "_", maxSplits: 1).first, let label = Int(prefix) else {
            throw DatasetError.invalid(file: source, offset: nil, message: "file name '\(name)' does not start with '<personID>_'")
        }
        return label
    }
}
