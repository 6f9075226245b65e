import Foundation
import NN
import Search
import Tensor
import Training

/// Throughput of the reference cases of shared/bench (same networks, shapes and optimiser as
/// torch_reference.py, so the two are compared as a ratio on one machine).
public enum Throughput {
    public struct Result: Codable, Sendable {
        public var `case`: String
        public var imagesPerSecond: Double
        public var gflops: Double
        public var batch: Int
        public var iterations: Int
        public var params: Int
        public var core: String
        /// The kernel path in use (`avx2`, `avx512`; KernelDispatch), beside the OpenBLAS core.
        public var kernels: String? = KernelDispatch.path.rawValue
        public var secondsPerIteration: [Double]
        public var layers: [LayerProfile.Row]?
        /// Case-specific figures (e.g. the face loader's own throughput and resident memory).
        public var extra: [String: Double]?
        enum CodingKeys: String, CodingKey {
            case `case`, gflops, batch, iterations, params, core, kernels, layers, extra
            case imagesPerSecond = "images_per_s", secondsPerIteration = "seconds_per_iteration"
        }
    }

    /// `ir18-train` is the step face training really runs (IR-18, AdaFace margin head over
    /// CASIA-WebFace's 10,572 identities); `ir18-train-softmax` is the case of the PyTorch
    /// reference (a Linear 512→1000 and softmax cross-entropy), which `ir18-train` named before.
    public static let cases = ["tiny-sep12-w64", "ir18-train", "ir18-train-softmax", "ir18-embed", "face-loader"]

    /// Runs one case: `warmup` untimed iterations, then `iterations` timed ones; reports the median.
    /// Training cases are data-parallel over `communicator` when it has several ranks.
    public static func run(_ name: String, iterations: Int = 10, warmup: Int = 2, profile: Bool = false,
                           communicator: Communicator = .single) throws -> Result {
        let dp = DataParallel.make(communicator: communicator, syncBatchNorm: false)
        switch name {
        case "tiny-sep12-w64":
            let a = Architecture(inChannels: 1, classes: 10, inputSize: 28, depth: 12, width: 64)
            var rng = RNG(seed: 0)
            let net = PlainTemplate.build(a, rng: &rng)
            let batch = 128
            let x = Tensor(zeros: [batch, 1, 28, 28])
            for i in 0..<x.count { x[i] = rng.normal() }
            let labels = (0..<batch).map { _ in Int32(rng.int(10)) }
            let trainer = TrainingStep(network: net, head: SoftmaxCrossEntropy(), config: .benchmark(batchSize: batch), dataParallel: dp)
            let (xs, ys) = shard(x, labels, dp)
            let times = try time(iterations: iterations, warmup: warmup) { try trainer.step(xs, labels: ys, lr: 0.01) }
            let med = median(times)
            let flops = 6.0 * Double(ArchitectureSummary.macs(a))   // forward 2·MACs, backward ≈ 2× forward
            return Result(case: name, imagesPerSecond: Double(batch) / med, gflops: flops * Double(batch) / med / 1e9,
                          batch: batch, iterations: iterations, params: net.parameterCount,
                          core: BLAS.coreName, secondsPerIteration: times,
                          layers: profile ? LayerProfile.run(net, input: x, labels: labels, iterations: iterations) : nil,
                          extra: dataParallelFigures(dp))
        case "ir18-train":
            return try IRBenchmark.train(iterations: iterations, warmup: warmup, profile: profile, head: .adaFace, dataParallel: dp)
        case "ir18-train-softmax":
            return try IRBenchmark.train(iterations: iterations, warmup: warmup, profile: profile, head: .softmax1000, dataParallel: dp)
        case "ir18-embed":
            return IRBenchmark.embed(iterations: iterations, warmup: warmup)
        case "face-loader":
            return try FaceLoaderBenchmark.run(epochs: max(2, min(iterations, 4)))
        default:
            throw ArchitectureError(message: "unknown bench case \"\(name)\" (known: \(cases.joined(separator: ", ")))")
        }
    }

    /// Under mpirun/srun a training case is data-parallel: each rank steps on its rows of the
    /// batch (and the ranks sum gradients), so images/s is the whole job's.
    static func shard(_ x: Tensor, _ labels: [Int32], _ dp: DataParallel?) -> (Tensor, [Int32]) {
        guard let dp else { return (x, labels) }
        let rows = dp.shard(of: labels.count), per = x.count / labels.count
        let part = Tensor(zeros: [rows.count] + x.shape.dropFirst())
        part.data.update(from: x.data + rows.lowerBound * per, count: rows.count * per)
        return (part, Array(labels[rows]))
    }

    /// Ranks and the mean time per step spent summing gradients (waits for the slowest rank included).
    static func dataParallelFigures(_ dp: DataParallel?) -> [String: Double]? {
        guard let dp, dp.gradientSums > 0 else { return nil }
        return ["ranks": Double(dp.size), "gradient_sum_s_per_step": dp.gradientSumSeconds / Double(dp.gradientSums)]
    }

    static func time(iterations: Int, warmup: Int, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        return try (0..<iterations).map { _ in
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        }
    }

    public static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
