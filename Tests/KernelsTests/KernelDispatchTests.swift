import Foundation
import Testing
import Tensor
import Kernels

// Run-time kernel dispatch: which path a CPU gets, and whether the AVX-512 build of the kernels
// agrees with the AVX2 build. The per-kernel checks against naive loops run on every path this CPU
// can run (see `KernelDispatch.runnablePaths` in ActivationTests, BatchNormTests, DepthwiseTests).

private let avx512Flags: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]

@Suite struct KernelPathSelectionTests {
    @Test func avx512ChosenWithAllFourExtensions() throws {
        #expect(try KernelPath.select(features: CPUFeatures(flags: avx512Flags), forced: nil) == .avx512)
        #expect(try KernelPath.select(features: CPUFeatures(flags: avx512Flags), forced: "") == .avx512)
    }

    /// Missing any one of F, BW, VL, DQ (as on an AVX2-only EPYC, or a Xeon Phi without BW/VL)
    /// must keep the AVX2 path.
    @Test(arguments: ["avx512f", "avx512bw", "avx512vl", "avx512dq"])
    func avx2ChosenWhenAnAVX512ExtensionIsMissing(_ missing: String) throws {
        let features = CPUFeatures(flags: avx512Flags.subtracting([missing]))
        #expect(!features.hasAVX512)
        #expect(features.missingForAVX512 == [missing])
        #expect(try KernelPath.select(features: features, forced: nil) == .avx2)
    }

    @Test func avx2OnlyCPUGetsAVX2() throws {
        let features = CPUFeatures(flags: ["avx", "avx2", "fma", "bmi2"])
        #expect(features.hasAVX2 && !features.hasAVX512)
        #expect(try KernelPath.select(features: features, forced: nil) == .avx2)
    }

    @Test func forcedValuesAreHonoured() throws {
        let full = CPUFeatures(flags: avx512Flags)
        #expect(try KernelPath.select(features: full, forced: "avx2") == .avx2)
        #expect(try KernelPath.select(features: full, forced: "AVX512") == .avx512)
        #expect(try KernelPath.select(features: CPUFeatures(flags: ["avx2", "fma"]), forced: "avx2") == .avx2)
    }

    @Test func forcedAVX512WithoutSupportIsRefused() {
        let features = CPUFeatures(flags: ["avx2", "fma", "avx512f"])
        #expect(throws: KernelPath.SelectionError.unsupported(.avx512, missing: ["avx512bw", "avx512vl", "avx512dq"])) {
            try KernelPath.select(features: features, forced: "avx512")
        }
        let message = KernelPath.SelectionError.unsupported(.avx512, missing: ["avx512bw", "avx512vl", "avx512dq"]).description
        #expect(message == "FACENAS_KERNELS=avx512 but this CPU lacks avx512bw, avx512vl, avx512dq; unset FACENAS_KERNELS or set it to avx2")
        #expect(!message.contains("\n"))
    }

    @Test func unknownForcedValueIsRefused() {
        #expect(throws: KernelPath.SelectionError.unknown("sse2")) {
            try KernelPath.select(features: CPUFeatures(flags: avx512Flags), forced: "sse2")
        }
    }

    /// The path this process runs is the one the selection gives for this machine's flags.
    @Test func processPathMatchesThisCPU() throws {
        let forced = ProcessInfo.processInfo.environment["FACENAS_KERNELS"]
        #expect(KernelDispatch.path == (try KernelPath.select(features: .current, forced: forced)))
        #expect(KernelDispatch.runnablePaths.contains(KernelDispatch.path))
        #expect(KernelDispatch.runnablePaths.contains(.avx512) == CPUFeatures.current.hasAVX512)
    }
}

/// Largest difference between two results in units of the last place of the larger magnitude of
/// the pair (0 means bitwise equal; NaN positions must agree).
private func maxULPs(_ a: Tensor, _ b: Tensor) -> Float {
    var worst: Float = 0
    for i in 0..<a.count {
        let x = a[i], y = b[i]
        if x.isNaN || y.isNaN { if x.isNaN != y.isNaN { return .infinity }; continue }
        if x == y { continue }
        worst = max(worst, abs(x - y) / max(abs(x), abs(y)).ulp)
    }
    return worst
}

private func fresh(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: .nan) }

/// The AVX-512 build against the AVX2 build, kernel by kernel. Only on a CPU with AVX-512 F/BW/VL/DQ:
/// elsewhere the `.avx512` path would stop on an illegal instruction, so these tests are skipped
/// there (the naive-reference tests still cover the AVX2 path).
@Suite(.enabled(if: CPUFeatures.current.hasAVX512, "needs AVX-512 F/BW/VL/DQ to run the avx512 path"))
struct AVX512MatchesAVX2Tests {
    /// Pointwise kernels do the same operations per element on both widths: bitwise equal.
    @Test func activationsBitwiseEqual() {
        var rng = RNG(seed: 5)
        let n = 3, c = 7, hw = 197, count = n * c * hw
        let x = randomTensor([count], &rng), dy = randomTensor([count], &rng)
        for i in stride(from: 0, to: count, by: 5) { x[i] = 0 }
        let alpha = randomTensor([c], &rng, lo: 0, hi: 0.5)
        var out: [KernelPath: [Tensor]] = [:]
        for path in [KernelPath.avx2, .avx512] {
            let y = fresh([count]), dx = fresh([count]), py = fresh([count]), pdx = fresh([count])
            let da = Tensor(zeros: [c])
            reluForward(x.data, count: count, y: y.data, path: path)
            reluBackward(dy.data, x.data, count: count, dx: dx.data, path: path)
            preluForward(x.data, alpha: alpha.data, batch: n, channels: c, spatial: hw, y: py.data, path: path)
            preluBackward(dy.data, x.data, alpha: alpha.data, batch: n, channels: c, spatial: hw, dx: pdx.data,
                          dalpha: da.data, path: path)
            out[path] = [y, dx, py, pdx, da]
        }
        for (i, what) in ["relu y", "relu dx", "prelu y", "prelu dx"].enumerated() {
            #expect(maxULPs(out[.avx2]![i], out[.avx512]![i]) == 0, "\(what)")
        }
        // dalpha sums 16-lane partials whose final reduction may associate differently.
        #expect(relativeError(doubles(out[.avx512]![4]), doubles(out[.avx2]![4])) <= 1e-6, "prelu dalpha")
    }

    /// Batch norm: the inference passes (one affine map per element) are bitwise equal; the training
    /// passes fold 16-lane partial sums whose reduction may associate differently, so they agree
    /// within a relative 1e-6 (about 8 ulp) of each output's largest entry.
    @Test(arguments: [BNCase(2, 5, 49), BNCase(3, 4, 196), BNCase(2, 3, 3137)])
    func batchNormMatches(_ g: BNCase) {
        var rng = RNG(seed: g.seed)
        let x = randomTensor([g.count], &rng, lo: -2, hi: 3), dy = randomTensor([g.count], &rng)
        let gamma = randomTensor([g.c], &rng, lo: 0.5, hi: 1.5), beta = randomTensor([g.c], &rng)
        let rm = randomTensor([g.c], &rng), rv = randomTensor([g.c], &rng, lo: 0.1, hi: 2)
        var out: [KernelPath: [Tensor]] = [:]
        for path in [KernelPath.avx2, .avx512] {
            let y = fresh([g.count]), mean = fresh([g.c]), inv = fresh([g.c]), v = fresh([g.c])
            let dx = fresh([g.count]), dg = Tensor(zeros: [g.c]), db = Tensor(zeros: [g.c])
            let yi = fresh([g.count]), dxi = fresh([g.count])
            batchNormForwardTraining(x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data, beta: beta.data,
                                     epsilon: 1e-5, y: y.data, mean: mean.data, invStd: inv.data, variance: v.data, path: path)
            batchNormBackward(dy.data, x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data, mean: mean.data,
                              invStd: inv.data, dx: dx.data, dgamma: dg.data, dbeta: db.data, path: path)
            batchNormForwardInference(x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data, beta: beta.data,
                                      runningMean: rm.data, runningVariance: rv.data, epsilon: 1e-5, y: yi.data, path: path)
            batchNormBackwardInference(dy.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data,
                                       runningVariance: rv.data, epsilon: 1e-5, dx: dxi.data, path: path)
            out[path] = [y, mean, inv, v, dx, dg, db, yi, dxi]
        }
        let names = ["y", "mean", "invStd", "variance", "dx", "dgamma", "dbeta", "inference y", "inference dx"]
        for (i, what) in names.enumerated() {
            if i >= 7 {
                #expect(maxULPs(out[.avx2]![i], out[.avx512]![i]) == 0, "\(what) \(g)")
            } else {
                #expect(relativeError(doubles(out[.avx512]![i]), doubles(out[.avx2]![i])) <= 1e-6, "\(what) \(g)")
            }
        }
    }

    /// Depthwise: forward and input gradient accumulate each output over the same taps in the same
    /// order on both widths (only the rows in flight differ), so they are bitwise equal; the weight
    /// gradient sums its lanes in other groupings, within a relative 1e-6 of its largest entry.
    @Test(arguments: [ConvCase(2, 8, 28, 28, k: 3, s: 1, p: 1), ConvCase(2, 8, 56, 56, k: 3, s: 2, p: 1),
                      ConvCase(3, 5, 7, 7, k: 3, s: 1, p: 1), ConvCase(2, 4, 20, 21, k: 5, s: 1, p: 2),
                      ConvCase(2, 4, 33, 35, k: 7, s: 2, p: 3)])
    func depthwiseMatches(_ g: ConvCase) {
        var rng = RNG(seed: g.seed)
        let x = randomTensor([g.n, g.c, g.h, g.w], &rng), wt = randomTensor([g.c, g.k, g.k], &rng)
        let dy = randomTensor([g.n, g.c, g.oh, g.ow], &rng)
        var out: [KernelPath: [Tensor]] = [:]
        for path in [KernelPath.avx2, .avx512] {
            let y = fresh([g.n, g.c, g.oh, g.ow]), dx = fresh([g.n, g.c, g.h, g.w]), dw = Tensor(zeros: [g.c, g.k, g.k])
            depthwiseForward(x.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                             kernel: g.k, stride: g.s, pad: g.p, y: y.data, path: path)
            depthwiseBackwardInput(dy.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                                   kernel: g.k, stride: g.s, pad: g.p, dx: dx.data, path: path)
            depthwiseBackwardWeight(x.data, dy.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                                    kernel: g.k, stride: g.s, pad: g.p, dweight: dw.data, path: path)
            out[path] = [y, dx, dw]
        }
        #expect(maxULPs(out[.avx2]![0], out[.avx512]![0]) == 0, "forward \(g)")
        #expect(maxULPs(out[.avx2]![1], out[.avx512]![1]) == 0, "input gradient \(g)")
        #expect(relativeError(doubles(out[.avx512]![2]), doubles(out[.avx2]![2])) <= 1e-6, "weight gradient \(g)")
    }
}
