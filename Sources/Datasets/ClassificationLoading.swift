import Foundation

/// Reads the train and test splits of a classification data set in its original file layout:
///
/// | kind | files (each also accepted with `.gz`; gzip is detected from the content) |
/// |---|---|
/// | `mnist`, `fashion-mnist`, `kmnist` | `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (also in `raw/` or `gzip/`) |
/// | `emnist-balanced` | `emnist-balanced-{train,test}-{images-idx3,labels-idx1}-ubyte` (also in `raw/` or `gzip/`); images are transposed on load so they are upright |
/// | `cifar10` | `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` (also in `cifar-10-batches-bin/`) |
/// | `cifar100` | `train.bin`, `test.bin`, fine labels (also in `cifar-100-binary/`) |
public func loadClassification(_ spec: DataSpec) throws -> (train: ClassificationDataset, test: ClassificationDataset) {
    let layout = try ClassificationLayout(spec)
    try layout.checkFolder()
    switch spec.kind {
    case .cifar10, .cifar100:
        let variant: CIFARBinary.Variant = spec.kind == .cifar10 ? .cifar10 : .cifar100
        let trainFiles = try layout.trainFiles.map { try layout.resolve($0) }
        let testFiles = try layout.testFiles.map { try layout.resolve($0) }
        func load(_ files: [String], split: String) throws -> ClassificationDataset {
            var images: [UInt8] = []
            var labels: [Int32] = []
            for f in files {
                let r = try CIFARBinary.read(f, variant: variant)
                images += r.images
                labels += r.labels
            }
            return ClassificationDataset(name: "\(spec.kind.rawValue) \(split)", images: images, labels: labels,
                                         channels: 3, height: 32, width: 32, classes: variant.classes,
                                         classNames: spec.kind.classNames)
        }
        return (try load(trainFiles, split: "train"), try load(testFiles, split: "test"))
    default:
        let train = try layout.loadIDXSplit(images: layout.trainFiles[0], labels: layout.trainFiles[1], split: "train")
        let test = try layout.loadIDXSplit(images: layout.testFiles[0], labels: layout.testFiles[1], split: "test")
        if (test.dataset.height, test.dataset.width) != (train.dataset.height, train.dataset.width) {
            throw DatasetError.invalid(
                file: test.imagesFile, offset: 4,
                message: "images are \(test.dataset.height)x\(test.dataset.width) but the training images are \(train.dataset.height)x\(train.dataset.width) (expected the same size)")
        }
        return (train.dataset, test.dataset)
    }
}

/// Writes `train` and `test` in the original layout of `spec.kind` under `spec.path` (created if
/// needed), so `loadClassification(spec)` reads them back. IDX files get a `.gz` suffix when `gzip`.
/// EMNIST images are stored transposed, as in the original files; CIFAR-10 training images are
/// spread over the five batch files; CIFAR-100 coarse labels are written as 0 (they are not kept).
public func saveClassification(train: ClassificationDataset, test: ClassificationDataset, to spec: DataSpec,
                               gzip: Bool = false) throws {
    let layout = try ClassificationLayout(spec)
    do {
        try FileManager.default.createDirectory(atPath: spec.path, withIntermediateDirectories: true)
    } catch {
        throw DatasetError.io(file: spec.path, reason: "cannot create folder (\(error.localizedDescription))")
    }
    let suffix = gzip ? ".gz" : ""
    switch spec.kind {
    case .cifar10, .cifar100:
        let variant: CIFARBinary.Variant = spec.kind == .cifar10 ? .cifar10 : .cifar100
        for d in [train, test] where (d.channels, d.height, d.width) != (3, 32, 32) {
            throw DatasetError.invalid(file: spec.description, offset: nil,
                                       message: "\(d.name) is \(d.channels)x\(d.height)x\(d.width), expected 3x32x32 for CIFAR")
        }
        func write(_ d: ClassificationDataset, _ files: [String]) throws {
            for (k, f) in files.enumerated() {
                let lo = d.count * k / files.count, hi = d.count * (k + 1) / files.count
                let part = d.subset(Array(lo..<hi))
                try CIFARBinary.write(images: part.images, labels: part.labels, variant: variant,
                                      to: DataFile.join(spec.path, f + suffix), gzip: gzip)
            }
        }
        try write(train, layout.trainFiles)
        try write(test, layout.testFiles)
    default:
        for (d, files) in [(train, layout.trainFiles), (test, layout.testFiles)] {
            guard d.channels == 1 else {
                throw DatasetError.invalid(file: spec.description, offset: nil,
                                           message: "\(d.name) has \(d.channels) channels, expected 1 for IDX")
            }
            var pixels = d.images
            var dims = [d.count, d.height, d.width]
            if spec.kind == .emnistBalanced {
                pixels = transposeImages(pixels, count: d.count, rows: d.height, cols: d.width)
                dims = [d.count, d.width, d.height]
            }
            try IDX.write(IDXArray(dims: dims, bytes: pixels), to: DataFile.join(spec.path, files[0] + suffix), gzip: gzip)
            try IDX.write(IDXArray(dims: [d.count], bytes: d.labels.map { UInt8(truncatingIfNeeded: $0) }),
                          to: DataFile.join(spec.path, files[1] + suffix), gzip: gzip)
        }
    }
}

/// Per image, `out[x][y] = in[y][x]`: `count` images of `rows`×`cols` become `cols`×`rows`.
public func transposeImages(_ pixels: [UInt8], count: Int, rows: Int, cols: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: pixels.count)
    let s = rows * cols
    pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for n in 0..<count {
                let a = src.baseAddress! + n * s, b = dst.baseAddress! + n * s
                for y in 0..<rows {
                    for x in 0..<cols { b[x * rows + y] = a[y * cols + x] }
                }
            }
        }
    }
    return out
}

/// File names and look-up rules of one classification kind.
struct ClassificationLayout {
    let spec: DataSpec
    /// IDX: [images, labels]; CIFAR: the batch files.
    let trainFiles: [String]
    let testFiles: [String]
    let subfolders: [String]

    init(_ spec: DataSpec) throws {
        self.spec = spec
        switch spec.kind {
        case .fashionMNIST, .mnist, .kmnist:
            trainFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
            testFiles = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
            subfolders = ["raw", "gzip"]
        case .emnistBalanced:
            trainFiles = ["emnist-balanced-train-images-idx3-ubyte", "emnist-balanced-train-labels-idx1-ubyte"]
            testFiles = ["emnist-balanced-test-images-idx3-ubyte", "emnist-balanced-test-labels-idx1-ubyte"]
            subfolders = ["raw", "gzip"]
        case .cifar10:
            trainFiles = (1...5).map { "data_batch_\($0).bin" }
            testFiles = ["test_batch.bin"]
            subfolders = ["cifar-10-batches-bin"]
        case .cifar100:
            trainFiles = ["train.bin"]
            testFiles = ["test.bin"]
            subfolders = ["cifar-100-binary"]
        case .recordio, .folders, .synth, .bin, .lfwPairs:
            throw DatasetError.unsupportedKind(spec: spec.description, operation: "loading as a classification set")
        }
    }

    func checkFolder() throws {
        if DataFile.isDirectory(spec.path) { return }
        if DataFile.isFile(spec.path) {
            throw DatasetError.invalid(file: spec.description, offset: nil, message: "is a file, expected a folder")
        }
        throw DatasetError.folderMissing(spec: spec.description)
    }

    /// The path of `name` or `name.gz`, in the folder or one of its accepted sub-folders.
    func resolve(_ name: String) throws -> String {
        var searched: [String] = []
        for sub in [""] + subfolders {
            let dir = DataFile.join(spec.path, sub)
            if !sub.isEmpty {
                guard DataFile.isDirectory(dir) else { continue }
                searched.append(sub)
            }
            for candidate in [name, name + ".gz"] {
                let p = DataFile.join(dir, candidate)
                if DataFile.isFile(p) { return p }
            }
        }
        throw DatasetError.fileMissing(spec: spec.description, name: name + "(.gz)", searched: searched)
    }

    func loadIDXSplit(images: String, labels: String, split: String) throws
        -> (dataset: ClassificationDataset, imagesFile: String) {
        let imagesFile = try resolve(images)
        let labelsFile = try resolve(labels)
        let img = try IDX.read(imagesFile, rank: 3)
        let lab = try IDX.read(labelsFile, rank: 1)
        guard img.dims[0] == lab.dims[0] else {
            throw DatasetError.countMismatch(imagesFile: imagesFile, images: img.dims[0], labelsFile: labelsFile, labels: lab.dims[0])
        }
        let classes = spec.kind.classCount
        var labelValues = [Int32](repeating: 0, count: lab.bytes.count)
        for (i, l) in lab.bytes.enumerated() {
            guard Int(l) < classes else {
                throw DatasetError.labelOutOfRange(file: labelsFile, record: i, offset: 8 + i, label: Int(l), classes: classes)
            }
            labelValues[i] = Int32(l)
        }
        var pixels = img.bytes
        var (h, w) = (img.dims[1], img.dims[2])
        if spec.kind == .emnistBalanced {
            // EMNIST stores each image transposed (column-major); flip it back to upright.
            pixels = transposeImages(pixels, count: img.dims[0], rows: h, cols: w)
            (h, w) = (w, h)
        }
        let ds = ClassificationDataset(name: "\(spec.kind.rawValue) \(split)", images: pixels, labels: labelValues,
                                       channels: 1, height: h, width: w, classes: classes, classNames: spec.kind.classNames)
        return (ds, imagesFile)
    }
}
