/// A pipeline with every `{variable}` replaced: what is checked, run and recorded in the state.
struct ResolvedPipeline {
    struct Stage {
        var name: String
        var args: [String]
        var resumeArgs: [String]
        var clean: [String]
        var protocols: [String]
    }

    let pipeline: Pipeline
    let variables: PipelineVariables
    let requires: [Pipeline.Requirement]
    let stages: [Stage]

    init(_ pipeline: Pipeline, overrides: [String], run: String) throws {
        let v = try PipelineVariables(pipeline, overrides: overrides, run: run)
        self.pipeline = pipeline
        variables = v
        requires = try pipeline.requires.map {
            Pipeline.Requirement(path: try v.substitute($0.path, in: pipeline, place: "requires"), section: $0.section)
        }
        stages = try pipeline.stages.map { s in
            let place = "stage \(s.name)"
            return Stage(name: s.name, args: try v.substitute(s.args, in: pipeline, place: place),
                         resumeArgs: try v.substitute(s.resumeArgs, in: pipeline, place: place),
                         clean: try v.substitute(s.clean, in: pipeline, place: place), protocols: s.protocols)
        }
    }
}
