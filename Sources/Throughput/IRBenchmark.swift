import NN
import Search
import Tensor
import Training

/// The IR-18 cases of shared/bench/torch_reference.py: insightface IR-18 (stages 2,2,2,2, width
/// 64, 3×112×112, E = 512). Training (batch 32, SGD lr 0.01, momentum 0.9, weight decay 5e-4)
/// puts either the reference's Linear 512→1000 with softmax cross-entropy or face training's
/// AdaFace margin head on the embedding; embedding is inference at batch 64. Like
/// the reference, these cases time half the requested iterations (at least 2) after 2 warm-ups.
enum IRBenchmark {
    static let ir18 = Architecture(irStages: [2, 2, 2, 2], width: 64)

    static func timedIterations(_ requested: Int) -> Int { max(2, requested / 2) }

    static func input(batch: Int, rng: inout RNG) -> Tensor {
        let x = Tensor(zeros: [batch, 3, ir18.inputSize, ir18.inputSize])
        for i in 0..<x.count { x[i] = rng.normal() }
        return x
    }

    /// What sits on the embedding in a training case.
    enum Head {
        /// AdaFace (m 0.4, h 0.333, s 64) over CASIA-WebFace's 10,572 identities: face training's step.
        case adaFace
        /// Linear 512→1000 + softmax cross-entropy: torch_reference.py's case.
        case softmax1000
    }

    static let casiaIdentities = 10_572

    static func train(iterations requested: Int, warmup: Int, profile: Bool, head kind: Head, dataParallel dp: DataParallel?) throws -> Throughput.Result {
        var rng = RNG(seed: 0)
        let backbone = IRTemplate.build(ir18, rng: &rng)
        let embedding = ir18.embeddingSize ?? 512
        let batch = 32, iterations = timedIterations(requested)
        let net: Sequential, head: LossHead, classes: Int, name: String
        switch kind {
        case .softmax1000:
            let fc = Linear(embedding, 1000)
            fc.initialize(.pytorchDefault, rng: &rng)
            net = Sequential([backbone, fc], names: ["backbone", "classifier"])
            head = SoftmaxCrossEntropy(); classes = 1000; name = "ir18-train-softmax"
        case .adaFace:
            net = backbone
            let margin = MarginKind.adaFace(margin: 0.4, h: 0.333, tAlpha: 0.01)
            head = MarginHead(embeddingSize: embedding, classes: casiaIdentities, kind: margin, scale: 64,
                              centreInit: FaceTrainingTask.centreInit(for: margin), rng: &rng)
            classes = casiaIdentities; name = "ir18-train"
        }
        let x = input(batch: batch, rng: &rng)
        let labels = (0..<batch).map { _ in Int32(rng.int(classes)) }
        let trainer = TrainingStep(network: net, head: head, config: .benchmark(batchSize: batch), dataParallel: dp)
        let (xs, ys) = Throughput.shard(x, labels, dp)
        let times = try Throughput.time(iterations: iterations, warmup: warmup) { try trainer.step(xs, labels: ys, lr: 0.01) }
        let med = Throughput.median(times)
        // forward 2·MACs, backward ≈ 2× forward; the margin head is one GEMM forward and two backward.
        let flops = 6.0 * Double(IRTemplate.macs(ir18) + embedding * classes)
        return Throughput.Result(case: name, imagesPerSecond: Double(batch) / med, gflops: flops * Double(batch) / med / 1e9,
                                 batch: batch, iterations: iterations, params: backbone.parameterCount, core: BLAS.coreName,
                                 secondsPerIteration: times,
                                 layers: profile ? LayerProfile.run(net, input: x, labels: labels, head: head, iterations: iterations) : nil,
                                 extra: Throughput.dataParallelFigures(dp))
    }

    static func embed(iterations requested: Int, warmup: Int) -> Throughput.Result {
        var rng = RNG(seed: 0)
        let net = IRTemplate.build(ir18, rng: &rng)
        let batch = 64, iterations = timedIterations(requested)
        let x = input(batch: batch, rng: &rng)
        let times = Throughput.time(iterations: iterations, warmup: warmup) { _ = net.forward(x, training: false) }
        let med = Throughput.median(times)
        let flops = 2.0 * Double(IRTemplate.macs(ir18))
        return Throughput.Result(case: "ir18-embed", imagesPerSecond: Double(batch) / med, gflops: flops * Double(batch) / med / 1e9,
                                batch: batch, iterations: iterations, params: net.parameterCount, core: BLAS.coreName,
                                secondsPerIteration: times)
    }
}
