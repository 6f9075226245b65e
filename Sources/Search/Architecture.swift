import Foundation

/// Operation of a searchable convolution: separable (depthwise k×k then pointwise 1×1) or standard k×k.
public enum ConvOp: Int, Codable, Sendable {
    case separable = 0
    case standard = 1
    public var name: String { self == .separable ? "sep" : "std" }
}

/// The search spaces FaceNAS knows, by the name the `space` field of an `arch.json` carries.
public enum SpaceName: String, Codable, CaseIterable, Sendable {
    /// The authors' classification template.
    case plain
    /// The inverted-ResNet face backbone (insightface IResNet layout).
    case ir
}

/// How an IR block's shortcut follows a strided branch whose channels do not change. The two
/// public IResNet layouts differ only here (and in the embedding BN, `IRShape.embeddingAffine`).
public enum IRShortcut: String, Codable, CaseIterable, Sendable {
    /// insightface's iresnet: a 1×1 conv + BN wherever the stride or the channels change.
    case conv
    /// AdaFace's IR: a 1×1 max-pool with the block's stride where the channels agree (stage 1's
    /// first block), a 1×1 conv + BN only where they change.
    case pool
}

/// The IR space's own fields: IR blocks per stage (4 entries, each ≥ 1, summing to depth), the
/// width of the embedding the network outputs (512 in insightface and AdaFace), the dropout
/// probability before the embedding layer (0 in insightface's recipes, 0.4 in AdaFace's), the
/// shortcut kind, and whether the embedding BN has affine parameters (insightface: γ held at 1,
/// β trained; AdaFace: none).
public struct IRShape: Equatable, Sendable {
    public var stages: [Int]
    public var embeddingSize: Int
    public var dropout: Float
    public var shortcut: IRShortcut
    public var embeddingAffine: Bool
    public init(stages: [Int], embeddingSize: Int = 512, dropout: Float = 0, shortcut: IRShortcut = .conv,
                embeddingAffine: Bool = true) {
        self.stages = stages; self.embeddingSize = embeddingSize; self.dropout = dropout
        self.shortcut = shortcut; self.embeddingAffine = embeddingAffine
    }
}

/// Which template an architecture instantiates, with the fields only that template has.
public enum ArchitectureKind: Equatable, Sendable {
    /// A classifier with `classes` outputs.
    case plain(classes: Int)
    /// A face backbone that outputs an embedding.
    case ir(IRShape)

    public var space: SpaceName {
        switch self {
        case .plain: return .plain
        case .ir: return .ir
        }
    }

    public var name: String { space.rawValue }
}

/// A point of a search space: what `inspect`, `train --arch` and the search exchange.
///
/// Two kinds:
/// - `plain`, the authors' classification template: `depth` layers, one searchable conv each,
///   kernels 3, 5 or 7, `classes` outputs.
/// - `ir`, the IR face backbone (`IRTemplate`): `depth` = total IR blocks, `stages` their split
///   over the 4 stages, `width` = W (stage widths W, 2W, 4W, 8W); `ops`/`kernels` hold 2 entries
///   per block (block b's first conv is entry 2b, its second 2b+1), kernels 3 or 5. The network
///   outputs the `embeddingSize`-dim embedding; the JSON's `classes` is 0.
///
/// JSON form (`arch.json`): the defining fields plus a derived per-layer table; reading checks that
/// the table agrees with the fields, and writing then reading gives the same bytes.
public struct Architecture: Equatable, Sendable {
    public var kind: ArchitectureKind
    public var inChannels: Int
    public var inputSize: Int           // square input side, for output sizes and MACs
    public var depth: Int
    public var width: Int
    public var ops: [ConvOp]            // one per searchable conv
    public var kernels: [Int]           // 3, 5 or 7 per searchable conv (ir: 3 or 5)

    /// A plain-template classifier.
    public init(inChannels: Int, classes: Int, inputSize: Int, depth: Int, width: Int,
                ops: [ConvOp]? = nil, kernels: [Int]? = nil) {
        kind = .plain(classes: classes)
        self.inChannels = inChannels; self.inputSize = inputSize
        self.depth = depth; self.width = width
        self.ops = ops ?? Array(repeating: .separable, count: depth)
        self.kernels = kernels ?? Array(repeating: 3, count: depth)
    }

    /// An IR face backbone: depth = Σ stages, 2 searchable convs per block, by default all
    /// standard 3×3 (the insightface IR; stages 2,2,2,2 at width 64 is IR-18).
    public init(irStages stages: [Int], width: Int, inChannels: Int = 3, inputSize: Int = 112,
                embeddingSize: Int = 512, dropout: Float = 0, ops: [ConvOp]? = nil, kernels: [Int]? = nil,
                shortcut: IRShortcut = .conv, embeddingAffine: Bool = true) {
        let depth = stages.reduce(0, +)
        kind = .ir(IRShape(stages: stages, embeddingSize: embeddingSize, dropout: dropout, shortcut: shortcut,
                           embeddingAffine: embeddingAffine))
        self.inChannels = inChannels; self.inputSize = inputSize; self.depth = depth; self.width = width
        self.ops = ops ?? Array(repeating: .standard, count: 2 * depth)
        self.kernels = kernels ?? Array(repeating: 3, count: 2 * depth)
    }

    public var space: SpaceName { kind.space }
    /// plain: classifier outputs; ir: 0 (the JSON's value).
    public var classes: Int {
        if case let .plain(c) = kind { return c }
        return 0
    }
    /// The IR fields; nil for plain.
    public var ir: IRShape? {
        if case let .ir(s) = kind { return s }
        return nil
    }
    public var stages: [Int]? { ir?.stages }
    public var embeddingSize: Int? { ir?.embeddingSize }
    public var dropout: Float? { ir?.dropout }
    public var shortcut: IRShortcut? { ir?.shortcut }
    public var embeddingAffine: Bool? { ir?.embeddingAffine }

    /// Entries of `ops`/`kernels`: one per searchable convolution.
    public var searchableConvCount: Int { ir != nil ? 2 * depth : depth }

    /// Indices of standard-conv layers and of 5×5 layers (the `--std-layers`/`--k5-layers` lists).
    public var standardLayers: [Int] { ops.indices.filter { ops[$0] == .standard } }
    public var k5Layers: [Int] { kernels.indices.filter { kernels[$0] == 5 } }

    /// Limits far above any network this tool can train on a CPU, so that a damaged or hostile
    /// `arch.json` (or checkpoint metadata) fails with one line instead of asking for terabytes.
    public static let maxWidth = 4096, maxDepth = 1024, maxInputSize = 1024, maxClasses = 10_000_000, maxEmbeddingSize = 65_536

    public func validate() throws {
        func bad(_ m: String) -> ArchitectureError { ArchitectureError(message: m) }
        guard depth >= 1 else { throw bad("depth must be at least 1, got \(depth)") }
        guard width >= 1 else { throw bad("width must be at least 1, got \(width)") }
        guard inChannels >= 1, classes >= (space == .ir ? 0 : 1) else { throw bad("in-channels and classes must be positive") }
        guard depth <= Self.maxDepth else { throw bad("depth \(depth): at most \(Self.maxDepth)") }
        guard width <= Self.maxWidth else { throw bad("width \(width): at most \(Self.maxWidth)") }
        guard inChannels <= 64 else { throw bad("in-channels \(inChannels): at most 64") }
        guard classes <= Self.maxClasses else { throw bad("classes \(classes): at most \(Self.maxClasses)") }
        guard inputSize <= Self.maxInputSize else { throw bad("input size \(inputSize): at most \(Self.maxInputSize)") }
        if case .ir(let shape) = kind { return try validateIR(shape) }
        guard ops.count == depth else { throw bad("\(ops.count) operations for depth \(depth)") }
        guard kernels.count == depth else { throw bad("\(kernels.count) kernels for depth \(depth)") }
        for (i, k) in kernels.enumerated() where ![3, 5, 7].contains(k) {
            throw bad("layer \(i): kernel \(k) (expected 3, 5 or 7)")
        }
        guard inputSize >= 4 else { throw bad("input size \(inputSize) too small") }
    }

    private func validateIR(_ shape: IRShape) throws {
        func bad(_ m: String) -> ArchitectureError { ArchitectureError(message: m) }
        let stages = shape.stages
        guard stages.count == 4 else { throw bad("ir stages: \(stages.count) entries (expected 4 block counts)") }
        guard stages.allSatisfy({ $0 >= 1 }) else { throw bad("ir stages \(stages.map(String.init).joined(separator: ",")): every stage needs at least 1 block") }
        guard stages.allSatisfy({ $0 <= Self.maxDepth }), stages.reduce(0, +) == depth else {
            throw bad("ir stages \(stages.map(String.init).joined(separator: ",")) sum to \(stages.reduce(0) { $0 &+ $1 }), not depth \(depth)")
        }
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
        guard (1...Self.maxEmbeddingSize).contains(shape.embeddingSize) else {
            throw bad("embedding size \(shape.embeddingSize): expected 1...\(Self.maxEmbeddingSize)")
        }
        guard shape.dropout >= 0, shape.dropout < 1 else { throw bad("dropout \(shape.dropout): expected a probability in [0, 1)") }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Architecture: Codable {
    enum CodingKeys: String, CodingKey {
        case space, depth, width, ops, kernels, layers, stages, dropout, shortcut
        case embeddingAffine = "embedding_affine"
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
        let name = try c.decode(String.self, forKey: .space)
        guard let space = SpaceName(rawValue: name) else {
            throw ArchitectureError(message: "unknown search space \"\(name)\" (supported: \(SpaceName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        inChannels = try c.decode(Int.self, forKey: .inChannels)
        let classes = try c.decode(Int.self, forKey: .classes)
        inputSize = try c.decode(Int.self, forKey: .inputSize)
        depth = try c.decode(Int.self, forKey: .depth)
        width = try c.decode(Int.self, forKey: .width)
        let rawOps = try c.decode([Int].self, forKey: .ops)
        ops = try rawOps.map {
            guard let o = ConvOp(rawValue: $0) else { throw ArchitectureError(message: "operation code \($0) (expected 0 separable or 1 standard)") }
            return o
        }
        kernels = try c.decode([Int].self, forKey: .kernels)
        switch space {
        case .ir:
            guard classes == 0 else { throw ArchitectureError(message: "classes is unused in the ir space and must be 0, got \(classes)") }
            let shortcutName = try c.decodeIfPresent(String.self, forKey: .shortcut) ?? IRShortcut.conv.rawValue
            guard let shortcut = IRShortcut(rawValue: shortcutName) else {
                throw ArchitectureError(message: "shortcut \"\(shortcutName)\" (expected \(IRShortcut.allCases.map(\.rawValue).joined(separator: " or ")))")
            }
            kind = .ir(IRShape(stages: try c.decode([Int].self, forKey: .stages),
                               embeddingSize: try c.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? 512,
                               dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0,
                               shortcut: shortcut,
                               embeddingAffine: try c.decodeIfPresent(Bool.self, forKey: .embeddingAffine) ?? true))
        case .plain:
            guard !c.contains(.stages), !c.contains(.embeddingSize), !c.contains(.dropout), !c.contains(.shortcut),
                  !c.contains(.embeddingAffine) else {
                throw ArchitectureError(message: "stages, embedding_size, dropout, shortcut and embedding_affine belong to the ir space, not plain")
            }
            kind = .plain(classes: classes)
        }
        try validate()
        let agrees = space == .ir
            ? try c.decodeIfPresent([IRLayerRecord].self, forKey: .layers).map { $0 == irLayerRecords } ?? true
            : try c.decodeIfPresent([LayerRecord].self, forKey: .layers).map { $0 == layerRecords } ?? true
        guard agrees else {
            let fields = space == .ir ? "depth/width/stages/ops/kernels" : "depth/width/ops/kernels"
            throw ArchitectureError(message: "the per-layer table disagrees with \(fields) (edit those fields, not the table)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(space.rawValue, forKey: .space)
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
        // Written only when they differ from insightface's layout, so older files keep their bytes.
        if let s = shortcut, s != .conv { try c.encode(s.rawValue, forKey: .shortcut) }
        if embeddingAffine == false { try c.encode(false, forKey: .embeddingAffine) }
        if space == .ir { try c.encode(irLayerRecords, forKey: .layers) } else { try c.encode(layerRecords, forKey: .layers) }
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
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ArchitectureError(message: "\(source): null at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.dataCorrupted(ctx) {
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw ArchitectureError(message: "\(source): " + (at.isEmpty ? "not JSON, or nested too deeply" : "bad value at \(at)") + "; not a valid architecture JSON")
        } catch {
            throw ArchitectureError(message: "\(source): not a valid architecture JSON")
        }
    }

    public func save(_ path: String) throws {
        try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
