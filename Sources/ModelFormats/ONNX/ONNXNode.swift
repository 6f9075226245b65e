/// One operator of the graph (`NodeProto`). Inputs and outputs are value names; an empty input
/// name stands for an optional input that was left out.
public struct ONNXNode: Sendable {
    /// Position in the graph's node list, which ONNX requires to be topologically sorted.
    public let index: Int
    public let name: String
    public let opType: String
    /// "" for the default `ai.onnx` domain.
    public let domain: String
    public let inputs: [String]
    public let outputs: [String]
    public let attributes: [String: ONNXAttribute]

    public func int(_ name: String) -> Int? {
        if case .int(let v) = attributes[name] { return v }
        return nil
    }

    public func ints(_ name: String) -> [Int]? {
        if case .ints(let v) = attributes[name] { return v }
        return nil
    }

    public func float(_ name: String) -> Float? {
        if case .float(let v) = attributes[name] { return v }
        return nil
    }

    public func floats(_ name: String) -> [Float]? {
        if case .floats(let v) = attributes[name] { return v }
        return nil
    }

    /// A STRING attribute decoded as UTF-8 (ONNX's string attributes, like `auto_pad`, are text).
    public func string(_ name: String) -> String? {
        if case .string(let v) = attributes[name] { return String(decoding: v, as: UTF8.self) }
        return nil
    }

    public func tensor(_ name: String) -> ONNXTensor? {
        if case .tensor(let v) = attributes[name] { return v }
        return nil
    }
}

/// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
extension ONNXNode {
    init(index: Int, reading r: inout ProtobufReader) throws {
        var inputs: [String] = [], outputs: [String] = []
        var name = "", opType = "", domain = ""
        var attributes: [String: ONNXAttribute] = [:]
        var attributeCount = 0
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited, for: "input"); inputs.append(try r.string())
            case 2: try r.expect(type, .lengthDelimited, for: "output"); outputs.append(try r.string())
            case 3: try r.expect(type, .lengthDelimited, for: "name"); name = try r.string()
            case 4: try r.expect(type, .lengthDelimited, for: "op_type"); opType = try r.string()
            case 5:
                try r.expect(type, .lengthDelimited, for: "attribute")
                var m = try r.message("attribute[\(attributeCount)]")
                let (key, value) = try ONNXAttribute.read(&m)
                guard attributes.updateValue(value, forKey: key) == nil else {
                    throw m.invalid("attribute '\(key)' appears twice in the node")
                }
                attributeCount += 1
            case 7: try r.expect(type, .lengthDelimited, for: "domain"); domain = try r.string()
            default: try r.skip(type)
            }
        }
        guard !opType.isEmpty else { throw r.invalid("node '\(name)' has no op_type") }
        // "ai.onnx" is the default domain's explicit spelling; one spelling keeps lookups simple.
        if domain == "ai.onnx" { domain = "" }
        self.init(index: index, name: name, opType: opType, domain: domain, inputs: inputs, outputs: outputs,
                  attributes: attributes)
    }
}
