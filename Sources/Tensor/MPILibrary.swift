import Foundation

/// Open MPI's C API, opened with dlopen so that nothing links against MPI at build time.
///
/// Open MPI's handles are addresses of its predefined objects (MPI_COMM_WORLD is
/// `&ompi_mpi_comm_world`, MPI_FLOAT `&ompi_mpi_float`, MPI_SUM `&ompi_mpi_op_sum`), so the
/// symbols' addresses are the handle values. The library is opened RTLD_GLOBAL because Open MPI
/// loads its own components later, which look up libmpi's symbols globally.
final class MPILibrary: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    private typealias InitFn = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32
    private typealias CommIntFn = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    private typealias AllreduceFn = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer, Int32, Handle, Handle, Handle) -> Int32
    private typealias BcastFn = @convention(c) (UnsafeMutableRawPointer, Int32, Handle, Int32, Handle) -> Int32
    private typealias CommFn = @convention(c) (Handle) -> Int32
    private typealias AbortFn = @convention(c) (Handle, Int32) -> Int32
    private typealias VoidFn = @convention(c) () -> Int32

    static let libraryNames = ["libmpi.so.40", "libmpi.so"]

    private let lib: UnsafeMutableRawPointer
    private let comm: Handle
    let floatType: Handle, doubleType: Handle
    private let sumOp: Handle
    private let initFn: InitFn, rankFn: CommIntFn, sizeFn: CommIntFn, allreduceFn: AllreduceFn
    private let bcastFn: BcastFn, barrierFn: CommFn, abortFn: AbortFn, finalizeFn: VoidFn

    private init(lib: UnsafeMutableRawPointer) throws {
        self.lib = lib
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(lib, name) else {
                throw MPIError("libmpi has no symbol \(name); FaceNAS needs Open MPI (Debian: openmpi-bin, libopenmpi3)")
            }
            return p
        }
        comm = try symbol("ompi_mpi_comm_world")
        floatType = try symbol("ompi_mpi_float")
        doubleType = try symbol("ompi_mpi_double")
        sumOp = try symbol("ompi_mpi_op_sum")
        initFn = unsafeBitCast(try symbol("MPI_Init"), to: InitFn.self)
        rankFn = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommIntFn.self)
        sizeFn = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommIntFn.self)
        allreduceFn = unsafeBitCast(try symbol("MPI_Allreduce"), to: AllreduceFn.self)
        bcastFn = unsafeBitCast(try symbol("MPI_Bcast"), to: BcastFn.self)
        barrierFn = unsafeBitCast(try symbol("MPI_Barrier"), to: CommFn.self)
        abortFn = unsafeBitCast(try symbol("MPI_Abort"), to: AbortFn.self)
        finalizeFn = unsafeBitCast(try symbol("MPI_Finalize"), to: VoidFn.self)
    }

    static func open() throws -> MPILibrary {
        var errors: [String] = []
        for name in libraryNames {
            if let lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL) { return try MPILibrary(lib: lib) }
            errors.append(String(cString: dlerror()))
        }
        throw MPIError("started by an MPI launcher but Open MPI's library cannot be loaded (\(errors.joined(separator: "; "))); install openmpi-bin, or set FACENAS_MPI=0 to run this process alone")
    }

    func initialize() throws -> (rank: Int, size: Int) {
        try check(initFn(nil, nil), "MPI_Init")
        var r: Int32 = 0, s: Int32 = 0
        try check(rankFn(comm, &r), "MPI_Comm_rank")
        try check(sizeFn(comm, &s), "MPI_Comm_size")
        return (Int(r), Int(s))
    }

    private func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw MPIError("\(call) failed with MPI error \(code)") }
    }

    /// MPI's default error handler aborts the job on failure, so the return codes below are 0.
    func allreduceSum(_ p: UnsafeMutableRawPointer, count: Int, type: Handle) {
        // Counts are C ints: reduce a long buffer in slices.
        let step = Int(Int32.max / 2)
        let width = type == doubleType ? 8 : 4
        var done = 0
        while done < count {
            let n = min(step, count - done)
            _ = allreduceFn(UnsafeRawPointer(bitPattern: 1), p + done * width, Int32(n), type, sumOp, comm)   // MPI_IN_PLACE
            done += n
        }
    }

    func broadcast(_ p: UnsafeMutableRawPointer, count: Int, type: Handle, root: Int) {
        _ = bcastFn(p, Int32(count), type, Int32(root), comm)
    }

    func barrier() { _ = barrierFn(comm) }
    func abort(_ code: Int32) -> Never { _ = abortFn(comm, code); exit(code) }
    func finalize() { _ = finalizeFn() }
}

public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
