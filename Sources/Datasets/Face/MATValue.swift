/// A MATLAB variable as FaceNAS reads it: the real part of a numeric array, a char array, or a
/// cell array of those. Elements are in MATLAB's column-major order.
public indirect enum MATValue: Equatable, Sendable {
    /// Any numeric class (double, single, int8…uint64, logical), converted to Double.
    case numeric(shape: [Int], values: [Double])
    /// A char array, one string per row (a 1×n char array is one string).
    case char(rows: [String])
    case cell(shape: [Int], elements: [MATValue])

    /// The single string of a one-row char array.
    public var string: String? {
        if case let .char(rows) = self, rows.count == 1 { return rows[0] }
        if case let .char(rows) = self, rows.isEmpty { return "" }
        return nil
    }

    /// The strings of a cell array of one-row char arrays (TinyFace's `probe_set`).
    public var cellStrings: [String]? {
        guard case let .cell(_, elements) = self else { return nil }
        var out: [String] = []
        for e in elements {
            guard let s = e.string else { return nil }
            out.append(s)
        }
        return out
    }

    public var numericValues: [Double]? {
        if case let .numeric(_, values) = self { return values }
        return nil
    }
}
