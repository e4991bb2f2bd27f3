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

Usage: describe-modules.py [--check] [MANIFEST]
"""

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
GENERATED = ("bytes", "sha256", "imports", "exports", "features")


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
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    manifest = Path(args[0] if args else Path(__file__).parent.parent / "workloads/manifest.toml")
    root = manifest.parent
    text = manifest.read_text()
    tomllib.loads(text)  # refuse a manifest that is not TOML before touching it

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
            pending = True
        if pending and key == "toolchain":
            out.extend(f"{k} = {module[k]}" for k in GENERATED)
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
