/// A short human summary of a classification data set: kind, path, split sizes, image shape,
/// classes and the per-class count range of each split.
public func datasetInfo(_ spec: DataSpec) throws -> String {
    let (train, test) = try loadClassification(spec)
    func perClass(_ d: ClassificationDataset) -> String {
        let c = d.classCounts
        return "\(c.min() ?? 0)–\(c.max() ?? 0) per class"
    }
    return """
    kind: \(spec.kind.rawValue)
    path: \(spec.path)
    train: \(train.count) images (\(perClass(train)))
    test: \(test.count) images (\(perClass(test)))
    shape: \(train.channels)x\(train.height)x\(train.width) uint8
    classes: \(train.classes)
    """
}
