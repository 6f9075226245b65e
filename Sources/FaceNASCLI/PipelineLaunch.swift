import ArgumentParser
import Foundation
import Tensor

/// Flags shared by `facenas run FILE` and `facenas demo`.
struct PipelineOptions: ParsableArguments {
    @Option(help: "Run folder ({run} in the file): logs/, pipeline-state.json and every stage's outputs (default runs/<name>).")
    var out: String?
    @Option(name: .customLong("set"), help: "Override a variable of the file: --set name=value (repeatable).")
    var assignments: [String] = []
    @Flag(help: "Validate the file (stages, arguments, protocols, datasets.md sections) and list its stages; run nothing.")
    var check = false
    @Option(help: "Stop after this stage (the rest runs when the same command is given again without --until).")
    var until: String?
}

/// What both commands do with a parsed pipeline: validate, then check or run it. Errors are one
/// line on standard error; the exit status is non-zero for errors, failures and interruptions.
enum PipelineLaunch {
    static func start(_ load: () throws -> Pipeline, options: PipelineOptions) throws {
        // Stages run as child processes, which cannot join the launcher's MPI job.
        if Communicator.world.isDistributed {
            throw PipelineError("a pipeline's stages are child processes and cannot join an MPI job; run facenas run/demo without mpirun, or launch the stage commands themselves with mpirun/srun (pipelines/slurm-casia-search.sh)")
        }
        do {
            let pipeline = try load()
            let resolved = try ResolvedPipeline(pipeline, overrides: options.assignments, run: options.out ?? "runs/\(pipeline.name)")
            if options.check { return try check(resolved) }
            try resolved.checkRequirements()
            try resolved.checkArguments()
            print("pipeline \(pipeline.name): \(pipeline.description)")
            print("run folder: \(resolved.variables.run)")
            if let u = options.until, !resolved.stages.contains(where: { $0.name == u }) {
                throw PipelineError("\(pipeline.source): --until \(u): no such stage (stages: \(resolved.stages.map(\.name).joined(separator: ", ")))")
            }
            let runner = PipelineRunner(pipeline: resolved, until: options.until)
            switch try runner.execute() {
            case .finished:
                print("pipeline \(pipeline.name) finished; state in \(runner.statePath)")
            case let .stopped(after):
                print("stopped after stage \(after) (--until); run the same command without --until to continue")
            case let .failed(stage, status):
                printError("stage \(stage) failed (exit \(status)); see \(resolved.variables.run)/logs/\(stage).log; rerun the same command to continue")
                throw ExitCode(status == 0 ? 1 : status)
            case let .interrupted(stage, signal):
                printError("interrupted by signal \(signal)" + (stage.map { " during stage \($0)" } ?? "")
                           + "; rerun the same command to continue")
                throw ExitCode(128 + signal)
            }
        } catch let e as PipelineError {
            printError(e.description)
            throw ExitCode.failure
        }
    }

    static func check(_ p: ResolvedPipeline) throws {
        try p.checkRepositoryReferences()
        try p.checkArguments()
        print("pipeline \(p.pipeline.name) (\(p.pipeline.source)): \(p.pipeline.description)")
        if !p.variables.values.isEmpty {
            print("variables: " + p.variables.values.keys.sorted().map { "\($0)=\(p.variables.values[$0]!)" }.joined(separator: " "))
        }
        for r in p.requires { print("requires: \(r.path)  (datasets.md: \(r.section))") }
        for (i, s) in p.stages.enumerated() {
            var line = "stage \(i + 1)/\(p.stages.count): \(s.name): facenas \(s.args.joined(separator: " "))"
            if !s.resumeArgs.isEmpty { line += "  [on resume: \(s.resumeArgs.joined(separator: " "))]" }
            if !s.protocols.isEmpty { line += "  [protocols: \(s.protocols.joined(separator: ", "))]" }
            print(line)
        }
        print("ok: \(p.stages.count) stages")
    }
}

extension FaceNAS {
    struct RunPipeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a pipeline file (pipelines/*.json): its stages in order, each a facenas command whose outputs feed the next.",
            discussion: """
            Stages run as child processes; their output is shown and appended to {run}/logs/<stage>.log. \
            {run}/pipeline-state.json records each stage's status and time. Rerunning the same command skips \
            finished stages and resumes the interrupted one (its `clean` paths removed, its `resume_args` added). \
            Missing data (`requires`) stops the run before anything starts, naming the datasets.md section to read.
            """)

        @Argument(help: "The pipeline file (JSON).") var file: String
        @OptionGroup var options: PipelineOptions

        func run() throws {
            try PipelineLaunch.start({ try Pipeline.load(file) }, options: options)
        }
    }

    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded demo pipeline: synthetic faces, a face-backbone search, training, verification, identification, a gallery look-up and a report.",
            discussion: "The pipeline is compiled in (identical to pipelines/demo.json); --print shows it.")

        @OptionGroup var options: PipelineOptions
        @Flag(name: .customLong("print"), help: "Print the embedded pipeline file and exit.") var printFile = false

        func run() throws {
            if printFile { return print(DemoPipeline.json, terminator: "") }
            try PipelineLaunch.start({ try Pipeline.parse(Data(DemoPipeline.json.utf8), source: DemoPipeline.source) }, options: options)
        }
    }
}
