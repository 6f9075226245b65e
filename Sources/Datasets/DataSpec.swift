import Foundation

/// The data kinds a `KIND:PATH` string may name (DESIGN.md "Data kinds").
public enum DataKind: String, CaseIterable, Sendable, Codable {
    case fashionMNIST = "fashion-mnist"
    case mnist = "mnist"
    case kmnist = "kmnist"
    case emnistBalanced = "emnist-balanced"
    case cifar10 = "cifar10"
    case cifar100 = "cifar100"
    case recordio = "recordio"
    case folders = "folders"
    case synth = "synth"
    case bin = "bin"
    case lfwPairs = "lfw-pairs"

    /// The image classification kinds that `loadClassification` reads.
    public static let classificationKinds: [DataKind] = [.fashionMNIST, .mnist, .kmnist, .emnistBalanced, .cifar10, .cifar100]

    public var isClassification: Bool { DataKind.classificationKinds.contains(self) }
    /// IDX-format kinds (grayscale 28×28).
    public var isIDX: Bool { self == .fashionMNIST || self == .mnist || self == .kmnist || self == .emnistBalanced }
}

/// A data location as given on the command line: `KIND:PATH`, e.g. `fashion-mnist:/data/fmnist`.
public struct DataSpec: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var kind: DataKind
    public var path: String

    public init(kind: DataKind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// Parses `KIND:PATH`; the kind is case-insensitive, `~` at the start of the path is expanded.
    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw DatasetError.badSpec(text, reason: "expected KIND:PATH with KIND one of \(DataSpec.kindList)")
        }
        let name = text[..<colon].lowercased()
        guard let kind = DataKind(rawValue: name) else {
            throw DatasetError.badSpec(text, reason: "unknown data kind '\(name)' (expected one of \(DataSpec.kindList))")
        }
        var path = String(text[text.index(after: colon)...])
        guard !path.isEmpty else { throw DatasetError.badSpec(text, reason: "empty path after '\(name):'") }
        if path == "~" || path.hasPrefix("~/") { path = NSString(string: path).expandingTildeInPath }
        self.init(kind: kind, path: path)
    }

    public var description: String { "\(kind.rawValue):\(path)" }

    static var kindList: String { DataKind.allCases.map(\.rawValue).joined(separator: ", ") }
}
