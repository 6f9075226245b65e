import Foundation
import NN
import Search

/// A checkpoint's architecture comes from its metadata, which is only text: before building a
/// network from it, its parameter count must fit in the file (at two bytes a value, the smallest
/// dtype a checkpoint may hold), so that a damaged or hostile header cannot make `verify` or
/// `export` allocate gigabytes before the tensors are even looked at.
enum ArchitectureFit {
    static func check(_ a: Architecture, file path: String) throws {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        let params = ArchitectureSummary.parameterCount(a)
        guard params <= size / 2 else {
            throw CheckpointError(path: path, message: "its metadata describes a network of \(params) parameters, more than the \(size)-byte file can hold; the architecture or the file is damaged")
        }
    }
}
