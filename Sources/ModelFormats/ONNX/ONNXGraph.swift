/// The model's main graph (`GraphProto`), with lookups by value name built once on reading.
public struct ONNXGraph: Sendable {
    public let name: String
    /// In file order, which ONNX requires to be topological.
    public let nodes: [ONNXNode]
    /// In file order.
    public let initializers: [ONNXTensor]
    /// Graph inputs; exporters from IR version 3 on list the real inputs only, older ones the
    /// initializers too.
    public let inputs: [ONNXValueInfo]
    public let outputs: [ONNXValueInfo]
    /// Shapes of intermediate values, when the exporter recorded them.
    public let valueInfo: [ONNXValueInfo]

    let file: String
    private let initializerIndex: [String: Int]
    private let producerIndex: [String: Int]
    private let consumerIndex: [String: [Int]]

    init(name: String, nodes: [ONNXNode], initializers: [ONNXTensor], inputs: [ONNXValueInfo], outputs: [ONNXValueInfo],
         valueInfo: [ONNXValueInfo], file: String) throws {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.file = file
        var initializerIndex: [String: Int] = [:]
        for (i, t) in initializers.enumerated() where initializerIndex.updateValue(i, forKey: t.name) != nil {
            throw ModelFormatError(file: file, "ModelProto.graph: two initializers are named '\(t.name)'")
        }
        var producerIndex: [String: Int] = [:]
        var consumerIndex: [String: [Int]] = [:]
        for node in nodes {
            // An empty name is an optional output left out, which many nodes share.
            for output in node.outputs where !output.isEmpty {
                if let first = producerIndex.updateValue(node.index, forKey: output) {
                    throw ModelFormatError(file: file, "ModelProto.graph: value '\(output)' is produced by both node[\(first)] "
                        + "and node[\(node.index)]")
                }
            }
            for input in Set(node.inputs) where !input.isEmpty { consumerIndex[input, default: []].append(node.index) }
        }
        self.initializerIndex = initializerIndex
        self.producerIndex = producerIndex
        self.consumerIndex = consumerIndex
    }

    public func initializer(named name: String) -> ONNXTensor? {
        initializerIndex[name].map { initializers[$0] }
    }

    /// A constant tensor by value name: an initializer, or the output of a `Constant` node
    /// (attribute `value`, or value_float(s)/value_int(s)).
    public func constant(named name: String) -> ONNXTensor? {
        if let t = initializer(named: name) { return t }
        guard let node = producer(of: name), node.opType == "Constant", node.domain.isEmpty else { return nil }
        let location = "ModelProto.graph.node[\(node.index)]"
        if let t = node.tensor("value") { return t.renamed(name) }
        if let v = node.float("value_float") {
            return ONNXTensor(name: name, dataType: .float, dims: [], count: 1, payload: .floats([v]), file: file, location: location)
        }
        if let v = node.floats("value_floats") {
            return ONNXTensor(name: name, dataType: .float, dims: [v.count], count: v.count, payload: .floats(v), file: file,
                              location: location)
        }
        if let v = node.int("value_int") {
            return ONNXTensor(name: name, dataType: .int64, dims: [], count: 1, payload: .int64s([Int64(v)]), file: file,
                              location: location)
        }
        if let v = node.ints("value_ints") {
            return ONNXTensor(name: name, dataType: .int64, dims: [v.count], count: v.count, payload: .int64s(v.map { Int64($0) }),
                              file: file, location: location)
        }
        return nil
    }

    /// The node that outputs `value`; nil for graph inputs, initializers and unknown names.
    public func producer(of value: String) -> ONNXNode? {
        producerIndex[value].map { nodes[$0] }
    }

    /// The nodes that take `value` as an input, in graph order, each once.
    public func consumers(of value: String) -> [ONNXNode] {
        (consumerIndex[value] ?? []).map { nodes[$0] }
    }
}

/// GraphProto: node 1, name 2, initializer 5, input 11, output 12, value_info 13.
extension ONNXGraph {
    init(reading r: inout ProtobufReader) throws {
        var name = ""
        var nodes: [ONNXNode] = [], initializers: [ONNXTensor] = []
        var inputs: [ONNXValueInfo] = [], outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = []
        while let (field, type) = try r.nextField() {
            switch field {
            case 1:
                try r.expect(type, .lengthDelimited, for: "node")
                var m = try r.message("node[\(nodes.count)]")
                nodes.append(try ONNXNode(index: nodes.count, reading: &m))
            case 2: try r.expect(type, .lengthDelimited, for: "name"); name = try r.string()
            case 5:
                try r.expect(type, .lengthDelimited, for: "initializer")
                var m = try r.message("initializer[\(initializers.count)]")
                initializers.append(try ONNXTensor(reading: &m))
            case 11:
                try r.expect(type, .lengthDelimited, for: "input")
                var m = try r.message("input[\(inputs.count)]")
                inputs.append(try ONNXValueInfo(reading: &m))
            case 12:
                try r.expect(type, .lengthDelimited, for: "output")
                var m = try r.message("output[\(outputs.count)]")
                outputs.append(try ONNXValueInfo(reading: &m))
            case 13:
                try r.expect(type, .lengthDelimited, for: "value_info")
                var m = try r.message("value_info[\(valueInfo.count)]")
                valueInfo.append(try ONNXValueInfo(reading: &m))
            default: try r.skip(type)
            }
        }
        try self.init(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs,
                      valueInfo: valueInfo, file: r.file)
    }
}
