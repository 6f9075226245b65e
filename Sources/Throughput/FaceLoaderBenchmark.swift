import Datasets
import Foundation
import ImageIO
import NN
import Search
import Tensor
import Training

/// Does the face loader keep up with training? Trains a small plain network on 112×112 JPEGs
/// through the loader (decode, AdaFace augmentation, normalisation on its background thread) and
/// compares with the same training on one fixed, already-decoded batch; also reports the loader's
/// own rate with an idle consumer and the resident memory after every epoch.
enum FaceLoaderBenchmark {
    static let imageCount = 512, identities = 64, batch = 64, side = 112

    static func run(epochs: Int) throws -> Throughput.Result {
        let source = try images()
        var rng = RNG(seed: 0)
        let arch = Architecture(inChannels: 3, classes: identities, inputSize: side, depth: 8, width: 16)
        let net = PlainTemplate.build(arch, rng: &rng)
        let config = TrainingConfig(epochs: 1, batchSize: batch, schedule: .init(kind: .constant, baseLR: 0.01), clipNorm: nil)
        let trainer = TrainingStep(network: net, head: SoftmaxCrossEntropy(), config: config)
        var options = FaceBatchLoader.Options(batchSize: batch, imageSize: side)
        options.augmenter = FaceAugmenter(config: .adaFace)

        // The loader alone, nobody training.
        let t = Date()
        var n = 0
        for b in FaceBatchLoader(source: source, options: options) { n += b.count }
        let loaderOnly = Double(n) / Date().timeIntervalSince(t)

        // Training on a fixed batch: the rate the loader has to sustain.
        let fixed = Array(FaceBatchLoader(source: source, options: options).prefix(1))[0]
        try trainer.step(fixed.x, labels: fixed.labels, lr: 0.01)
        let times = try Throughput.time(iterations: 4, warmup: 0) { try trainer.step(fixed.x, labels: fixed.labels, lr: 0.01) }
        let fixedRate = Double(batch) / Throughput.median(times)

        // Training through the loader, epoch after epoch.
        var extra: [String: Double] = ["loader_only_images_per_s": loaderOnly, "train_fixed_batch_images_per_s": fixedRate]
        var rates: [Double] = []
        for e in 0..<epochs {
            options.epoch = e
            var batches = FaceBatches(FaceBatchLoader(source: source, options: options), epoch: e, dataParallel: nil)
            let r = try trainer.trainEpoch(e, batches: &batches, steps: (imageCount + batch - 1) / batch, schedule: config.schedule)
            rates.append(Double(r.images) / r.seconds)
            extra["resident_mb_after_epoch_\(e + 1)"] = Double(residentBytes()) / 1_048_576
        }
        let rate = Throughput.median(rates)
        extra["train_with_loader_over_fixed"] = rate / fixedRate
        let flops = 6.0 * Double(ArchitectureSummary.macs(arch))
        return Throughput.Result(case: "face-loader", imagesPerSecond: rate, gflops: flops * rate / 1e9, batch: batch,
                                iterations: epochs, params: net.parameterCount, core: BLAS.coreName,
                                secondsPerIteration: rates.map { Double(imageCount) / $0 }, layers: nil, extra: extra)
    }

    /// Face-sized JPEGs with some structure (gradients, an ellipse, noise) so decoding costs what
    /// real photographs cost.
    static func images() throws -> InMemoryFaceImages {
        var rng = RNG(seed: 1)
        var data: [Data] = [], labels: [Int] = []
        for i in 0..<imageCount {
            var img = RGBImage(width: side, height: side)
            let (a, b, c) = (rng.uniform(40, 220), rng.uniform(40, 220), rng.uniform(40, 220))
            let (cx, cy, r) = (rng.uniform(40, 72), rng.uniform(40, 72), rng.uniform(25, 45))
            for y in 0..<side {
                for x in 0..<side {
                    let inside = (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy) * 0.6 < r * r
                    let noise = rng.uniform(-12, 12)
                    let o = (y * side + x) * 3
                    img.pixels[o] = UInt8(max(0, min(255, (inside ? a : a * 0.4) + noise)))
                    img.pixels[o + 1] = UInt8(max(0, min(255, (inside ? b : Float(y)) + noise)))
                    img.pixels[o + 2] = UInt8(max(0, min(255, (inside ? c : Float(x)) + noise)))
                }
            }
            data.append(Data(try encodeJPEG(img, quality: 90)))
            labels.append(i % identities)
        }
        return InMemoryFaceImages(name: "bench", images: data, labels: labels, classes: identities)
    }

    static func residentBytes() -> Int {
        let s = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (Int(s.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 4096
    }
}
