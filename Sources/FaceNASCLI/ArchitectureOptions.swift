import ArgumentParser
import Search

extension StageRule: ExpressibleByArgument {}

/// Architecture flags shared by `inspect` and `train` (or `--arch FILE`).
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Search space: plain (classification template) or ir (IR face backbone).")
    var space: SpaceName = .plain
    @Option(name: .customLong("in-channels"), help: "Input channels (default: from the data, else 3).")
    var inChannels: Int?
    @Option(help: "Number of classes, plain only (default: from the data, else 10).")
    var classes: Int?
    @Option(help: "plain: searchable layers D (default 12). ir: IR blocks (default: the sum of --stages; 8 with --stages 2,2,2,2 when neither is given).")
    var depth: Int?
    @Option(help: "plain: stage-1 width C, stem 2C, last stage 4C (default 32). ir: stem and stage-1 width W, stages W,2W,4W,8W (default 64).")
    var width: Int?
    @Option(name: .customLong("std-layers"),
            help: "Comma-separated 0-based searchable convs that use a standard conv, the others separable; '-' for none. Default: none for plain; all for ir (the insightface IR, all standard 3x3). ir has 2 per block: block b's convs are 2b and 2b+1.")
    var stdLayers: String?
    @Option(name: .customLong("k5-layers"), help: "Comma-separated 0-based searchable convs that use a 5x5 kernel (others 3x3).")
    var k5Layers: String = ""
    @Option(name: .customLong("input-size"), help: "Square input side for sizes and MACs (default: from the data, else 32; ir 112).")
    var inputSize: Int?
    @Option(help: "ir: blocks per stage a,b,c,d (overrides --stage-rule; e.g. 2,2,2,2 is IR-18, 3,4,14,3 IR-50).")
    var stages: String?
    @Option(name: .customLong("stage-rule"),
            help: "ir: how --depth is split over the stages without --stages: proportional (to IR-50's 3:4:14:3, largest remainder, each stage >= 1) or even (extra blocks to the later stages).")
    var stageRule: StageRule = .proportional
    @Option(name: .customLong("embedding-size"), help: "ir: embedding width E (default 512).")
    var embeddingSize: Int?
    @Option(help: "ir: dropout probability before the embedding layer (default 0; train --task face: 0.4 with --loss adaface as AdaFace's IR, 0 with the insightface losses).")
    var dropout: Float?
    @Option(help: "Read the architecture from this JSON file instead of the flags.")
    var arch: String?

    /// `defaultInputSize` nil: the space's own default (plain 32, ir 112). `defaultDropout`: ir without
    /// --dropout (a training recipe's value; an --arch file keeps its own).
    func architecture(defaultInChannels: Int = 3, defaultClasses: Int = 10, defaultInputSize: Int? = nil,
                      defaultDropout: Float = 0) throws -> Architecture {
        if let arch {
            var a = try Architecture.load(arch)
            if let s = inputSize { a.inputSize = s }
            try a.validate()
            return a
        }
        switch space {
        case .plain: return try plain(defaultInChannels: defaultInChannels, defaultClasses: defaultClasses,
                                      defaultInputSize: defaultInputSize ?? 32)
        case .ir: return try ir(defaultInChannels: defaultInChannels, defaultInputSize: defaultInputSize ?? 112, defaultDropout: defaultDropout)
        }
    }

    private func plain(defaultInChannels: Int, defaultClasses: Int, defaultInputSize: Int) throws -> Architecture {
        let irOnly = [("--stages", stages != nil), ("--embedding-size", embeddingSize != nil), ("--dropout", dropout != nil)]
        if let flag = irOnly.first(where: { $0.1 }) { throw ValidationError("\(flag.0) applies to --space ir only") }
        let depth = depth ?? 12
        let (ops, ks) = try searchable(count: depth, defaultOp: .separable)
        let a = Architecture(inChannels: inChannels ?? defaultInChannels, classes: classes ?? defaultClasses,
                             inputSize: inputSize ?? defaultInputSize, depth: depth, width: width ?? 32, ops: ops, kernels: ks)
        try a.validate()
        return a
    }

    private func ir(defaultInChannels: Int, defaultInputSize: Int, defaultDropout: Float) throws -> Architecture {
        if classes != nil { throw ValidationError("--classes does not apply to --space ir (the network outputs an embedding; see --embedding-size)") }
        let split: [Int]
        if let stages {
            split = try Self.numbers(stages, flag: "--stages")
            guard split.count == 4 else { throw ValidationError("--stages \(stages): expected 4 block counts a,b,c,d") }
            if let depth, depth != split.reduce(0, +) {
                throw ValidationError("--stages \(stages) sums to \(split.reduce(0, +)) but --depth is \(depth)")
            }
        } else if let depth {
            do { split = try stageRule.stages(depth: depth) } catch { throw ValidationError("--depth \(depth): \(error)") }
        } else {
            split = [2, 2, 2, 2]
        }
        let (ops, ks) = try searchable(count: 2 * split.reduce(0, +), defaultOp: .standard)
        let a = Architecture(irStages: split, width: width ?? 64, inChannels: inChannels ?? defaultInChannels,
                             inputSize: inputSize ?? defaultInputSize, embeddingSize: embeddingSize ?? 512,
                             dropout: dropout ?? defaultDropout, ops: ops, kernels: ks)
        try a.validate()
        return a
    }

    /// Ops and kernels of `count` searchable convs from --std-layers (absent: `defaultOp` for all) and --k5-layers.
    private func searchable(count: Int, defaultOp: ConvOp) throws -> ([ConvOp], [Int]) {
        var ops = Array(repeating: defaultOp, count: count), ks = Array(repeating: 3, count: count)
        if let stdLayers {
            ops = Array(repeating: .separable, count: count)
            for i in try Self.indices(stdLayers, flag: "--std-layers", depth: count) { ops[i] = .standard }
        }
        for i in try Self.indices(k5Layers, flag: "--k5-layers", depth: count) { ks[i] = 5 }
        return (ops, ks)
    }

    static func indices(_ s: String, flag: String, depth: Int) throws -> [Int] {
        if s.isEmpty || s == "-" { return [] }
        return try s.split(separator: ",").map {
            guard let i = Int($0.trimmingCharacters(in: .whitespaces)), i >= 0, i < depth else {
                throw ValidationError("\(flag): \"\($0)\" is not a layer index in 0..<\(depth)")
            }
            return i
        }
    }

    static func numbers(_ s: String, flag: String) throws -> [Int] {
        try s.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(flag): \"\($0)\" is not a whole number")
            }
            return n
        }
    }
}
