import ArgumentParser
import Foundation
import Tensor

/// Runs the command line as one process, or as one rank of an MPI job when `mpirun`/`srun`
/// started it. A rank's error ends the whole job at once with one line naming the rank (no other
/// rank is left waiting in a collective); only rank 0 prints to stdout.
func runCommandLine() -> Never {
    do {
        try Communicator.start()
    } catch {
        FileHandle.standardError.write(Data("facenas: \(error)\n".utf8))
        exit(1)
    }
    let world = Communicator.world
    guard world.isMPI else { FaceNAS.main(); exit(0) }
    if !world.isRoot {
        // Later ranks stay silent on stdout: point descriptor 1 at /dev/null.
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, 1); close(null) }
    }
    do {
        var command = try FaceNAS.parseAsRoot()
        try command.run()
        world.finish()
        exit(0)
    } catch {
        if FaceNAS.exitCode(for: error) == .success {   // --help, --version
            world.finish()
            FaceNAS.exit(withError: error)
        }
        world.abort(FaceNAS.message(for: error))
    }
}
