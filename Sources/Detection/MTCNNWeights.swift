import Foundation
import ModelFormats
import NN
import Tensor

/// The parameter tensors of MTCNN's three networks, by the names facenet-pytorch gives them
/// ("conv1.weight", "prelu1.weight", "dense4.bias", …), as FaceNAS safetensors files
/// `pnet.safetensors`, `rnet.safetensors`, `onet.safetensors` in one folder.
///
/// FaceNAS never downloads them: `convert(from:to:)` turns facenet-pytorch's own `pnet.pt`,
/// `rnet.pt`, `onet.pt` (MIT licence; in its PyPI wheel under `facenet_pytorch/data/`) into that
/// folder with FaceNAS's `torch.save` reader, and `load(from:)` reads the folder back.
public struct MTCNNWeights: Sendable {
    public static let networks = ["pnet", "rnet", "onet"]

    /// The line a user without the weights is shown.
    public static let howToGet = "get them once with `make mtcnn-weights` (pip download --no-deps facenet-pytorch==2.6.0, "
        + "unzip facenet_pytorch/data/*.pt, facenas detect --convert-weights DIR --out models/mtcnn)"

    /// Network name → parameter name → tensor, shaped as in PyTorch.
    public let tensors: [String: [String: Tensor]]

    public init(tensors: [String: [String: Tensor]]) { self.tensors = tensors }

    /// Reads `pnet/rnet/onet.safetensors` from `folder`; a missing file says how to get it.
    public static func load(from folder: String) throws -> MTCNNWeights {
        var all: [String: [String: Tensor]] = [:]
        for net in networks {
            let path = (folder as NSString).appendingPathComponent("\(net).safetensors")
            guard FileManager.default.fileExists(atPath: path) else {
                throw DetectionError("\(path): MTCNN weights not found; \(howToGet)")
            }
            all[net] = try Safetensors.read(path).tensors
        }
        return MTCNNWeights(tensors: all)
    }

    /// Reads `pnet.pt`, `rnet.pt`, `onet.pt` from `source` (a folder holding them) and writes the
    /// three safetensors files into `destination`, checking every expected tensor and its shape.
    /// Returns the paths written.
    @discardableResult
    public static func convert(from source: String, to destination: String) throws -> [String] {
        var written: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw DetectionError("\(destination): cannot create the folder (\(error.localizedDescription))")
        }
        for net in networks {
            let path = (source as NSString).appendingPathComponent("\(net).pt")
            guard FileManager.default.fileExists(atPath: path) else {
                throw DetectionError("\(path): not found (expected facenet-pytorch's \(net).pt in \(source))")
            }
            let file = try TorchFile.read(path)
            var list: [(name: String, tensor: Tensor)] = []
            for (key, value) in try file.stateDict() {
                list.append((key, Tensor(shape: value.shape, values: try value.floats())))
            }
            let weights = Dictionary(list.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            try MTCNNLayout.check(weights, network: net, file: path)
            let out = (destination as NSString).appendingPathComponent("\(net).safetensors")
            let metadata = ["source": "facenet-pytorch 2.6.0 facenet_pytorch/data/\(net).pt (MIT licence, Copyright (c) 2019 Timothy Esler)",
                            "format": "facenas-mtcnn-1"]
            try Safetensors.write(list, metadata: metadata, to: out)
            written.append(out)
        }
        return written
    }
}
