import Foundation

/// Operation of a searchable convolution: separable (depthwise k×k then pointwise 1×1) or standard k×k.
public enum ConvOp: Int, Codable, Sendable {
    case separable = 0
    case standard = 1
    public var name: String { self == .separable ? "sep" : "std" }
}

/// A point of a search space: what `inspect`, `train --arch` and the search exchange.
///
/// JSON form (`arch.json`): the defining fields plus a derived per-layer table; reading checks that
/// the table agrees with the fields, and writing then reading gives the same bytes.
public struct Architecture: Equatable, Sendable {
    public var space: String            // "plain" (the authors' classification template)
    public var inChannels: Int
    public var classes: Int
    public var inputSize: Int           // square input side, for output sizes and MACs
    public var depth: Int
    public var width: Int
    public var ops: [ConvOp]            // one per searchable conv
    public var kernels: [Int]           // 3, 5 or 7 per searchable conv

    public init(space: String = "plain", inChannels: Int, classes: Int, inputSize: Int, depth: Int, width: Int,
                ops: [ConvOp]? = nil, kernels: [Int]? = nil) {
        self.space = space; self.inChannels = inChannels; self.classes = classes; self.inputSize = inputSize
        self.depth = depth; self.width = width
        self.ops = ops ?? Array(repeating: .separable, count: depth)
        self.kernels = kernels ?? Array(repeating: 3, count: depth)
    }

    /// Indices of standard-conv layers and of 5×5 layers (the `--std-layers`/`--k5-layers` lists).
    public var standardLayers: [Int] { ops.indices.filter { ops[$0] == .standard } }
    public var k5Layers: [Int] { kernels.indices.filter { kernels[$0] == 5 } }

    public func validate() throws {
        func bad(_ m: String) -> ArchitectureError { ArchitectureError(message: m) }
        guard space == "plain" else { throw bad("unknown search space \"\(space)\" (supported: plain)") }
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
}

public struct ArchitectureError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Architecture: Codable {
    enum CodingKeys: String, CodingKey {
        case space, depth, width, ops, kernels, layers
        case inChannels = "in_channels", classes, inputSize = "input_size"
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
        try validate()
        if let layers = try c.decodeIfPresent([LayerRecord].self, forKey: .layers), layers != layerRecords {
            throw ArchitectureError(message: "the per-layer table disagrees with depth/width/ops/kernels (edit those fields, not the table)")
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
        try c.encode(layerRecords, forKey: .layers)
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
