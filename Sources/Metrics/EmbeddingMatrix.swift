import Datasets

/// Embeddings as the metrics use them: one L2-normalised Double row per image.
///
/// insightface normalises before computing distances; normalising again an already unit row only
/// moves it by rounding. Double throughout so that ties and grid thresholds behave exactly as in a
/// float64 numpy reference.
public struct EmbeddingMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major, each row of unit L2 norm.
    public let values: [Double]

    /// `source` names the data in errors (a file name, say).
    public init(values: [Double], rows: Int, columns: Int, source: String) throws {
        precondition(values.count == rows * columns, "EmbeddingMatrix: \(values.count) values for \(rows)×\(columns)")
        var v = values
        for r in 0..<rows {
            var sum = 0.0
            for k in 0..<columns { sum += v[r * columns + k] * v[r * columns + k] }
            guard sum.isFinite else { throw MetricError("\(source): row \(r) holds a NaN or infinite value, expected finite embeddings") }
            guard sum > 0 else { throw MetricError("\(source): row \(r) is all zeros, expected a non-zero embedding") }
            let norm = sum.squareRoot()
            for k in 0..<columns { v[r * columns + k] /= norm }
        }
        self.rows = rows; self.columns = columns; self.values = v
    }

    /// A 2-D `.npy` array (float32 or float64).
    public init(_ array: NPYArray, source: String) throws {
        guard array.shape.count == 2 else {
            throw MetricError("\(source): \(array.shape.count)-D array of shape \(array.shape.map(String.init).joined(separator: "×")), expected a 2-D float array (N×d)")
        }
        try self.init(values: array.values, rows: array.shape[0], columns: array.shape[1], source: source)
    }

    /// Reads and normalises a `.npy` file of N×d embeddings.
    public init(contentsOf path: String) throws {
        try self.init(NPY.readMatrix(path), source: path)
    }

    /// Σ(a−b)² between rows `i` and `j`: insightface's verification distance, 2 − 2·cos on unit rows.
    public func squaredDistance(_ i: Int, _ j: Int) -> Double {
        var s = 0.0
        values.withUnsafeBufferPointer { v in
            let a = v.baseAddress! + i * columns, b = v.baseAddress! + j * columns
            for k in 0..<columns {
                let d = a[k] - b[k]
                s += d * d
            }
        }
        return s
    }
}

/// A metric refused its input; one line naming what and where.
public struct MetricError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
