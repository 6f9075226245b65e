import Foundation
import ModelFormats
import Testing
import TestSupport

/// facenet-pytorch's MTCNN weights (`facenet_pytorch/data/{pnet,rnet,onet}.pt`, legacy-format
/// state dicts from 2019) against `torch.load`. Opt-in, since the files come from PyPI: set
/// FACENAS_MTCNN_DIR to the folder holding them (`pip download --no-deps facenet-pytorch==2.6.0`,
/// then unzip `facenet_pytorch/data/*.pt`).
@Suite struct MTCNNWeightsTests {
    static let folder = ProcessInfo.processInfo.environment["FACENAS_MTCNN_DIR"] ?? ""

    static let dump = """
        import json, sys, torch
        sd = torch.load(sys.argv[1], map_location="cpu")
        print(json.dumps({"keys": list(sd.keys()), "tensors": {k: {"dtype": str(v.dtype)[6:], "shape": list(v.shape),
            "stride": list(v.stride()), "offset": v.storage_offset(),
            "bits": v.float().contiguous().view(torch.int32).flatten().tolist()} for k, v in sd.items()}}))
        """

    @Test(arguments: ["pnet.pt", "rnet.pt", "onet.pt"])
    func matchesTorchLoad(_ name: String) throws {
        guard !Self.folder.isEmpty else { print("note: skipping MTCNN weights: set FACENAS_MTCNN_DIR"); return }
        guard TorchPython.available(for: "MTCNN weights") else { return }
        let path = Self.folder + "/" + name
        let file = try TorchFile.read(path)
        #expect(file.format == .legacy)
        let json = try TorchPython.run(Self.dump, [path])
        let e = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let sd = try file.stateDict()
        #expect(sd.map(\.key) == e["keys"] as? [String])
        let tensors = try #require(e["tensors"] as? [String: [String: Any]])
        for (key, t) in sd { try expectTensor(t, equals: try #require(tensors[key]), key) }
        print("\(name): \(sd.count) tensors, \(sd.reduce(0) { $0 + $1.tensor.count }) values equal torch.load's")
    }
}
