import Datasets
import Foundation
import Testing

/// `.npy` interop both ways with numpy, and one clear line for every file we refuse.
@Suite struct NPYTests {
    @Test func swiftWrittenFilesLoadInNumpyWithShapeDtypeAndValues() throws {
        guard NumPy.available else { return }
        let dir = NumPy.temporaryDirectory("npy-write")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var matrix = (0..<15).map { Float($0) * 0.37 - 2.5 }
        matrix[3] = .leastNormalMagnitude; matrix[4] = -1e30; matrix[5] = .leastNonzeroMagnitude
        try NPY.write(matrix, shape: [5, 3], to: dir + "/m.npy")
        let vector: [Float] = [1, -2, 0.1, 3e-5, 7]
        try NPY.write(vector, shape: [5], to: dir + "/v.npy")
        let out = try NumPy.run("""
            import json, sys, numpy as np
            res = {}
            for name in ("m", "v"):
                path = sys.argv[1] + "/" + name + ".npy"
                a = np.load(path)
                raw = open(path, "rb").read(10)
                res[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "fortran": bool(np.isfortran(a)) if a.ndim > 1 else False,
                             "values": a.astype(np.float64).ravel().tolist(), "aligned": (10 + raw[8] + 256 * raw[9]) % 64 == 0}
            print(json.dumps(res))
            """, inline: true, [dir])
        let res = try NumPy.json(Data(out.utf8))
        for (name, values, shape) in [("m", matrix, [5, 3]), ("v", vector, [5])] {
            let r = try #require(res[name]?.object)
            #expect(r["shape"]?.ints == shape, "\(name): shape \(String(describing: r["shape"]))")
            #expect(r["dtype"]?.string == "float32")
            #expect(r["aligned"]?.bool == true, "\(name): data does not start at a multiple of 64 bytes")
            #expect(r["values"]?.doubles == values.map(Double.init), "\(name): values differ")
        }
    }

    @Test func numpyWrittenFilesReadInSwift() throws {
        guard NumPy.available else { return }
        let dir = NumPy.temporaryDirectory("npy-read")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try NumPy.run("""
            import json, sys, numpy as np
            rng = np.random.default_rng(5)
            d = sys.argv[1]
            arrays = {"f4_2d": rng.standard_normal((37, 11)).astype(np.float32), "f8_2d": rng.standard_normal((9, 4)),
                      "f4_1d": rng.standard_normal(13).astype(np.float32), "f8_1d": rng.standard_normal(6),
                      "empty_1d": np.zeros(0, dtype=np.float32)}
            for k, a in arrays.items():
                np.save(f"{d}/{k}.npy", a)
            with open(f"{d}/v2.npy", "wb") as f:
                np.lib.format.write_array(f, arrays["f8_2d"], version=(2, 0))
            print(json.dumps({k: {"shape": list(a.shape), "values": a.astype(np.float64).ravel().tolist()} for k, a in arrays.items()}))
            """, inline: true, [dir])
        let res = try NumPy.json(Data(out.utf8))
        for (name, dtype) in [("f4_2d", NPYArray.DType.float32), ("f8_2d", .float64), ("f4_1d", .float32), ("f8_1d", .float64), ("empty_1d", .float32)] {
            let a = try NPY.read(dir + "/\(name).npy")
            let r = try #require(res[name]?.object)
            #expect(a.shape == r["shape"]?.ints, "\(name): shape \(a.shape)")
            #expect(a.dtype == dtype, "\(name)")
            #expect(a.values == r["values"]?.doubles, "\(name): values differ")
        }
        let v2 = try NPY.read(dir + "/v2.npy")
        #expect(v2.shape == [9, 4] && v2.values == res["f8_2d"]?.object?["values"]?.doubles, "version 2.0 file")
    }

    @Test func unsupportedFilesAreRefusedWithTheFileAndWhatWasExpected() throws {
        let dir = NumPy.temporaryDirectory("npy-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func refusal(_ path: String) -> String {
            do { _ = try NPY.read(path); return "no error" } catch { return "\(error)" }
        }
        let good = NPY.encode([1, 2, 3, 4, 5, 6], shape: [2, 3])
        try Data([0x93] + Array("NUMPX".utf8) + good.dropFirst(6)).write(to: URL(fileURLWithPath: dir + "/magic.npy"))
        try Data(good.dropLast(4)).write(to: URL(fileURLWithPath: dir + "/short.npy"))
        try Data(good + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: dir + "/long.npy"))
        let magic = refusal(dir + "/magic.npy"), short = refusal(dir + "/short.npy"), long = refusal(dir + "/long.npy")
        #expect(magic.contains(dir + "/magic.npy") && magic.contains("expected the magic \\x93NUMPY"), "\(magic)")
        #expect(short.contains(dir + "/short.npy") && short.contains("expected shape (2, 3) × 4-byte values = 24 bytes, found 20"), "\(short)")
        #expect(long.contains(dir + "/long.npy") && long.contains("4 unexpected bytes"), "\(long)")
        try NPY.write([1, 2, 3], shape: [3], to: dir + "/vector.npy")
        do { _ = try NPY.readMatrix(dir + "/vector.npy"); Issue.record("1-D accepted as a matrix") } catch {
            #expect("\(error)".contains("shape (3,), expected a 2-D float array of embeddings (N×d)"), "\(error)")
        }

        guard NumPy.available else { return }
        try NumPy.run("""
            import sys, numpy as np
            d = sys.argv[1]
            np.save(f"{d}/int.npy", np.arange(6, dtype=np.int32).reshape(2, 3))
            np.save(f"{d}/big.npy", np.ones((2, 3), dtype=">f4"))
            np.save(f"{d}/fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
            np.save(f"{d}/cube.npy", np.ones((2, 2, 2), dtype=np.float32))
            """, inline: true, [dir])
        #expect(refusal(dir + "/int.npy").contains("int.npy: at byte 10: dtype '<i4' is not supported, expected '<f4' (float32) or '<f8' (float64)"),
                "\(refusal(dir + "/int.npy"))")
        #expect(refusal(dir + "/big.npy").contains("dtype '>f4' is not supported"), "\(refusal(dir + "/big.npy"))")
        #expect(refusal(dir + "/fortran.npy").contains("fortran.npy: at byte 10: fortran_order True is not supported, expected C order"),
                "\(refusal(dir + "/fortran.npy"))")
        #expect(refusal(dir + "/cube.npy").contains("shape (2, 2, 2), expected a 1-D or 2-D array"), "\(refusal(dir + "/cube.npy"))")
    }
}
