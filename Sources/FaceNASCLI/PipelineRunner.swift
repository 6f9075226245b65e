import Foundation

/// Runs a resolved pipeline's stages in order in `run`, skipping the finished ones of an earlier
/// run and resuming the one it was in.
struct PipelineRunner {
    let pipeline: ResolvedPipeline
    /// The last stage to run this time, if not the pipeline's last.
    var until: String?

    var run: String { pipeline.variables.run }
    var statePath: String { PipelineState.path(in: run) }

    enum Outcome: Equatable { case finished, stopped(after: String), failed(stage: String, status: Int32), interrupted(stage: String?, signal: Int32) }

    func execute() throws -> Outcome {
        var state = try PipelineState.load(from: statePath)
            ?? PipelineState(pipeline: pipeline.pipeline.name, file: pipeline.pipeline.source,
                             variables: pipeline.variables.values, stages: [])
        try state.checkContinues(pipeline, statePath: statePath)
        let logs = (run as NSString).appendingPathComponent("logs")
        do { try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true) } catch {
            throw PipelineError("\(logs): cannot create the run's log folder (\(error))")
        }
        try state.save(to: statePath)
        PipelineChild.forwardSignals()

        for (i, stage) in pipeline.stages.enumerated() {
            if let s = PipelineChild.interruption { return .interrupted(stage: nil, signal: s) }
            let previous = state.record(stage.name)
            if let previous, previous.status == .done {
                print("stage \(stage.name): done (\(String(format: "%.1f", previous.seconds)) s), skipped")
                if stage.name == until { return .stopped(after: stage.name) }
                continue
            }
            print("== stage \(i + 1)/\(pipeline.stages.count): \(stage.name) ==")
            var args = stage.args
            if previous != nil {
                // Interrupted last time: clear what the command cannot take over, then let it resume.
                for path in stage.clean where FileManager.default.fileExists(atPath: path) {
                    do { try FileManager.default.removeItem(atPath: path) } catch {
                        throw PipelineError("stage \(stage.name): cannot remove \(path) before running it again (\(error))")
                    }
                    print("removed \(path) (left by the interrupted attempt)")
                }
                args += stage.resumeArgs
                print("continuing stage \(stage.name) after an interruption" + (stage.resumeArgs.isEmpty ? "" : " (\(stage.resumeArgs.joined(separator: " ")))"))
            }
            let start = Date()
            var record = PipelineState.StageRecord(name: stage.name, status: .started, seconds: previous?.seconds ?? 0,
                                                   started: previous?.started ?? PipelineState.timestamp(start), finished: nil, args: args)
            state.update(record)
            try state.save(to: statePath)

            let log = (logs as NSString).appendingPathComponent("\(stage.name).log")
            let status = try PipelineChild.run(args, log: log)
            record.seconds += Date().timeIntervalSince(start)
            if let s = PipelineChild.interruption {
                state.update(record)
                try state.save(to: statePath)
                return .interrupted(stage: stage.name, signal: s)
            }
            guard status == 0 else {
                state.update(record)
                try state.save(to: statePath)
                return .failed(stage: stage.name, status: status)
            }
            record.status = .done
            record.finished = PipelineState.timestamp()
            state.update(record)
            try state.save(to: statePath)
            if stage.name == until { return .stopped(after: stage.name) }
        }
        print(Self.timeTable(state, order: pipeline.stages.map(\.name)), terminator: "")
        return .finished
    }

    static func timeTable(_ state: PipelineState, order: [String]) -> String {
        let width = max(5, order.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = ["\(pad("stage"))  status   seconds"]
        var total = 0.0
        for name in order {
            guard let r = state.record(name) else { lines.append("\(pad(name))  -"); continue }
            total += r.seconds
            lines.append(pad(name) + "  " + r.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                         + String(format: "%9.1f", r.seconds))
        }
        lines.append(pad("total") + "         " + String(format: "%9.1f", total))
        return lines.joined(separator: "\n") + "\n"
    }
}
