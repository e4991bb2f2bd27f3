//! Peer suites in the sightglass layout, run unmodified: a folder of benchmark folders
//! (each holding one or more `*.wasm`, its input files and `<module>.stdout.expected` /
//! `<module>.stderr.expected`), or a `.suite` file listing module paths. Each module
//! becomes a workload of its own, run with its folder preopened as `.`, whose stdout and
//! stderr must equal the expected files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wasmbench_runtimes::Preopen;

use crate::manifest::{Manifest, ManifestError, Workload, WorkloadModule};

/// The only variable a sightglass benchmark reads: set (to `1`) it picks the benchmark's
/// small input.
pub const SMALL_WORKLOAD_ENV: &str = "WASM_BENCH_USE_SMALL_WORKLOAD";

/// Whether `--suite VALUE` names a suite on disk rather than a `[suite.NAME]` of the
/// manifest: a value with a path separator in it, or ending in `.suite`.
pub fn is_suite_path(value: &str) -> bool {
    value.contains('/') || value.contains(std::path::MAIN_SEPARATOR) || value.ends_with(".suite")
}

/// The workloads of the suite at `path` (a folder or a `.suite` file). With `small`, every
/// module gets `WASM_BENCH_USE_SMALL_WORKLOAD=1`; otherwise no env at all.
pub fn load(path: &Path, small: bool) -> Result<Manifest, ManifestError> {
    let modules = if path.is_dir() { modules_in_folder(path)? } else { modules_in_file(path)? };
    let mut per_folder: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for m in &modules {
        *per_folder.entry(folder_of(m)).or_default() += 1;
    }
    let env = if small { vec![(SMALL_WORKLOAD_ENV.to_string(), "1".to_string())] } else { Vec::new() };
    let mut workloads: Vec<Workload> = Vec::new();
    for module in modules {
        let folder = folder_of(&module);
        let name = workload_name(&module, per_folder[&folder] > 1);
        if workloads.iter().any(|w| w.name == name) {
            return Err(invalid(path, format!("two modules make the same benchmark name `{name}` (the second is {})", module.display())));
        }
        workloads.push(workload(name, module, folder, env.clone(), path)?);
    }
    Ok(Manifest { path: path.to_path_buf(), suites: BTreeMap::new(), workloads })
}

fn invalid(path: &Path, message: String) -> ManifestError {
    ManifestError::Invalid { path: path.to_path_buf(), message }
}

fn read_error(path: &Path, source: std::io::Error) -> ManifestError {
    ManifestError::Read { path: path.to_path_buf(), source }
}

fn folder_of(module: &Path) -> PathBuf {
    module.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// A folder's modules: its own `*.wasm` when it has some (one benchmark folder), else
/// those of its subfolders (a `benchmarks/` folder), sorted.
fn modules_in_folder(dir: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let own = wasm_files(dir)?;
    if !own.is_empty() {
        return Ok(own);
    }
    let mut modules = Vec::new();
    for sub in entries(dir)?.into_iter().filter(|p| p.is_dir()) {
        modules.extend(wasm_files(&sub)?);
    }
    if modules.is_empty() {
        return Err(invalid(dir, "no benchmark module (*.wasm) in this folder or its subfolders".into()));
    }
    Ok(modules)
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        paths.push(entry.map_err(|e| read_error(dir, e))?.path());
    }
    paths.sort();
    Ok(paths)
}

fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    Ok(entries(dir)?
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "wasm"))
        .collect())
}

/// The modules a `.suite` file lists: one path per line, relative to the file's folder;
/// blank lines and `#` comments are skipped.
fn modules_in_file(file: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let text = std::fs::read_to_string(file).map_err(|e| read_error(file, e))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut modules: Vec<PathBuf> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let module = base.join(line);
        if !module.is_file() {
            return Err(invalid(file, format!("line {}: module `{line}` ({}) does not exist", i + 1, module.display())));
        }
        if modules.contains(&module) {
            return Err(invalid(file, format!("line {}: module `{line}` is listed twice", i + 1)));
        }
        modules.push(module);
    }
    if modules.is_empty() {
        return Err(invalid(file, "lists no module (one path per line, `#` starts a comment)".into()));
    }
    Ok(modules)
}

/// The benchmark's name: its folder's name, or `folder.stem` when the folder holds several
/// modules (a `/` would end up in chart file names). Characters outside ASCII letters,
/// digits, `-`, `_` and `.` become `_`.
fn workload_name(module: &Path, several: bool) -> String {
    let name = |p: Option<&std::ffi::OsStr>| p.map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "module".into());
    let folder = name(module.parent().and_then(Path::file_name));
    let raw = if several { format!("{folder}.{}", name(module.file_stem())) } else { folder };
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// One benchmark module as a workload: its folder preopened as `.`, both expected files
/// required.
fn workload(name: String, module: PathBuf, folder: PathBuf, env: Vec<(String, String)>, suite: &Path) -> Result<Workload, ManifestError> {
    let stem = module.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let expected = |stream: &str| -> Result<PathBuf, ManifestError> {
        let file = folder.join(format!("{stem}.{stream}.expected"));
        if file.is_file() {
            return Ok(file);
        }
        Err(invalid(suite, format!("benchmark `{name}` ({}) has no expected {stream}: {} is missing", module.display(), file.display())))
    };
    Ok(Workload {
        description: format!("{}", module.display()),
        shape: String::new(),
        env,
        args: Vec::new(),
        stdin: None,
        preopens: vec![Preopen::new(folder.clone(), ".")],
        expected_stdout: expected("stdout")?,
        expected_stderr: Some(expected("stderr")?),
        expected_exit: 0,
        modules: vec![WorkloadModule { language: "wasm".into(), source: None, wasm: module, toolchain: String::new(), facts: None, native: None }],
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A benchmark folder `dir/name` with the given module files, each with both expected
    /// files unless `expect` is false.
    fn bench(dir: &Path, name: &str, modules: &[&str], expect: bool) {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("default.input"), "in").expect("input");
        for m in modules {
            std::fs::write(folder.join(format!("{m}.wasm")), b"\0asm\x01\0\0\0").expect("module");
            if expect {
                std::fs::write(folder.join(format!("{m}.stdout.expected")), "out").expect("stdout");
                std::fs::write(folder.join(format!("{m}.stderr.expected")), "err").expect("stderr");
            }
        }
    }

    #[test]
    fn a_benchmarks_folder_gives_one_workload_per_module() {
        let dir = tempfile::tempdir().expect("tempdir");
        bench(dir.path(), "alpha", &["benchmark"], true);
        bench(dir.path(), "beta", &["one", "two"], true);
        std::fs::create_dir(dir.path().join("docs")).expect("a folder without modules is skipped");
        let m = load(dir.path(), false).expect("suite");
        let names: Vec<&str> = m.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["alpha", "beta.one", "beta.two"]);
        let alpha = &m.workloads[0];
        assert_eq!(alpha.preopens, vec![Preopen::new(dir.path().join("alpha"), ".")]);
        assert_eq!(alpha.expected_stdout, dir.path().join("alpha/benchmark.stdout.expected"));
        assert_eq!(alpha.expected_stderr, Some(dir.path().join("alpha/benchmark.stderr.expected")));
        assert!(alpha.env.is_empty(), "no env without --small");
        assert_eq!(alpha.modules[0].language, "wasm");
        let small = load(dir.path(), true).expect("suite");
        assert_eq!(small.workloads[1].env, vec![(SMALL_WORKLOAD_ENV.to_string(), "1".to_string())]);
        // One benchmark folder on its own is a suite of one.
        let one = load(&dir.path().join("alpha"), false).expect("one benchmark");
        assert_eq!(one.workloads.len(), 1);
        assert_eq!(one.workloads[0].name, "alpha");
    }

    #[test]
    fn a_suite_file_lists_modules_relative_to_itself() {
        let dir = tempfile::tempdir().expect("tempdir");
        bench(dir.path(), "alpha", &["benchmark"], true);
        bench(dir.path(), "beta", &["benchmark"], true);
        let file = dir.path().join("two.suite");
        std::fs::write(&file, "# two benchmarks\nbeta/benchmark.wasm\n\n  alpha/benchmark.wasm  # trailing comment\n").expect("suite");
        let m = load(&file, false).expect("suite");
        let names: Vec<&str> = m.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["beta", "alpha"], "in the file's order");
        assert_eq!(m.path, file);
    }

    #[test]
    fn bad_suites_name_the_input() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let err = load(&empty, false).expect_err("no modules").to_string();
        assert!(err.contains("empty") && err.contains("no benchmark module"), "{err}");

        bench(dir.path(), "alpha", &["benchmark"], true);
        let file = dir.path().join("bad.suite");
        std::fs::write(&file, "alpha/benchmark.wasm\nmissing/benchmark.wasm\n").expect("suite");
        let err = load(&file, false).expect_err("missing module").to_string();
        assert!(err.contains("bad.suite") && err.contains("line 2") && err.contains("missing/benchmark.wasm"), "{err}");

        std::fs::write(&file, "# nothing\n").expect("suite");
        let err = load(&file, false).expect_err("empty suite").to_string();
        assert!(err.contains("lists no module"), "{err}");

        bench(dir.path(), "unchecked", &["benchmark"], false);
        let err = load(dir.path(), false).expect_err("no expected output").to_string();
        assert!(err.contains("`unchecked`") && err.contains("benchmark.stdout.expected"), "{err}");

        let err = load(&dir.path().join("nope.suite"), false).expect_err("no such file").to_string();
        assert!(err.contains("nope.suite"), "{err}");
    }

    #[test]
    fn suite_paths_are_told_from_suite_names() {
        assert!(is_suite_path("benchmarks/"));
        assert!(is_suite_path("./mine"));
        assert!(is_suite_path("all.suite"));
        assert!(!is_suite_path("default"));
        assert!(!is_suite_path("ci"));
    }
}
