import Foundation

/// The settings of two journaled configurations that differ, each as `name journal-value in the
/// journal, now-value now`; names are dotted JSON paths, shown as the CLI flag when `flags` has one.
/// A search and a study refuse to resume with other settings by the same comparison.
func settingDifferences<C: Encodable>(now: C, journal: C, flags: [String: String] = [:]) -> [String] {
    let a = flattenedSettings(now), b = flattenedSettings(journal)
    return Set(a.keys).union(b.keys).sorted().compactMap { k in
        let x = a[k] ?? "none", y = b[k] ?? "none"
        return x == y ? nil : "\(flags[k] ?? k) \(y) in the journal, \(x) now"
    }
}

/// Every leaf of `c`'s sorted JSON under its dotted path.
func flattenedSettings<C: Encodable>(_ c: C) -> [String: String] {
    guard let d = try? JSONEncoder.sorted.encode(c), let o = try? JSONSerialization.jsonObject(with: d) else { return [:] }
    var out: [String: String] = [:]
    func walk(_ v: Any, _ path: String) {
        if let dict = v as? [String: Any] {
            for (k, x) in dict { walk(x, path.isEmpty ? k : path + "." + k) }
        } else {
            out[path] = "\(v)"
        }
    }
    walk(o, "")
    return out
}
