/// `{name}` substitution in a pipeline's strings: the file's `variables`, overridden by
/// `--set name=value`, plus `{run}`, the run folder.
struct PipelineVariables {
    static let runName = "run"

    /// The user-visible values (defaults with overrides applied); `{run}` is kept apart because it
    /// is where the state lives, not part of what the state records.
    let values: [String: String]
    let run: String

    /// `overrides`: `name=value` strings; a name the file does not declare is an error.
    init(_ pipeline: Pipeline, overrides: [String], run: String) throws {
        var values = pipeline.variables
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else {
                throw PipelineError("\(pipeline.source): --set \(o): expected name=value")
            }
            let name = String(o[..<eq]), value = String(o[o.index(after: eq)...])
            guard values[name] != nil else {
                let known = pipeline.variables.keys.sorted().joined(separator: ", ")
                throw PipelineError("\(pipeline.source): --set \(name): no such variable (this pipeline has: \(known.isEmpty ? "none" : known))")
            }
            values[name] = value
        }
        self.values = values
        self.run = run
    }

    static func isName(_ s: some StringProtocol) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Replaces every `{name}`; braces around anything that is not a name are left as they are.
    /// `place` says where the string sits (e.g. "stage train") for the error line.
    func substitute(_ s: String, in pipeline: Pipeline, place: String) throws -> String {
        var out = "", rest = Substring(s)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}"), Self.isName(after[..<close]) else {
                out += "{"; rest = after; continue
            }
            let name = String(after[..<close])
            guard let value = name == Self.runName ? run : values[name] else {
                let known = ([Self.runName] + values.keys.sorted()).joined(separator: ", ")
                throw PipelineError("\(pipeline.source): \(place): unknown variable {\(name)} (known: \(known))")
            }
            out += value
            rest = after[after.index(after: close)...]
        }
        return out + rest
    }

    func substitute(_ list: [String], in pipeline: Pipeline, place: String) throws -> [String] {
        try list.map { try substitute($0, in: pipeline, place: place) }
    }
}
