import Foundation
import NN
import Tensor

/// `mpirun` (Open MPI, installed by `make test`) around the built facenas binary.
enum MPI {
    static var mpirun: String? {
        ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func available(for what: String) -> Bool {
        if mpirun == nil || CLI.binary == nil { print("note: skipping \(what): mpirun (openmpi-bin) or the facenas binary is missing") }
        return mpirun != nil && CLI.binary != nil
    }

    /// Root may run MPI jobs here (the CI runs as root); `--oversubscribe` lets 2 ranks share 2 cores.
    static func arguments(ranks: Int, _ args: [String]) -> [String] {
        ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), CLI.binary!] + args
    }

    static func run(ranks: Int, _ args: [String]) throws -> CLI.Result {
        try CLI.run(executable: mpirun!, arguments(ranks: ranks, args))
    }

    /// Runs and fails with the job's output unless it exits 0.
    static func succeed(ranks: Int, _ args: [String]) throws -> CLI.Result {
        let r = try run(ranks: ranks, args)
        if r.status != 0 { throw CLIError("mpirun -np \(ranks) facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stdout)\n\(r.stderr)") }
        return r
    }

    /// PIDs of running processes whose command line contains `marker` and whose environment says
    /// they are MPI rank `rank`.
    static func processes(rank: Int, marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
                  String(decoding: cmd, as: UTF8.self).contains(marker),
                  let env = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { return false }
            return env.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }
}

/// How far two checkpoints' trained parameters (running statistics and optimiser state left out)
/// are apart: the largest element difference over the largest element, and the L2 distance over
/// the L2 norm, both across the whole model.
struct WeightDistance {
    var maxRelative: Double, l2Relative: Double, tensors: Int

    init(_ a: String, _ b: String) throws {
        let x = try Safetensors.read(a), y = try Safetensors.read(b)
        var maxDiff = 0.0, maxValue = 0.0, diff2 = 0.0, norm2 = 0.0, count = 0
        for name in x.order where name.hasPrefix("model.") && !["running_", "num_batches", "batch_mean", "batch_std"].contains(where: name.contains) {
            guard let p = x.tensors[name], let q = y.tensors[name], p.count == q.count else {
                throw CLIError("\(b) lacks \(name) or has another shape")
            }
            for i in 0..<p.count {
                let d = Double(p[i]) - Double(q[i])
                maxDiff = max(maxDiff, abs(d)); maxValue = max(maxValue, abs(Double(p[i])))
                diff2 += d * d; norm2 += Double(p[i]) * Double(p[i])
            }
            count += 1
        }
        maxRelative = maxDiff / max(maxValue, 1e-30)
        l2Relative = (diff2 / max(norm2, 1e-30)).squareRoot()
        tensors = count
    }
}
