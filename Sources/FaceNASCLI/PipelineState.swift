import Foundation

/// `{run}/pipeline-state.json`: which stages started and finished, and how long they took. The
/// report reads `stages[].name/status/seconds`; those keys are fixed.
struct PipelineState: Codable {
    enum Status: String, Codable { case started, done }

    struct StageRecord: Codable {
        var name: String
        var status: Status
        /// Wall time over every attempt, so a stage resumed twice reports what it really cost.
        var seconds: Double
        /// When the first attempt started (ISO 8601).
        var started: String
        var finished: String?
        /// The arguments of the latest attempt, variables resolved (resume arguments included).
        var args: [String]
    }

    var pipeline: String
    var file: String
    var variables: [String: String]
    var stages: [StageRecord]

    static let fileName = "pipeline-state.json"

    static func path(in run: String) -> String { (run as NSString).appendingPathComponent(fileName) }

    static func load(from path: String) throws -> PipelineState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(PipelineState.self, from: data) } catch {
            throw PipelineError("\(path): not a pipeline state file (\(error)); move it away or use another --out")
        }
    }

    /// Written to a new file and renamed over the old one, so a kill at any moment leaves either
    /// the previous or the new state, never half of one.
    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let fresh = path + ".new"
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: fresh))
        } catch {
            throw PipelineError("\(fresh): cannot write the pipeline state (\(error))")
        }
        guard rename(fresh, path) == 0 else {
            throw PipelineError("\(path): cannot rename \(fresh) into place (\(String(cString: strerror(errno))))")
        }
    }

    func record(_ name: String) -> StageRecord? { stages.first { $0.name == name } }

    mutating func update(_ r: StageRecord) {
        if let i = stages.firstIndex(where: { $0.name == r.name }) { stages[i] = r } else { stages.append(r) }
    }

    static func timestamp(_ d: Date = Date()) -> String { ISO8601DateFormatter().string(from: d) }
}

extension PipelineState {
    /// A state left by an earlier run must belong to the same pipeline with the same variables;
    /// otherwise its finished stages would be skipped for work they did not do.
    func checkContinues(_ p: ResolvedPipeline, statePath: String) throws {
        guard pipeline == p.pipeline.name else {
            throw PipelineError("\(statePath) belongs to pipeline \"\(pipeline)\", not \"\(p.pipeline.name)\"; use another --out")
        }
        let now = p.variables.values
        for name in Set(variables.keys).union(now.keys).sorted() where variables[name] != now[name] {
            throw PipelineError("\(statePath): variable \(name) was \(variables[name].map { "\"\($0)\"" } ?? "absent") in this run, "
                                + "now \(now[name].map { "\"\($0)\"" } ?? "absent"); use another --out to run with other values")
        }
        let names = Set(p.stages.map(\.name))
        if let stray = stages.first(where: { !names.contains($0.name) }) {
            throw PipelineError("\(statePath) records stage \(stray.name), which \(p.pipeline.source) does not have; use another --out")
        }
    }
}
