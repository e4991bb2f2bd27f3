//! Records the exact versions of this crate's direct dependencies, read from the
//! workspace's Cargo.lock, as a table in `$OUT_DIR/locked_versions.rs` (the registry looks
//! each runtime family's crate up in it, so a new family needs nothing here).
//!
//! With the `v8` feature it also builds the C++ shim of runtimes/v8/ into a shared object
//! linked against Debian's libnode (unpacked by scripts/setup-v8.sh), and records the V8
//! version from the unpacked headers.

use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    if std::env::var_os("CARGO_FEATURE_V8").is_some() {
        v8::build(&manifest_dir);
    }
    record_locked_versions(&manifest_dir);
}

/// Writes `&[("crate", "version"), ...]` for every direct dependency of this crate.
fn record_locked_versions(manifest_dir: &Path) {
    let lock = manifest_dir.join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    // Without a lock file (e.g. a packaged crate) versions are reported as "unknown".
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let this = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let mut table = String::from("&[\n");
    for (name, version) in direct_dependencies(&lock_packages(&text), &this) {
        table.push_str(&format!("    ({name:?}, {version:?}),\n"));
    }
    table.push(']');
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let path = out_dir.join("locked_versions.rs");
    if let Err(e) = std::fs::write(&path, table) {
        eprintln!("error: writing {}: {e}", path.display());
        std::process::exit(1);
    }
}

/// One `[[package]]` of Cargo.lock.
#[derive(Default)]
struct Package {
    name: String,
    version: String,
    /// `"name"` or `"name version"` (when several versions of `name` are locked).
    dependencies: Vec<String>,
}

fn lock_packages(text: &str) -> Vec<Package> {
    let unquote = |s: &str| s.trim().trim_end_matches(',').trim_matches('"').to_string();
    let mut packages: Vec<Package> = Vec::new();
    let mut in_dependencies = false;
    for line in text.lines() {
        if line == "[[package]]" {
            packages.push(Package::default());
            in_dependencies = false;
        } else if let Some(package) = packages.last_mut() {
            if in_dependencies {
                if line.starts_with(']') {
                    in_dependencies = false;
                } else {
                    package.dependencies.push(unquote(line));
                }
            } else if let Some(rest) = line.strip_prefix("name = ") {
                package.name = unquote(rest);
            } else if let Some(rest) = line.strip_prefix("version = ") {
                package.version = unquote(rest);
            } else if line.starts_with("dependencies = [") {
                in_dependencies = true;
            }
        }
    }
    packages
}

/// `(name, version)` of each direct dependency of the package `this`.
fn direct_dependencies(packages: &[Package], this: &str) -> Vec<(String, String)> {
    let Some(package) = packages.iter().find(|p| p.name == this) else {
        return Vec::new();
    };
    package
        .dependencies
        .iter()
        .filter_map(|dep| {
            let mut words = dep.split_whitespace();
            let name = words.next()?;
            let version = match words.next() {
                Some(version) => version.to_string(),
                None => packages.iter().find(|p| p.name == name)?.version.clone(),
            };
            Some((name.to_string(), version))
        })
        .collect()
}

#[cfg(feature = "v8")]
mod v8 {
    //! The V8 shim: `runtimes/v8/shim.cc` compiled (with the `cc` crate's compiler settings)
    //! into `$OUT_DIR/libwasmbench_v8.so`, linked with `-lnode` and an RPATH (not RUNPATH,
    //! hence `--disable-new-dtags`: libnode's own dependency libcares is unpacked beside it
    //! and only RPATH applies to indirect dependencies). The Rust side dlopen()s it by the
    //! absolute path given in `WASMBENCH_V8_SHIM`, so binaries that depend on this crate
    //! need no link flags of their own.

    use std::path::{Path, PathBuf};
    use std::process::Command;

    fn die(message: &str) -> ! {
        eprintln!("error: {message}");
        std::process::exit(1);
    }

    /// The folder scripts/setup-v8.sh unpacked libnode into.
    fn libnode_dir(manifest_dir: &Path) -> PathBuf {
        println!("cargo:rerun-if-env-changed=WASMBENCH_LIBNODE_DIR");
        match std::env::var_os("WASMBENCH_LIBNODE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => manifest_dir.join("..").join(".tools").join("libnode"),
        }
    }

    /// The folder under `root/usr/lib` that holds libnode.so.
    fn find_lib_dir(root: &Path) -> Option<PathBuf> {
        let lib = root.join("usr").join("lib");
        let mut candidates = vec![lib.clone()];
        if let Ok(entries) = std::fs::read_dir(&lib) {
            candidates.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
        candidates
            .into_iter()
            .find(|d| d.join("libnode.so").exists())
    }

    /// "10.2.154.26" from v8-version.h.
    fn v8_version(include: &Path) -> Option<String> {
        let text = std::fs::read_to_string(include.join("v8-version.h")).ok()?;
        let field = |name: &str| {
            text.lines().find_map(|l| {
                let rest = l.trim().strip_prefix("#define ")?.strip_prefix(name)?;
                rest.trim().parse::<u32>().ok()
            })
        };
        Some(format!(
            "{}.{}.{}.{}",
            field("V8_MAJOR_VERSION ")?,
            field("V8_MINOR_VERSION ")?,
            field("V8_BUILD_NUMBER ")?,
            field("V8_PATCH_LEVEL ")?
        ))
    }

    /// Written by scripts/setup-v8.sh into the libnode folder once it is complete; keep the
    /// name in step with the script.
    const SETUP_STAMP: &str = ".wasmbench-setup-done";

    pub fn build(manifest_dir: &Path) {
        let root = libnode_dir(manifest_dir);
        let include = root.join("usr").join("include").join("node");
        let lib_dir = find_lib_dir(&root);
        let stamp = root.join(SETUP_STAMP);
        let (Some(lib_dir), true) = (lib_dir, include.join("v8.h").exists()) else {
            // Rerun once libnode is there. Not by watching its files: `dpkg-deb -x` gives
            // them the packaged modification times (years old), older than this script's
            // last run, so cargo would never see them change. The stamp setup-v8.sh writes
            // after unpacking is new; until it exists, cargo reruns this script on every
            // build (a missing watched file counts as changed), so a folder unpacked by
            // hand is found too.
            println!("cargo:rerun-if-changed={}", stamp.display());
            // Without libnode the crate still builds: the V8 backends then report
            // themselves unavailable (`wasmbench list` says why) instead of failing a
            // plain `cargo build` on a fresh checkout.
            println!(
                "cargo:warning=V8 backends disabled: Debian's libnode (V8 10.2) is not unpacked in {}; \
                 run scripts/setup-v8.sh (or set WASMBENCH_LIBNODE_DIR) and rebuild",
                root.display()
            );
            return;
        };
        let shim_dir = manifest_dir.join("v8");
        let source = shim_dir.join("shim.cc");
        for file in ["shim.cc", "shim.h"] {
            println!("cargo:rerun-if-changed={}", shim_dir.join(file).display());
        }
        for header in ["v8.h", "v8-version.h"] {
            println!("cargo:rerun-if-changed={}", include.join(header).display());
        }
        // A new unpack (setup-v8.sh refreshes the stamp) rebuilds the shim; a folder
        // without the stamp (unpacked by hand) must not make every build rerun this.
        if stamp.exists() {
            println!("cargo:rerun-if-changed={}", stamp.display());
        }
        if let Some(version) = v8_version(&include) {
            println!("cargo:rustc-env=WASMBENCH_VERSION_V8={version}");
        }

        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
        let output = out_dir.join("libwasmbench_v8.so");
        let compiler = cc::Build::new()
            .cpp(true)
            .pic(true)
            .opt_level(2)
            .debug(false)
            .cargo_metadata(false)
            .get_compiler();
        let mut cmd: Command = compiler.to_command();
        cmd.arg("-std=c++17")
            .arg("-shared")
            .arg("-Wall")
            .arg("-Wno-unused-parameter")
            .arg(format!("-I{}", include.display()))
            .arg(format!("-I{}", shim_dir.display()))
            .arg(&source)
            .arg("-o")
            .arg(&output)
            .arg(format!("-L{}", lib_dir.display()))
            .arg("-lnode")
            .arg(format!(
                "-Wl,--disable-new-dtags,-rpath,{}",
                lib_dir.display()
            ));
        match cmd.status() {
            Ok(status) if status.success() => {}
            Ok(status) => die(&format!("compiling the V8 shim failed ({status}): {cmd:?}")),
            Err(e) => die(&format!("cannot run the C++ compiler: {e}: {cmd:?}")),
        }
        println!("cargo:rustc-env=WASMBENCH_V8_SHIM={}", output.display());
    }
}

#[cfg(not(feature = "v8"))]
mod v8 {
    pub fn build(_: &std::path::Path) {}
}
