import ArgumentParser
import Throughput
import Foundation
import Tensor

extension FaceNAS {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the reference cases (training/embedding images per second) for comparison with PyTorch.")

        @Option(name: .customLong("case"), help: "Case to run (repeatable; default all): \(Throughput.cases.joined(separator: ", ")).")
        var cases: [String] = []
        @Option(help: "Timed iterations per case (the median is reported).")
        var iterations: Int = 10
        @Flag(help: "Print a JSON array instead of the table.")
        var json = false
        @Flag(help: "Print every iteration's time and the per-layer forward/backward breakdown.")
        var verbose = false

        func run() throws {
            let names = cases.isEmpty ? Throughput.cases : cases
            let world = Communicator.world
            let ranks = world.isDistributed ? "  ranks: \(world.size) (MPI; training cases data-parallel)" : ""
            if !json { print("OpenBLAS core: \(BLAS.coreName)  kernels: \(KernelDispatch.path.rawValue)  workers: \(Parallel.workers)\(ranks)") }
            var results: [Throughput.Result] = []
            for n in names {
                let r = try Throughput.run(n, iterations: iterations, profile: verbose, communicator: world)
                results.append(r)
                if !json {
                    print(String(format: "%@  batch %d  %.1f images/s  %.1f GFLOP/s  (median of %d)", r.case, r.batch,
                                 r.imagesPerSecond, r.gflops, r.iterations))
                    if let extra = r.extra {
                        print("  " + extra.keys.sorted().map { String(format: "%@ %.2f", $0, extra[$0]!) }.joined(separator: "  "))
                    }
                    if verbose {
                        print("  seconds/iteration: " + r.secondsPerIteration.map { String(format: "%.4f", $0) }.joined(separator: " "))
                        if let rows = r.layers { print(LayerProfile.table(rows)) }
                    }
                }
            }
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(results), as: UTF8.self))
            }
        }
    }
}
