#!/usr/bin/env python3
"""Checks two rules of the project's layout (CONTRIBUTING.md, "House rules"):

1. No function longer than 80 lines (signature to closing brace) outside tests, in the
   crates harness/, runtimes/, gateway/, report/ and history/. Test code — `#[cfg(test)]`
   modules, `tests/`, `benches/` — is exempt.
2. The modules of every crate form an acyclic graph: an edge A -> B for every `crate::B`
   path used in the files of top-level module A (A's own file or folder). A cycle means
   two ideas that cannot be understood one without the other: merge them or cut one edge.

    scripts/check-layout.py [--max-lines N] [ROOT]

Exit status 0 when both hold, 1 with one line per violation otherwise, 2 on bad usage.
"""
import argparse
import os
import re
import sys

CRATES_FN = ["harness", "runtimes", "gateway", "report", "history"]
CRATES_GRAPH = ["harness", "runtimes", "gateway", "report", "data", "history"]


def blank(text):
    return re.sub(r"[^\n]", " ", text)


def strip(src):
    """Source with comments, strings and char literals blanked out (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', src[i:i + 260])) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(blank(src[i:j]))
            i = j
        elif src[i] == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(blank(src[i:j + 1]))
            i = j + 1
        elif src[i] == "'" and (m := re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", src[i:i + 12])):
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def matching_brace(s, k):
    depth = 0
    for j in range(k, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(s) - 1


def without_test_modules(s):
    """Blank out `#[cfg(test)] mod name { ... }` blocks."""
    for m in reversed(list(re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", s))):
        end = matching_brace(s, m.end() - 1)
        s = s[:m.start()] + blank(s[m.start():end + 1]) + s[end + 1:]
    return s


def rust_files(crate_src):
    """(path, stripped text) of a crate's non-test source files."""
    test_files = set()
    files = []
    for dirpath, _, names in os.walk(crate_src):
        for name in sorted(names):
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                text = strip(open(path, encoding="utf-8").read())
                for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
                    here = dirpath if name in ("mod.rs", "lib.rs", "main.rs") else os.path.join(dirpath, name[:-3])
                    test_files.add(os.path.join(here, m.group(1) + ".rs"))
                    test_files.add(os.path.join(here, m.group(1), "mod.rs"))
                files.append((path, text))
    return [(p, without_test_modules(t)) for p, t in files if p not in test_files]


def body_start(s, i):
    """Where the body of the function whose signature starts at `i` opens, or None for a
    declaration without body (`;` outside the parameter list's brackets, as in
    `fn f(a: [u8; 4]);`)."""
    depth = 0
    for j in range(i, len(s)):
        c = s[j]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and c == "{":
            return j
        elif depth == 0 and c == ";":
            return None
    return None


def long_functions(root, limit):
    found = []
    for crate in CRATES_FN:
        sources = [os.path.join(root, crate, "src")]
        build = os.path.join(root, crate, "build.rs")
        files = rust_files(sources[0])
        if os.path.exists(build):
            files.append((build, without_test_modules(strip(open(build, encoding="utf-8").read()))))
        for path, s in files:
            for m in re.finditer(r"\bfn\s+(\w+)", s):
                brace = body_start(s, m.end())
                if brace is None:
                    continue
                end = matching_brace(s, brace)
                first, last = s.count("\n", 0, m.start()) + 1, s.count("\n", 0, end) + 1
                if last - first + 1 > limit:
                    found.append(f"{os.path.relpath(path, root)}:{first}: fn {m.group(1)} has {last - first + 1} lines (at most {limit})")
    return found


def module_of(crate_src, path):
    rel = os.path.relpath(path, crate_src)
    top = rel.split(os.sep)[0]
    return top[:-3] if top.endswith(".rs") else top


def cycles(root):
    found = []
    for crate in CRATES_GRAPH:
        src = os.path.join(root, crate, "src")
        if not os.path.isdir(src):
            continue
        edges = {}
        for path, s in rust_files(src):
            a = module_of(src, path)
            if a in ("lib", "main"):
                continue
            for b in re.findall(r"\bcrate::(\w+)", s):
                if b != a:
                    edges.setdefault(a, set()).add(b)
            # `use crate::{a, b::c}` groups
            for group in re.findall(r"\bcrate::\{([^}]*)\}", s):
                for b in re.findall(r"(?:^|,)\s*(\w+)", group):
                    if b != a:
                        edges.setdefault(a, set()).add(b)
        found += [f"{crate}: module cycle {' -> '.join(c)}" for c in find_cycles(edges)]
    return found


def find_cycles(edges):
    """One cycle per strongly connected component with more than one module."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(path_around(sorted(component), edges))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def path_around(component, edges):
    """A cycle through the first module of a strongly connected component."""
    start, members = component[0], set(component)
    paths = [[start]]
    while paths:
        path = paths.pop(0)
        for w in sorted(edges.get(path[-1], ())):
            if w == start:
                return path + [start]
            if w in members and w not in path:
                paths.append(path + [w])
    return component


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument("--max-lines", type=int, default=80)
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.root, "harness")):
        print(f"check-layout: {args.root} is not a wasmbench checkout (no harness/)", file=sys.stderr)
        return 2
    problems = long_functions(args.root, args.max_lines) + cycles(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layout: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check-layout: no function over %d lines; module graphs acyclic" % args.max_lines, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
