import Foundation
import Testing
import Tensor
@testable import Detection

/// Acceptance 2: each network's outputs on one fixed input equal facenet-pytorch's (PyTorch 1.13)
/// to 1e-4. The input is sin(0.37·i) in float32, as the reference script builds it.
@Suite struct NetworkParityTests {
    func fixedInput(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<n).map { Float(sin(0.37 * Double($0))) })
    }

    func expected(_ net: String, _ key: String) -> [Float] {
        let nets = DetectionAssets.reference["networks"] as? [String: Any]
        let entry = nets?[net] as? [String: Any]
        return (entry?[key] as? [Double] ?? []).map(Float.init)
    }

    func expectClose(_ t: Tensor, _ reference: [Float], _ what: String) {
        #expect(t.count == reference.count, "\(what): \(t.count) values, reference \(reference.count)")
        let worst = zip(t.array, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "\(what): largest difference \(worst)")
    }

    func networks() throws -> MTCNNNetworks? {
        guard DetectionAssets.available(for: "MTCNN network parity"), let w = DetectionAssets.weights else { return nil }
        return try MTCNNNetworks(w, source: DetectionAssets.weightsFolder)
    }

    @Test func pnetMatchesPyTorch() throws {
        guard let nets = try networks() else { return }
        let (p, r) = nets.pnet.forward(fixedInput([1, 3, 31, 37]))
        #expect(p.shape == [1, 2, 11, 14])
        expectClose(p, expected("pnet", "probability"), "P-Net probability")
        expectClose(r, expected("pnet", "regression"), "P-Net regression")
    }

    @Test func rnetMatchesPyTorch() throws {
        guard let nets = try networks() else { return }
        let (p, r) = nets.rnet.forward(fixedInput([2, 3, 24, 24]))
        expectClose(p, expected("rnet", "probability"), "R-Net probability")
        expectClose(r, expected("rnet", "regression"), "R-Net regression")
    }

    @Test func onetMatchesPyTorch() throws {
        guard let nets = try networks() else { return }
        let (p, r, l) = nets.onet.forward(fixedInput([2, 3, 48, 48]))
        expectClose(p, expected("onet", "probability"), "O-Net probability")
        expectClose(r, expected("onet", "regression"), "O-Net regression")
        expectClose(l, expected("onet", "landmarks"), "O-Net landmarks")
    }
}
