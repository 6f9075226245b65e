import ArgumentParser
import Search

/// Architecture flags shared by `inspect` and `train` (or `--arch FILE`).
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Search space: plain (classification template).")
    var space: String = "plain"
    @Option(name: .customLong("in-channels"), help: "Input channels (default: from the data, else 3).")
    var inChannels: Int?
    @Option(help: "Number of classes (default: from the data, else 10).")
    var classes: Int?
    @Option(help: "Number of searchable layers D.")
    var depth: Int = 12
    @Option(help: "Stage-1 width C (the stem has 2C, the last stage 4C).")
    var width: Int = 32
    @Option(name: .customLong("std-layers"), help: "Comma-separated 0-based layers that use a standard conv (others separable).")
    var stdLayers: String = ""
    @Option(name: .customLong("k5-layers"), help: "Comma-separated 0-based layers that use a 5x5 kernel (others 3x3).")
    var k5Layers: String = ""
    @Option(name: .customLong("input-size"), help: "Square input side for sizes and MACs (default: from the data, else 32).")
    var inputSize: Int?
    @Option(help: "Read the architecture from this JSON file instead of the flags.")
    var arch: String?

    func architecture(defaultInChannels: Int = 3, defaultClasses: Int = 10, defaultInputSize: Int = 32) throws -> Architecture {
        if let arch {
            var a = try Architecture.load(arch)
            if let s = inputSize { a.inputSize = s }
            return a
        }
        let std = try Self.indices(stdLayers, flag: "--std-layers", depth: depth)
        let k5 = try Self.indices(k5Layers, flag: "--k5-layers", depth: depth)
        var ops = Array(repeating: ConvOp.separable, count: depth), ks = Array(repeating: 3, count: depth)
        for i in std { ops[i] = .standard }
        for i in k5 { ks[i] = 5 }
        let a = Architecture(space: space, inChannels: inChannels ?? defaultInChannels, classes: classes ?? defaultClasses,
                             inputSize: inputSize ?? defaultInputSize, depth: depth, width: width, ops: ops, kernels: ks)
        try a.validate()
        return a
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
}
