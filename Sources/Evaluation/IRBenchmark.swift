import NN
import Search
import Tensor

/// The IR-18 cases of shared/bench/torch_reference.py: insightface IR-18 (stages 2,2,2,2, width
/// 64, 3×112×112, E = 512). Training adds a Linear 512→1000 and softmax cross-entropy, SGD lr
/// 0.01, momentum 0.9, weight decay 5e-4, batch 32; embedding is inference at batch 64. Like
/// the reference, these cases time half the requested iterations (at least 2) after 2 warm-ups.
enum IRBenchmark {
    static let ir18 = Architecture(irStages: [2, 2, 2, 2], width: 64)

    static func timedIterations(_ requested: Int) -> Int { max(2, requested / 2) }

    static func input(batch: Int, rng: inout RNG) -> Tensor {
        let x = Tensor(zeros: [batch, 3, ir18.inputSize, ir18.inputSize])
        for i in 0..<x.count { x[i] = rng.normal() }
        return x
    }

    static func train(iterations requested: Int, warmup: Int, profile: Bool) -> Benchmark.Result {
        var rng = RNG(seed: 0)
        let backbone = IRTemplate.build(ir18, rng: &rng)
        let fc = Linear(ir18.embeddingSize ?? 512, 1000)
        fc.initialize(.pytorchDefault, rng: &rng)
        let net = Sequential([backbone, fc], names: ["backbone", "classifier"])
        let batch = 32, iterations = timedIterations(requested)
        let x = input(batch: batch, rng: &rng)
        let labels = (0..<batch).map { _ in Int32(rng.int(1000)) }
        let config = TrainingConfig(epochs: 1, batchSize: batch, schedule: .init(kind: .constant, baseLR: 0.01),
                                    momentum: 0.9, weightDecay: 5e-4, clipNorm: nil)
        let trainer = ClassifierTrainer(network: net, config: config, dataParallel: DataParallel.forWorld(syncBatchNorm: false))
        let (xs, ys) = Benchmark.shard(x, labels, trainer.dataParallel)
        let times = Benchmark.time(iterations: iterations, warmup: warmup) { _ = trainer.step(xs, labels: ys, lr: 0.01) }
        let med = Benchmark.median(times)
        let flops = 6.0 * Double(IRTemplate.macs(ir18) + 512 * 1000)   // forward 2·MACs, backward ≈ 2× forward
        return Benchmark.Result(case: "ir18-train", imagesPerSecond: Double(batch) / med, gflops: flops * Double(batch) / med / 1e9,
                                batch: batch, iterations: iterations, params: backbone.parameterCount, core: BLAS.coreName,
                                secondsPerIteration: times,
                                layers: profile ? LayerProfile.run(net, input: x, labels: labels, iterations: iterations) : nil,
                                extra: Benchmark.dataParallelFigures(trainer.dataParallel))
    }

    static func embed(iterations requested: Int, warmup: Int) -> Benchmark.Result {
        var rng = RNG(seed: 0)
        let net = IRTemplate.build(ir18, rng: &rng)
        let batch = 64, iterations = timedIterations(requested)
        let x = input(batch: batch, rng: &rng)
        let times = Benchmark.time(iterations: iterations, warmup: warmup) { _ = net.forward(x, training: false) }
        let med = Benchmark.median(times)
        let flops = 2.0 * Double(IRTemplate.macs(ir18))
        return Benchmark.Result(case: "ir18-embed", imagesPerSecond: Double(batch) / med, gflops: flops * Double(batch) / med / 1e9,
                                batch: batch, iterations: iterations, params: net.parameterCount, core: BLAS.coreName,
                                secondsPerIteration: times)
    }
}
