import Foundation

/// Operation of a searchable convolution: separable (depthwise k×k then pointwise 1×1) or standard k×k.
public enum ConvOp: Int, Codable, Sendable {
    case separable = 0
    case standard = 1
    public var name: String { self == .separable ? "sep" : "std" }
}

/// A point of a search space: what `inspect`, `train --arch` and the search exchange.
///
/// Two spaces:
/// - `plain`, the authors' classification template: `depth` layers, one searchable conv each,
///   kernels 3, 5 or 7; the three IR fields are nil (and absent from the JSON).
/// - `ir`, the IR face backbone (`IRTemplate`): `depth` = total IR blocks, `stages` their split
///   over the 4 stages, `width` = W (stage widths W, 2W, 4W, 8W); `ops`/`kernels` hold 2 entries
///   per block (block b's first conv is entry 2b, its second 2b+1), kernels 3 or 5. The network
///   outputs the `embeddingSize`-dim embedding, so `classes` is unused and is 0.
///
/// JSON form (`arch.json`): the defining fields plus a derived per-layer table; reading checks that
/// the table agrees with the fields, and writing then reading gives the same bytes.
public struct Architecture: Equatable, Sendable {
    public var space: String            // "plain" or "ir"
    public var inChannels: Int
    public var classes: Int             // plain: classifier outputs; ir: 0
    public var inputSize: Int           // square input side, for output sizes and MACs
    public var depth: Int
    public var width: Int
    public var ops: [ConvOp]            // one per searchable conv
    public var kernels: [Int]           // 3, 5 or 7 per searchable conv (ir: 3 or 5)
    /// ir: IR blocks per stage (4 entries, each ≥ 1, summing to depth).
    public var stages: [Int]?
    /// ir: width of the embedding the network outputs (512 in insightface and AdaFace).
    public var embeddingSize: Int?
    /// ir: dropout probability before the embedding layer (0 in the CASIA/MS1M recipes).
    public var dropout: Float?

    public init(space: String = "plain", inChannels: Int, classes: Int, inputSize: Int, depth: Int, width: Int,
                ops: [ConvOp]? = nil, kernels: [Int]? = nil) {
        self.space = space; self.inChannels = inChannels; self.classes = classes; self.inputSize = inputSize
        self.depth = depth; self.width = width
        self.ops = ops ?? Array(repeating: .separable, count: depth)
        self.kernels = kernels ?? Array(repeating: 3, count: depth)
    }

    /// An IR face backbone: depth = Σ stages, 2 searchable convs per block, by default all
    /// standard 3×3 (the insightface IR; stages 2,2,2,2 at width 64 is IR-18).
    public init(irStages stages: [Int], width: Int, inChannels: Int = 3, inputSize: Int = 112,
                embeddingSize: Int = 512, dropout: Float = 0, ops: [ConvOp]? = nil, kernels: [Int]? = nil) {
        let depth = stages.reduce(0, +)
        self.init(space: "ir", inChannels: inChannels, classes: 0, inputSize: inputSize, depth: depth, width: width,
                  ops: ops ?? Array(repeating: .standard, count: 2 * depth), kernels: kernels ?? Array(repeating: 3, count: 2 * depth))
        self.stages = stages; self.embeddingSize = embeddingSize; self.dropout = dropout
    }

    /// Entries of `ops`/`kernels`: one per searchable convolution.
    public var searchableConvCount: Int { space == "ir" ? 2 * depth : depth }

    /// Indices of standard-conv layers and of 5×5 layers (the `--std-layers`/`--k5-layers` lists).
    public var standardLayers: [Int] { ops.indices.filter { ops[$0] == .standard } }
    public var k5Layers: [Int] { kernels.indices.filter { kernels[$0] == 5 } }

    public func validate() throws {
        func bad(_ m: String) -> ArchitectureError { ArchitectureError(message: m) }
        if space == "ir" { return try validateIR() }
        guard space == "plain" else { throw bad("unknown search space \"\(space)\" (supported: plain, ir)") }
        guard stages == nil, embeddingSize == nil, dropout == nil else {
            throw bad("stages, embedding_size and dropout belong to the ir space, not plain")
        }
        guard depth >= 1 else { throw bad("depth must be at least 1, got \(depth)") }
        guard width >= 1 else { throw bad("width must be at least 1, got \(width)") }
        guard inChannels >= 1, classes >= 1 else { throw bad("in-channels and classes must be positive") }
        guard ops.count == depth else { throw bad("\(ops.count) operations for depth \(depth)") }
        guard kernels.count == depth else { throw bad("\(kernels.count) kernels for depth \(depth)") }
        for (i, k) in kernels.enumerated() where ![3, 5, 7].contains(k) {
            throw bad("layer \(i): kernel \(k) (expected 3, 5 or 7)")
        }
        guard inputSize >= 4 else { throw bad("input size \(inputSize) too small") }
    }

    private func validateIR() throws {
        func bad(_ m: String) -> ArchitectureError { ArchitectureError(message: m) }
        guard let stages, let embeddingSize, let dropout else {
            throw bad("an ir architecture needs stages, embedding_size and dropout")
        }
        guard stages.count == 4 else { throw bad("ir stages: \(stages.count) entries (expected 4 block counts)") }
        guard stages.allSatisfy({ $0 >= 1 }) else { throw bad("ir stages \(stages.map(String.init).joined(separator: ",")): every stage needs at least 1 block") }
        guard stages.reduce(0, +) == depth else {
            throw bad("ir stages \(stages.map(String.init).joined(separator: ",")) sum to \(stages.reduce(0, +)), not depth \(depth)")
        }
        guard width >= 1 else { throw bad("width must be at least 1, got \(width)") }
        guard inChannels >= 1 else { throw bad("in-channels must be positive") }
        guard classes == 0 else { throw bad("classes is unused in the ir space and must be 0, got \(classes)") }
        guard ops.count == 2 * depth else { throw bad("\(ops.count) operations for \(depth) ir blocks (expected \(2 * depth), 2 per block)") }
        guard kernels.count == 2 * depth else { throw bad("\(kernels.count) kernels for \(depth) ir blocks (expected \(2 * depth), 2 per block)") }
        for (i, k) in kernels.enumerated() where ![3, 5].contains(k) {
            throw bad("conv \(i): kernel \(k) (expected 3 or 5 in the ir space)")
        }
        // Each stride-2 stage maps side n to ⌈n/2⌉ (3×3/5×5 with padding and the 1×1 shortcut agree), so
        // any side works; below 16 the last stage would see a 1×1 map.
        guard inputSize >= 16 else {
            throw bad("ir input size \(inputSize): must be at least 16 (four stride-2 stages)")
        }
        guard embeddingSize >= 1 else { throw bad("embedding size must be positive, got \(embeddingSize)") }
        guard dropout >= 0, dropout < 1 else { throw bad("dropout \(dropout): expected a probability in [0, 1)") }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Architecture: Codable {
    enum CodingKeys: String, CodingKey {
        case space, depth, width, ops, kernels, layers, stages, dropout
        case inChannels = "in_channels", classes, inputSize = "input_size", embeddingSize = "embedding_size"
    }

    struct LayerRecord: Codable, Equatable {
        var index: Int, op: String, kernel: Int, stride: Int
        var inChannels: Int, outChannels: Int
        enum CodingKeys: String, CodingKey {
            case index, op, kernel, stride
            case inChannels = "in", outChannels = "out"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        space = try c.decode(String.self, forKey: .space)
        inChannels = try c.decode(Int.self, forKey: .inChannels)
        classes = try c.decode(Int.self, forKey: .classes)
        inputSize = try c.decode(Int.self, forKey: .inputSize)
        depth = try c.decode(Int.self, forKey: .depth)
        width = try c.decode(Int.self, forKey: .width)
        let rawOps = try c.decode([Int].self, forKey: .ops)
        ops = try rawOps.map {
            guard let o = ConvOp(rawValue: $0) else { throw ArchitectureError(message: "operation code \($0) (expected 0 separable or 1 standard)") }
            return o
        }
        kernels = try c.decode([Int].self, forKey: .kernels)
        if space == "ir" {
            stages = try c.decode([Int].self, forKey: .stages)
            embeddingSize = try c.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? 512
            dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        } else {
            stages = try c.decodeIfPresent([Int].self, forKey: .stages)
            embeddingSize = try c.decodeIfPresent(Int.self, forKey: .embeddingSize)
            dropout = try c.decodeIfPresent(Float.self, forKey: .dropout)
        }
        try validate()
        let agrees = space == "ir"
            ? try c.decodeIfPresent([IRLayerRecord].self, forKey: .layers).map { $0 == irLayerRecords } ?? true
            : try c.decodeIfPresent([LayerRecord].self, forKey: .layers).map { $0 == layerRecords } ?? true
        guard agrees else {
            let fields = space == "ir" ? "depth/width/stages/ops/kernels" : "depth/width/ops/kernels"
            throw ArchitectureError(message: "the per-layer table disagrees with \(fields) (edit those fields, not the table)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(space, forKey: .space)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(classes, forKey: .classes)
        try c.encode(inputSize, forKey: .inputSize)
        try c.encode(depth, forKey: .depth)
        try c.encode(width, forKey: .width)
        try c.encode(ops.map(\.rawValue), forKey: .ops)
        try c.encode(kernels, forKey: .kernels)
        try c.encodeIfPresent(stages, forKey: .stages)
        try c.encodeIfPresent(embeddingSize, forKey: .embeddingSize)
        try c.encodeIfPresent(dropout, forKey: .dropout)
        if space == "ir" { try c.encode(irLayerRecords, forKey: .layers) } else { try c.encode(layerRecords, forKey: .layers) }
    }

    /// One searchable conv of an ir architecture in the JSON table (stage and block 0-based).
    struct IRLayerRecord: Codable, Equatable {
        var index: Int, block: Int, stage: Int, conv: String, op: String, kernel: Int, stride: Int
        var inChannels: Int, outChannels: Int
        enum CodingKeys: String, CodingKey {
            case index, block, stage, conv, op, kernel, stride
            case inChannels = "in", outChannels = "out"
        }
    }

    var irLayerRecords: [IRLayerRecord] {
        IRTemplate.convs(self).map {
            IRLayerRecord(index: $0.index, block: $0.block, stage: $0.stage, conv: $0.slot.rawValue, op: $0.op.name,
                          kernel: $0.kernel, stride: $0.stride, inChannels: $0.inChannels, outChannels: $0.outChannels)
        }
    }

    var layerRecords: [LayerRecord] {
        PlainTemplate.bodyLayers(self).map {
            LayerRecord(index: $0.index, op: $0.op.name, kernel: $0.kernel, stride: $0.stride,
                        inChannels: $0.inChannels, outChannels: $0.outChannels)
        }
    }

    /// Pretty, key-sorted JSON (stable bytes).
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    public func jsonString() throws -> String { String(decoding: try jsonData(), as: UTF8.self) }

    public static func load(_ path: String) throws -> Architecture {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw ArchitectureError(message: "\(path): cannot read the architecture file")
        }
        return try decode(d, source: path)
    }

    public static func decode(_ d: Data, source: String) throws -> Architecture {
        do { return try JSONDecoder().decode(Architecture.self, from: d) } catch let e as ArchitectureError {
            throw ArchitectureError(message: "\(source): \(e.message)")
        } catch let DecodingError.keyNotFound(k, _) {
            throw ArchitectureError(message: "\(source): missing field \"\(k.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ArchitectureError(message: "\(source): wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw ArchitectureError(message: "\(source): not a valid architecture JSON (\(error))")
        }
    }

    public func save(_ path: String) throws {
        try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
