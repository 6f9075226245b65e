import Foundation

/// A run file (pipelines/README.md): named stages of `facenas` commands, each stage's outputs the
/// next one's inputs, with the data they need and the protocols they apply.
struct Pipeline {
    struct Requirement: Equatable { var path: String; var section: String }

    struct Stage {
        var name: String
        var args: [String]
        /// Appended when the stage is run again after an interruption (e.g. `train --resume`).
        var resumeArgs: [String] = []
        /// Removed before an interrupted stage runs again (e.g. a half-written `synth` folder).
        var clean: [String] = []
        /// Names of `protocols/<name>.json` the stage applies.
        var protocols: [String] = []
    }

    /// Where the file came from, as the user named it; every error line starts with it.
    var source: String
    var name: String
    var description: String
    var variables: [String: String]
    var requires: [Requirement]
    var stages: [Stage]
}

struct PipelineError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension Pipeline {
    static let topLevelKeys: Set<String> = ["name", "description", "variables", "requires", "stages"]
    static let stageKeys: Set<String> = ["name", "args", "resume_args", "clean", "protocols"]

    static func load(_ path: String) throws -> Pipeline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError("\(path): cannot read the pipeline file (missing or unreadable)")
        }
        return try parse(data, source: path)
    }

    /// Reads the JSON by hand rather than with Codable so that a wrong type or a misspelt key
    /// comes back as one line naming the key, not a decoding trace.
    static func parse(_ data: Data, source: String) throws -> Pipeline {
        func fail(_ s: String) -> PipelineError { PipelineError("\(source): \(s)") }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON (\((error as NSError).userInfo["NSDebugDescription"] ?? error))")
        }
        guard let top = root as? [String: Any] else { throw fail("expected a JSON object at the top level") }
        if let k = top.keys.sorted().first(where: { !topLevelKeys.contains($0) }) {
            throw fail("unknown key \"\(k)\" (expected \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        guard let name = top["name"] as? String, !name.isEmpty else { throw fail("\"name\" must be a non-empty string") }
        guard let description = top["description"] as? String else { throw fail("\"description\" must be a string") }

        var variables: [String: String] = [:]
        guard let vars = (top["variables"] ?? [String: Any]()) as? [String: Any] else { throw fail("\"variables\" must be an object") }
        for (k, v) in vars {
            guard PipelineVariables.isName(k), k != PipelineVariables.runName else {
                throw fail("variable \"\(k)\": names are letters, digits and _, and \"run\" is reserved for the run folder")
            }
            switch v {
            case let s as String: variables[k] = s
            case let n as NSNumber: variables[k] = n.stringValue
            default: throw fail("variable \"\(k)\" must be a string or a number")
            }
        }

        guard let reqs = (top["requires"] ?? [Any]()) as? [[String: Any]] else {
            throw fail("\"requires\" must be a list of {\"path\", \"section\"} objects")
        }
        let requires = try reqs.enumerated().map { i, r -> Requirement in
            guard let path = r["path"] as? String, let section = r["section"] as? String, !path.isEmpty, !section.isEmpty, r.count == 2 else {
                throw fail("requires[\(i)]: expected {\"path\": \"...\", \"section\": \"<a datasets.md heading>\"}")
            }
            return Requirement(path: path, section: section)
        }

        guard let list = top["stages"] as? [[String: Any]], !list.isEmpty else { throw fail("\"stages\" must be a non-empty list of objects") }
        let stages = try list.enumerated().map { i, s in try stage(s, index: i, fail: fail) }
        let pipeline = Pipeline(source: source, name: name, description: description, variables: variables,
                                requires: requires, stages: stages)
        try pipeline.checkStructure()
        return pipeline
    }

    private static func stage(_ s: [String: Any], index i: Int, fail: (String) -> PipelineError) throws -> Stage {
        guard let name = s["name"] as? String, !name.isEmpty else { throw fail("stages[\(i)]: \"name\" must be a non-empty string") }
        if let k = s.keys.sorted().first(where: { !stageKeys.contains($0) }) {
            throw fail("stage \(name): unknown key \"\(k)\" (expected \(stageKeys.sorted().joined(separator: ", ")))")
        }
        func strings(_ key: String) throws -> [String] {
            guard let v = s[key] else { return [] }
            guard let a = v as? [String] else { throw fail("stage \(name): \"\(key)\" must be a list of strings") }
            return a
        }
        return Stage(name: name, args: try strings("args"), resumeArgs: try strings("resume_args"),
                     clean: try strings("clean"), protocols: try strings("protocols"))
    }

    /// Subcommands a stage may run: every `facenas` subcommand except the runners themselves.
    static var stageCommands: [String] {
        FaceNAS.configuration.subcommands.map { $0._commandName }.filter { $0 != "run" && $0 != "demo" }
    }

    /// What needs no files: unique, file-name-safe stage names and known commands.
    func checkStructure() throws {
        var seen = Set<String>()
        for s in stages {
            guard s.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), s.name.first != "-" else {
                throw PipelineError("\(source): stage \"\(s.name)\": names are letters, digits, - and _ (they name the log file)")
            }
            guard seen.insert(s.name).inserted else { throw PipelineError("\(source): stage name \"\(s.name)\" appears twice; stage names must be unique") }
            guard let command = s.args.first else { throw PipelineError("\(source): stage \(s.name): \"args\" is empty; args[0] must be a facenas subcommand") }
            guard Self.stageCommands.contains(command) else {
                throw PipelineError("\(source): stage \(s.name): unknown command \"\(command)\" (expected one of \(Self.stageCommands.joined(separator: ", ")))")
            }
        }
    }
}
