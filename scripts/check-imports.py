#!/usr/bin/env python3
"""Check that Package.swift declares every import a target makes, and that no target imports one
above it.

Reads the targets of Package.swift (name; path: Sources/NAME, Tests/NAME for test targets, or an
explicit `path:`; `exclude:`; dependencies, by name or as `.target(name:)`, `.byName(name:)`,
`.product(name:package:)`), then every `import X` (also `@testable import X`, `import struct X.Y`,
`public import X`) in each target's .swift files, string literals and comments left out.

A problem, one line each, naming the file and the module:
  - a target imports a module of this package that it does not declare;
  - a target imports a target that sits above it: one that depends on it, directly or not (a cycle);
  - a target imports a product module (ArgumentParser) without declaring that product;
  - a target imports a module that is none of these and not a system module;
  - the declared dependencies themselves form a cycle, or name a target that does not exist.
System modules (Foundation, Dispatch, Glibc, Darwin, Musl, Testing, XCTest, ...) are allowed
everywhere. Exit status 1 when there is a problem, else 0 with a one-line summary.

  python3 scripts/check-imports.py [PACKAGE_DIR]
"""
import os
import re
import sys

SYSTEM_MODULES = {
    "Swift", "_Concurrency", "_StringProcessing", "RegexBuilder", "Synchronization", "Observation",
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking", "FoundationXML",
    "Dispatch", "Glibc", "Musl", "Darwin", "os", "WinSDK", "ucrt", "Android",
    "Testing", "XCTest",
}

TARGET_KINDS = ("target", "executableTarget", "testTarget", "systemLibrary", "binaryTarget", "macro", "plugin")


# --- Swift text: blank out comments and string literals, keep every newline ---------------------

def blank(text, keep_strings=False):
    """`text` with comments and (unless `keep_strings`) string literals replaced by spaces,
    newlines kept, so that what remains is code at the same offsets and line numbers."""
    out = list(text)
    n = len(text)

    def wipe(a, b):
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    def code(i, stop_at_paren):
        """Scans code from i; with stop_at_paren, returns the index just past the `)` that closes
        an interpolation. Returns n at the end of the text."""
        depth = 0
        while i < n:
            c = text[i]
            if text.startswith("//", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                wipe(i, j)
                i = j
            elif text.startswith("/*", i):
                j, level = i + 2, 1
                while j < n and level:
                    if text.startswith("/*", j):
                        level += 1; j += 2
                    elif text.startswith("*/", j):
                        level -= 1; j += 2
                    else:
                        j += 1
                wipe(i, j)
                i = j
            elif c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 64])):
                i = string(i)
            elif stop_at_paren and c == "(":
                depth += 1; i += 1
            elif stop_at_paren and c == ")":
                if depth == 0:
                    return i + 1
                depth -= 1; i += 1
            else:
                i += 1
        return n

    def string(i):
        """Blanks the string literal starting at i (optional #s, then " or \"\"\"); returns the
        index past its end."""
        start = i
        hashes = 0
        while text[i] == "#":
            hashes += 1; i += 1
        multi = text.startswith('"""', i)
        i += 3 if multi else 1
        close = ('"""' if multi else '"') + "#" * hashes
        escape = "\\" + "#" * hashes
        while i < n:
            if text.startswith(escape, i):
                j = i + len(escape)
                if j < n and text[j] == "(":
                    if not keep_strings:
                        wipe(start, i)          # the interpolation itself is code
                    i = code(j + 1, True)
                    start = i
                    continue
                i = j + 1
                continue
            if text.startswith(close, i):
                i += len(close)
                if not keep_strings:
                    wipe(start, i)
                return i
            if not multi and text[i] == "\n":   # unterminated: stop at the line's end
                break
            i += 1
        if not keep_strings:
            wipe(start, i)
        return i

    code(0, False)
    return "".join(out)


IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"                       # @testable, @_exported, @preconcurrency ...
    r"(?:(?:public|package|internal|fileprivate|private|open)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)")


def imports(path):
    """(line number, module) for every import statement of a Swift file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = blank(f.read())
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for statement in line.split(";"):
            m = IMPORT.match(statement)
            if m:
                found.append((number, m.group(1)))
    return found


# --- Package.swift ------------------------------------------------------------------------------

def matching(text, i):
    """Index of the bracket that closes the one at text[i] (strings and comments already blanked)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[text[i]]]
    j = i + 1
    while j < len(text) and stack:
        c = text[j]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
        j += 1
    if stack:
        raise SystemExit(f"check-imports: Package.swift: unbalanced bracket at offset {i}")
    return j - 1


def top_level_items(text, a, b):
    """The comma-separated items of text[a:b] at bracket depth 0, as (start, end) ranges."""
    items, depth, start = [], 0, a
    for j in range(a, b):
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            items.append((start, j)); start = j + 1
    items.append((start, b))
    return items


def parse_package(path):
    with open(path, encoding="utf-8") as f:
        raw = blank(f.read(), keep_strings=True)   # comments blanked, strings kept
    code = blank(raw)                              # same offsets; strings blanked too

    def literal(s, e):
        """The string literal within raw[s:e] (the item's text), or None."""
        m = re.search(r'"((?:[^"\\]|\\.)*)"', raw[s:e])
        return m.group(1) if m else None

    def argument(s, e, label):
        """(start, end) of the value of `label:` at the top level of the call spanning s..e."""
        for a, b in top_level_items(code, s, e):
            m = re.match(r"\s*" + label + r"\s*:", code[a:b])
            if m:
                return a + m.end(), b
        return None

    def strings(s, e):
        """Every string literal in an array argument such as exclude: [...]."""
        return [m.group(1) for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', raw[s:e])]

    targets = {}
    kinds = "|".join(TARGET_KINDS)
    for m in re.finditer(r"\.(" + kinds + r")\s*\(", code):
        # Only calls inside the `targets:` array count; a `.target(name:)` dependency sits inside
        # another target's call and is skipped below.
        open_at = m.end() - 1
        close_at = matching(code, open_at)
        s, e = open_at + 1, close_at
        name_arg = argument(s, e, "name")
        if not name_arg:
            continue
        if any(t["span"][0] < m.start() < t["span"][1] for t in targets.values()):
            continue
        name = literal(*name_arg)
        kind = m.group(1)
        path_arg = argument(s, e, "path")
        default_root = "Tests" if kind == "testTarget" else ("Plugins" if kind == "plugin" else "Sources")
        tpath = literal(*path_arg) if path_arg else f"{default_root}/{name}"
        excl = argument(s, e, "exclude")
        deps, products = [], []
        dep_arg = argument(s, e, "dependencies")
        if dep_arg:
            a, b = dep_arg
            lb = code.index("[", a)
            for ds, de in top_level_items(code, lb + 1, matching(code, lb)):
                item = raw[ds:de].strip()
                if not item:
                    continue
                value = literal(ds, de)
                if item.startswith(".product"):
                    pa = argument(code.index("(", ds) + 1, matching(code, code.index("(", ds)), "name")
                    products.append(literal(*pa))
                elif value is not None:
                    deps.append(value)
        targets[name] = {
            "kind": kind, "path": tpath, "deps": deps, "products": products,
            "exclude": strings(*excl) if excl else [], "span": (m.start(), close_at),
        }
    if not targets:
        raise SystemExit("check-imports: Package.swift: no targets found")
    return targets


# --- the check ----------------------------------------------------------------------------------

def swift_files(root, target):
    base = os.path.join(root, target["path"])
    excluded = [os.path.normpath(os.path.join(base, x)) for x in target["exclude"]]
    files = []
    for directory, subdirs, names in os.walk(base):
        subdirs[:] = sorted(d for d in subdirs if os.path.normpath(os.path.join(directory, d)) not in excluded)
        for name in sorted(names):
            p = os.path.join(directory, name)
            if name.endswith(".swift") and os.path.normpath(p) not in excluded:
                files.append(p)
    return files


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    targets = parse_package(os.path.join(root, "Package.swift"))
    problems = []

    for name, t in targets.items():
        for d in t["deps"]:
            if d not in targets:
                problems.append(f"Package.swift: target {name} depends on {d}, which is not a target of this package")

    def below(name, seen=None):
        """Every target `name` depends on, directly or not."""
        seen = set() if seen is None else seen
        for d in targets.get(name, {}).get("deps", []):
            if d in targets and d not in seen:
                seen.add(d)
                below(d, seen)
        return seen

    closure = {name: below(name) for name in targets}
    for name in targets:
        if name in closure[name]:
            problems.append(f"Package.swift: target {name} depends on itself through its dependencies (a cycle)")

    all_products = {p for t in targets.values() for p in t["products"]}
    checked_targets = files_read = import_count = 0
    for name, t in targets.items():
        if t["kind"] in ("systemLibrary", "binaryTarget"):
            continue
        base = os.path.join(root, t["path"])
        if not os.path.isdir(base):
            problems.append(f"Package.swift: target {name}: its folder {t['path']} does not exist")
            continue
        checked_targets += 1
        for path in swift_files(root, t):
            files_read += 1
            rel = os.path.relpath(path, root)
            for line, module in imports(path):
                import_count += 1
                if module in SYSTEM_MODULES or module == name:
                    continue
                if module in targets:
                    if name in closure[module] and name not in closure[name]:   # a declared cycle is reported once above
                        problems.append(f"{rel}:{line}: {name} imports {module}, which sits above it "
                                        f"({module} depends on {name}): a cycle")
                    elif module not in t["deps"]:
                        problems.append(f"{rel}:{line}: {name} imports {module} but does not declare it in Package.swift")
                elif module in all_products:
                    if module not in t["products"]:
                        problems.append(f"{rel}:{line}: {name} imports {module} but does not declare the product "
                                        f"{module} in Package.swift")
                elif module not in t["products"]:
                    problems.append(f"{rel}:{line}: {name} imports {module}, which is no target or declared product "
                                    f"of this package and no system module")

    if problems:
        for p in problems:
            print(p)
        print(f"check-imports: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-imports: {checked_targets} targets, {files_read} Swift files, {import_count} imports: "
          f"every import declared in Package.swift, none upward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
