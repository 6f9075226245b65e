import Foundation

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
        for s in stages {
            for path in s.clean where !Self.isInside(path, folder: v.run) {
                throw PipelineError("\(pipeline.source): stage \(s.name): clean path \(path) lies outside the run folder \(v.run); a pipeline may only remove what it wrote there")
            }
        }
    }

    /// True when `path` names something strictly below `folder` once both are absolute, `..`
    /// removed and existing symlinks followed, so neither `../x` nor a link can point a removal elsewhere.
    static func isInside(_ path: String, folder: String) -> Bool {
        func canonical(_ p: String) -> [String] {
            let absolute = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
            return URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().pathComponents
        }
        let inner = canonical(path), outer = canonical(folder)
        return inner.count > outer.count && Array(inner.prefix(outer.count)) == outer
    }
}
