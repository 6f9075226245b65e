import Foundation

/// The processes of one training job and the collective operations between them.
///
/// A program started by `mpirun` (Open MPI) or `srun --mpi=pmix` is one rank of a world of
/// `size` processes; every other start is a world of one, where every collective is a no-op.
/// Open MPI's `libmpi.so.40` is opened at run time (`MPILibrary`) only in the first case, so the
/// `facenas` binary builds and runs on machines without MPI. All ranks must call the same
/// collectives in the same order with the same counts, as in any MPI program.
///
/// Library code never reaches for `world`: a run takes its communicator in its options, so the
/// command line passes `world` and tests pass the ranks of `inProcess(ranks:)`, threads of one
/// process that behave as the ranks of an MPI job.
public final class Communicator: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    let mpi: MPILibrary?
    let group: InProcessGroup?

    public var isRoot: Bool { rank == 0 }
    public var isDistributed: Bool { size > 1 }
    /// True when an MPI launcher started this process (even as a world of one, which must still
    /// finalise MPI before it exits).
    public var isMPI: Bool { mpi != nil }

    init(rank: Int, size: Int, mpi: MPILibrary?, group: InProcessGroup? = nil) {
        self.rank = rank; self.size = size; self.mpi = mpi; self.group = group
    }

    /// `ranks` communicators of one in-process job: give each to its own thread, which must call
    /// the same collectives in the same order as the others (as MPI ranks do).
    public static func inProcess(ranks: Int) -> [Communicator] {
        precondition(ranks >= 1, "Communicator.inProcess: \(ranks) ranks")
        let g = InProcessGroup(size: ranks)
        return (0..<ranks).map { Communicator(rank: $0, size: ranks, mpi: nil, group: ranks > 1 ? g : nil) }
    }

    /// A world of one process.
    public static let single = Communicator(rank: 0, size: 1, mpi: nil)

    /// This process's world: MPI when an MPI launcher started it (`start()` must have run), else `single`.
    public nonisolated(unsafe) private(set) static var world = Communicator.single

    /// The launcher's rank and world size from its environment, before MPI is initialised:
    /// Open MPI's `mpirun` sets OMPI_COMM_WORLD_*, PMIx launchers (srun --mpi=pmix) PMIX_RANK.
    public static var launcherWorld: (rank: Int, size: Int, localSize: Int)? {
        let env = ProcessInfo.processInfo.environment
        if let s = env["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), let r = env["OMPI_COMM_WORLD_RANK"].flatMap(Int.init) {
            return (r, s, env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? s)
        }
        if let r = env["PMIX_RANK"].flatMap(Int.init) {
            let s = env["SLURM_NTASKS"].flatMap(Int.init) ?? env["PMI_SIZE"].flatMap(Int.init) ?? 1
            return (r, s, env["SLURM_NTASKS_PER_NODE"].flatMap { Int($0.prefix { $0.isNumber }) } ?? s)
        }
        return nil
    }

    /// Joins the MPI world when an MPI launcher started this process (FACENAS_MPI=0 opts out).
    /// Call once, first thing in `main`. Throws when launched by MPI but libmpi cannot be used.
    public static func start() throws {
        guard ProcessInfo.processInfo.environment["FACENAS_MPI"] != "0", launcherWorld != nil else { return }
        let mpi = try MPILibrary.open()
        let (rank, size) = try mpi.initialize()
        world = Communicator(rank: rank, size: size, mpi: mpi)
    }

    /// Leaves MPI cleanly (every rank must call it at the end of a successful run).
    public func finish() { mpi?.finalize() }

    /// Ends the whole job: prints `rank r of n: message` on stderr once and aborts every rank.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("facenas: rank \(rank) of \(size): \(message)\n".utf8))
        if let mpi { mpi.abort(code) }
        exit(code)
    }

    // MARK: Collectives

    /// In place: every rank ends with the element-wise sum over ranks.
    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        if let group { return group.sum(values, count: count, rank: rank) }
        guard let mpi, count > 0 else { return }
        mpi.allreduceSum(values, count: count, type: mpi.floatType)
    }

    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        if let group { return group.sum(values, count: count, rank: rank) }
        guard let mpi, count > 0 else { return }
        mpi.allreduceSum(values, count: count, type: mpi.doubleType)
    }

    /// The sums over ranks of a few scalars (loss, counts).
    public func sum(_ values: [Double]) -> [Double] {
        var v = values
        v.withUnsafeMutableBufferPointer { sum($0.baseAddress!, count: $0.count) }
        return v
    }

    /// Rank `root`'s values on every rank.
    public func broadcast(_ values: UnsafeMutablePointer<Double>, count: Int, root: Int = 0) {
        if let group { return group.broadcast(values, count: count, rank: rank, root: root) }
        guard let mpi, count > 0 else { return }
        mpi.broadcast(values, count: count, type: mpi.doubleType, root: root)
    }

    public func broadcast(_ values: [Double], root: Int = 0) -> [Double] {
        var v = values
        v.withUnsafeMutableBufferPointer { broadcast($0.baseAddress!, count: $0.count, root: root) }
        return v
    }

    public func barrier() {
        if let group { return group.barrier() }
        mpi?.barrier()
    }

    /// The rows of a global batch of `count` rows that `rank` of `ranks` computes:
    /// count·rank/ranks ..< count·(rank+1)/ranks (the ranks' shards tile the batch in order).
    public static func shard(of count: Int, rank: Int, ranks: Int) -> Range<Int> {
        (count * rank / ranks)..<(count * (rank + 1) / ranks)
    }
}
