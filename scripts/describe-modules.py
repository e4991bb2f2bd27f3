#!/usr/bin/env python3
"""Record what each built module is in workloads/manifest.toml.

For every `[[workload.module]]` whose `wasm` is a built module, writes (or, with --check,
compares) these generated lines after its `toolchain` line:

    bytes = 12345
    sha256 = "..."
    imports = ["wasi_snapshot_preview1::fd_write", ...]   # imported functions
    exports = ["_start"]                                   # exported functions
    features = ["bulk-memory", "sign-ext"]                 # proposals beyond Wasm 1.0

Facts come from wabt (wasm-objdump, wasm-validate), independently of the harness, which
finds them with wasmparser; a harness test checks that both agree on every module.
A feature counts as used when the module stops validating with that feature disabled.
Feature names are wasmbench's (see runtimes/src/module_info.rs).

A module with a native build (built/<name>.<lang>.x86_64-linux beside its .wasm) also gets

    native = { file = "built/<name>.<lang>.x86_64-linux", toolchain = "...", bytes = N, sha256 = "..." }

with the toolchain given for its language (--native-toolchain LANG=TEXT, as
scripts/build-workloads.sh passes them), else the one the manifest already records.
A language given with --native-toolchain must have a native build of every module.

Usage: describe-modules.py [--check] [--native-toolchain LANG=TEXT]... [MANIFEST]
"""

import argparse
import hashlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# wasmbench name -> wasm-validate flag that turns the feature off (wabt 1.0.32 enables
# these by default; the build script refuses modules using any feature it does not).
FEATURES = [
    ("mutable-globals", "--disable-mutable-globals"),
    ("sign-ext", "--disable-sign-extension"),
    ("nontrapping-fptoint", "--disable-saturating-float-to-int"),
    ("multivalue", "--disable-multi-value"),
    ("bulk-memory", "--disable-bulk-memory"),
    ("reference-types", "--disable-reference-types"),
    ("simd", "--disable-simd"),
]
GENERATED = ("bytes", "sha256", "imports", "exports", "features", "native")
NATIVE_SUFFIX = "x86_64-linux"


def validates(path, *flags):
    result = subprocess.run(
        ["wasm-validate", *flags, str(path)], capture_output=True, text=True
    )
    return result.returncode == 0


def describe(path):
    data = path.read_bytes()
    if not validates(path):
        sys.exit(f"describe-modules: {path} is not a valid module")
    features = [name for name, flag in FEATURES if not validates(path, flag)]
    dump = subprocess.run(
        ["wasm-objdump", "-x", str(path)],  # (a second -j would replace the first)
        capture_output=True, text=True, check=True,
    ).stdout
    imports = re.findall(r"^ - func\[\d+\] .*<- ([^.\s]+)\.(\S+)$", dump, re.M)
    exports = re.findall(r'^ - func\[\d+\] .*-> "([^"]*)"$', dump, re.M)
    return {
        "bytes": str(len(data)),
        "sha256": f'"{hashlib.sha256(data).hexdigest()}"',
        "imports": toml_list(f"{m}::{n}" for m, n in imports),
        "exports": toml_list(exports),
        "features": toml_list(features),
    }


def toml_list(items):
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


def toml_str(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def describe_native(root, wasm, toolchains, recorded):
    """The `native` inline table of the module built as `wasm`, or None without a native build."""
    stem, lang, _ = wasm.rsplit(".", 2)
    rel = f"{stem}.{lang}.{NATIVE_SUFFIX}"
    path = root / rel
    if not path.is_file():
        if lang in toolchains:
            sys.exit(f"describe-modules: {path} is missing: build it with scripts/build-workloads.sh")
        return None
    toolchain = toolchains.get(lang) or recorded.get(wasm)
    if not toolchain:
        sys.exit(f"describe-modules: {path}: no toolchain for it; give --native-toolchain {lang}=TEXT")
    data = path.read_bytes()
    return (
        f"{{ file = {toml_str(rel)}, toolchain = {toml_str(toolchain)}, "
        f'bytes = {len(data)}, sha256 = "{hashlib.sha256(data).hexdigest()}" }}'
    )


def parse_args():
    parser = argparse.ArgumentParser(description="Record what each built module is in the manifest.")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--native-toolchain", action="append", default=[], metavar="LANG=TEXT")
    parser.add_argument("manifest", nargs="?", default=Path(__file__).parent.parent / "workloads/manifest.toml")
    args = parser.parse_args()
    toolchains = {}
    for item in args.native_toolchain:
        lang, sep, text = item.partition("=")
        if not sep or not lang or not text:
            parser.error(f"--native-toolchain {item!r}: expected LANG=TEXT")
        toolchains[lang] = text
    return args.check, toolchains, Path(args.manifest)


def main():
    check, toolchains, manifest = parse_args()
    root = manifest.parent
    text = manifest.read_text()
    parsed = tomllib.loads(text)  # refuse a manifest that is not TOML before touching it
    # Native toolchains the manifest records, by module wasm path.
    recorded = {
        m["wasm"]: m["native"]["toolchain"]
        for w in parsed.get("workload", [])
        for m in w.get("module", [])
        if isinstance(m.get("native"), dict) and "toolchain" in m["native"]
    }

    out = []
    module = None  # generated lines of the current module, once its wasm is known
    pending = False
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if line.startswith("["):
            module, pending = None, False
        if module is not None and key in GENERATED:
            continue  # regenerated below
        out.append(line)
        m = re.match(r'^wasm = "(built/[^"]+\.wasm)"$', line)
        if m:
            module = describe(root / m.group(1))
            module["native"] = describe_native(root, m.group(1), toolchains, recorded)
            pending = True
        if pending and key == "toolchain":
            out.extend(f"{k} = {module[k]}" for k in GENERATED if module[k] is not None)
            pending = False
    new = "\n".join(out) + "\n"
    if check:
        if new != text:
            sys.exit(
                "describe-modules: workloads/manifest.toml does not describe the built modules; "
                "run scripts/build-workloads.sh (or scripts/describe-modules.py)"
            )
        print("describe-modules: manifest metadata matches the built modules")
    elif new != text:
        manifest.write_text(new)
        print(f"describe-modules: updated {manifest}")


if __name__ == "__main__":
    main()
