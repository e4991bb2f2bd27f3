#!/usr/bin/env python3
"""How well two runs of the same matrix agree: warm execute medians, cell by cell.

Usage: repeatability.py FIRST/results.json SECOND/results.json [--shape compute] [--limit 5]

For every cell measured without error in both runs (optionally only workloads of one
manifest shape), prints |second/first - 1| of the warm `execute` median, then the median
and the largest deviation and how many cells are within --limit percent. Exit status 1 if
any cell deviates by more than --limit percent, 2 for bad input.
"""

import argparse
import json
import sys
import tomllib
from pathlib import Path


def load(path):
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"repeatability: cannot read {path}: {e}")
    if doc.get("schema_version") != 1:
        sys.exit(f"repeatability: {path}: not a wasmbench results document of schema version 1")
    medians = {}
    for cell in doc["cells"]:
        if cell.get("error"):
            continue
        for m in cell["measurements"]:
            if m["mode"] == "warm" and m["phase"] == "execute":
                key = (cell["backend"], cell["workload"], cell["language"])
                medians[key] = m["summary"]["median"]
    return medians


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--shape", help="only workloads of this manifest shape (e.g. compute)")
    ap.add_argument("--limit", type=float, default=5.0, help="percent")
    ap.add_argument("--manifest", default=Path(__file__).parent.parent / "workloads/manifest.toml")
    args = ap.parse_args()
    shapes = {
        w["name"]: w.get("shape", "")
        for w in tomllib.loads(Path(args.manifest).read_text())["workload"]
    }
    a, b = load(args.first), load(args.second)
    keys = sorted(k for k in a.keys() & b.keys() if not args.shape or shapes.get(k[1]) == args.shape)
    if not keys:
        sys.exit("repeatability: no cell measured in both runs" + (f" with shape {args.shape}" if args.shape else ""))
    deviations = []
    print("| backend | workload | language | first (ms) | second (ms) | deviation |")
    print("|---|---|---|---:|---:|---:|")
    for k in keys:
        d = abs(b[k] / a[k] - 1.0) * 100.0 if a[k] > 0 else float("inf")
        deviations.append(d)
        print(f"| {k[0]} | {k[1]} | {k[2]} | {a[k] / 1e6:.3f} | {b[k] / 1e6:.3f} | {d:.2f}% |")
    deviations.sort()
    within = sum(d <= args.limit for d in deviations)
    mid = deviations[len(deviations) // 2]
    print(
        f"\n{len(deviations)} cells: median deviation {mid:.2f}%, largest {deviations[-1]:.2f}%, "
        f"{within} within {args.limit:g}%"
    )
    sys.exit(0 if within == len(deviations) else 1)


if __name__ == "__main__":
    main()
