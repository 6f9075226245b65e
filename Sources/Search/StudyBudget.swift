import Foundation

/// How cheaply a ranking study scores a network, to be compared with the reference training.
///
/// Spelling on the command line (`--budgets`, comma-separated):
/// - `epochs:K` — every network trained K epochs, its schedule spanning those K epochs;
/// - `params` — parameter count alone, nothing trained;
/// - `dynamic` or `dynamic:BASE:STEP` — networks sorted by parameters, the i-th (0-based, fewest
///   parameters first) trained ⌊BASE + i·STEP⌋ epochs, as the article's dynamic ranking does;
/// - face proxies `size:S`, `identities:N`, `images:N`, joined to each other and to `epochs:K` with
///   `+` (`size:56+epochs:2`); without `epochs:` a proxy trains for the reference epochs.
public enum StudyBudget: Hashable, Sendable, CustomStringConvertible {
    case params
    case dynamic(base: Int, step: Double)
    /// `epochs:K` alone is a proxy with only `epochs` set.
    case proxy(StudyProxy)

    public static let defaultDynamic = StudyBudget.dynamic(base: 1, step: 0.5)

    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        func bad(_ why: String) -> StudyError { StudyError("budget \"\(text)\": \(why)") }
        if s == "params" { self = .params; return }
        if s == "dynamic" { self = Self.defaultDynamic; return }
        if s.hasPrefix("dynamic:") {
            let parts = s.dropFirst("dynamic:".count).split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let base = Int(parts[0]), let step = Double(parts[1]) else {
                throw bad("expected dynamic:BASE:STEP, e.g. dynamic:1:0.5")
            }
            guard base >= 1, step >= 0, step.isFinite else { throw bad("BASE must be at least 1 and STEP at least 0") }
            self = .dynamic(base: base, step: step); return
        }
        var proxy = StudyProxy()
        for term in s.split(separator: "+", omittingEmptySubsequences: false) {
            let kv = term.split(separator: ":", omittingEmptySubsequences: false)
            guard kv.count == 2, let n = Int(kv[1]) else {
                throw bad("unknown budget (expected epochs:K, params, dynamic[:BASE:STEP], size:S, identities:N, images:N)")
            }
            guard n >= 1 else { throw bad("\(kv[0]) must be at least 1") }
            switch kv[0] {
            case "epochs" where proxy.epochs == nil: proxy.epochs = n
            case "size" where proxy.size == nil: proxy.size = n
            case "identities" where proxy.identities == nil: proxy.identities = n
            case "images" where proxy.images == nil: proxy.images = n
            case "epochs", "size", "identities", "images": throw bad("\(kv[0]) given twice")
            default:
                throw bad("unknown budget \"\(kv[0])\" (expected epochs:K, params, dynamic[:BASE:STEP], size:S, identities:N, images:N)")
            }
        }
        self = .proxy(proxy)
    }

    /// The canonical spelling, as journals and reports name the budget.
    public var description: String {
        switch self {
        case .params: return "params"
        case let .dynamic(base, step): return "dynamic:\(base):\(Self.number(step))"
        case let .proxy(p): return p.description
        }
    }

    /// Whether networks are trained under this budget.
    public var trains: Bool { self != .params }

    /// Epochs of the network at `rank` in parameter order (0 = fewest parameters); nil: not trained.
    public func epochs(parameterRank rank: Int, reference: Int) -> Int? {
        switch self {
        case .params: return nil
        case let .dynamic(base, step): return base + Int((Double(rank) * step).rounded(.down))
        case let .proxy(p): return p.epochs ?? reference
        }
    }

    /// A one-line problem with this budget in a study of `networks` networks, or nil.
    public func problem(networks: Int, referenceEpochs: Int, space: SpaceName, referenceSize: Int) -> String? {
        switch self {
        case .params: return nil
        case .dynamic:
            let longest = epochs(parameterRank: networks - 1, reference: referenceEpochs)!
            if longest > referenceEpochs {
                return "budget \(self): its last network trains \(longest) epochs, longer than the reference's \(referenceEpochs)"
            }
        case let .proxy(p):
            if let e = p.epochs, e > referenceEpochs {
                return "budget \(self): \(e) epochs is longer than the reference's \(referenceEpochs)"
            }
            if p.isFaceProxy, space != .ir { return "budget \(self): size, identities and images are face proxies (--space ir)" }
            if let s = p.size, s > referenceSize { return "budget \(self): size \(s) is larger than the reference's \(referenceSize)" }
            if let s = p.size, s < 16 { return "budget \(self): size \(s) is below 16, the ir space's smallest input" }
            if p == StudyProxy() { return "budget \(self): an empty proxy" }
        }
        return nil
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// The cheaper training of a proxy budget: fewer epochs, smaller images, fewer identities or images.
public struct StudyProxy: Hashable, Sendable, CustomStringConvertible {
    public var epochs: Int?
    public var size: Int?
    public var identities: Int?
    public var images: Int?
    public init(epochs: Int? = nil, size: Int? = nil, identities: Int? = nil, images: Int? = nil) {
        self.epochs = epochs; self.size = size; self.identities = identities; self.images = images
    }

    public var isFaceProxy: Bool { size != nil || identities != nil || images != nil }

    public var description: String {
        var parts: [String] = []
        if let size { parts.append("size:\(size)") }
        if let identities { parts.append("identities:\(identities)") }
        if let images { parts.append("images:\(images)") }
        if let epochs { parts.append("epochs:\(epochs)") }
        return parts.joined(separator: "+")
    }
}

/// A study setting that cannot work, as one line.
public struct StudyError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
