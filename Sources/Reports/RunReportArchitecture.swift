import Metrics
import Foundation
import NN
import Search

/// One architecture of the run as the report's table shows it: what it is, its size and cost,
/// and for the ir space the split over the four stages.
public struct ArchitectureEntry: Encodable {
    public struct StageCost: Encodable {
        public var stage: Int, blocks: Int, width: Int, outputSize: Int, params: Int, macs: Int
        enum CodingKeys: String, CodingKey { case stage, blocks, width, params, macs, outputSize = "output_size" }
    }

    /// "searched", "macro width" or "trained".
    public var role: String
    public var file: String
    public var space: String, inputSize: Int, depth: Int, width: Int
    public var stages: [Int]?, embeddingSize: Int?
    public var params: Int, macs: Int
    public var standardLayers: [Int], k5Layers: [Int]
    public var perStage: [StageCost]?

    enum CodingKeys: String, CodingKey {
        case role, file, space, depth, width, stages, params, macs
        case inputSize = "input_size", embeddingSize = "embedding_size", standardLayers = "std_layers", k5Layers = "k5_layers"
        case perStage = "per_stage"
    }

    public init(role: String, file: String, architecture a: Architecture) {
        self.role = role; self.file = file
        space = a.space.rawValue; inputSize = a.inputSize; depth = a.depth; width = a.width
        stages = a.stages; embeddingSize = a.embeddingSize
        params = ArchitectureSummary.parameterCount(a); macs = ArchitectureSummary.macs(a)
        standardLayers = a.standardLayers; k5Layers = a.k5Layers
        perStage = a.ir != nil ? Self.stageCosts(a) : nil
    }

    /// Sums `ArchitectureSummary`'s rows per stage, so the stages add up to the same totals less
    /// the stem and the embedding head. Rows after the stem follow the convolutions in order, with
    /// a conv shortcut's row after its block's second conv.
    static func stageCosts(_ a: Architecture) -> [StageCost] {
        let rows = ArchitectureSummary.rows(a), blocks = IRTemplate.blocks(a), widths = IRTemplate.stageWidths(a)
        var out = (a.stages ?? []).enumerated().map { s, n in
            StageCost(stage: s + 1, blocks: n, width: widths[s], outputSize: blocks.last { $0.stage == s }?.outputSize ?? 0, params: 0, macs: 0)
        }
        var k = 1
        for c in IRTemplate.convs(a) {
            let shortcut = c.slot == .second && blocks[c.block].hasConvShortcut
            for r in rows[k..<(k + (shortcut ? 2 : 1))] {
                out[c.stage].params += r.params; out[c.stage].macs += r.macs
            }
            k += shortcut ? 2 : 1
        }
        return out
    }

    /// The architectures a run folder holds: the search's result and macro-width form, and the
    /// trained checkpoint's (from its metadata, without loading the weights).
    static func read(in directory: String) throws -> [ArchitectureEntry] {
        func path(_ p: String) -> String { (directory as NSString).appendingPathComponent(p) }
        var out: [ArchitectureEntry] = []
        for (role, file) in [("searched", "search/best-arch.json"), ("macro width", "search/macro-arch.json")]
        where FileManager.default.fileExists(atPath: path(file)) {
            out.append(ArchitectureEntry(role: role, file: file, architecture: try Architecture.load(path(file))))
        }
        for file in ["train/best.safetensors", "train/checkpoint.safetensors"] where FileManager.default.fileExists(atPath: path(file)) {
            let meta = try Checkpoint.metadata(path(file))
            guard let json = meta["architecture"] else {
                throw RunReportError("\(path(file)): no architecture in the checkpoint metadata; expected a facenas checkpoint")
            }
            out.append(ArchitectureEntry(role: "trained", file: file, architecture: try Architecture.decode(Data(json.utf8), source: path(file))))
            break
        }
        return out
    }
}
