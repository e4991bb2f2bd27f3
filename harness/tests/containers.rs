//! The native and container backends through the real CLI: outputs verified, and no
//! container, bundle or root file system left behind — after a run, after a failed cell,
//! and after a run killed with SIGKILL (the janitor sweeps it). Where runc cannot run
//! (not root, no runc), the container backend must say why and the native cell must
//! still work.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wasmbench::manifest::{default_manifest_path, Manifest, WorkloadModule};
use wasmbench::process_backend::ProcessBackend;
use wasmbench_data::{ErrorKind, Mode, Phase, Results};

/// A `wasmbench` with its runc state and bundle folders in `dir`.
fn wasmbench(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmbench"));
    command.env("WASMBENCH_RUNC_ROOT", dir.join("state")).env("WASMBENCH_BUNDLES", dir.join("bundles"));
    command
}

/// The C module of `workload` in the project's manifest (it has a native build).
fn c_module(workload: &str) -> WorkloadModule {
    let manifest = Manifest::load(&default_manifest_path()).expect("project manifest");
    let w = manifest.workload(workload).expect("workload");
    let m = w.modules.iter().find(|m| m.language == "c").expect("C module");
    assert!(m.native.is_some(), "{workload} (c) has a native build");
    m.clone()
}

/// A manifest with one workload `name`: fib's C module and native build, fib(INPUT), and
/// the expected stdout given.
fn fib_manifest(dir: &Path, name: &str, input: u32, expected: &str) -> PathBuf {
    let m = c_module("fib");
    let native = m.native.expect("native build");
    std::fs::write(dir.join(format!("{name}.stdout")), expected).expect("write expected");
    let text = format!(
        "schema = 1\n[[workload]]\nname = \"{name}\"\nshape = \"compute\"\nenv = {{ INPUT = \"{input}\" }}\n\
         expected_stdout = \"{name}.stdout\"\n[[workload.module]]\nlanguage = \"c\"\nwasm = \"{}\"\n\
         native = {{ file = \"{}\", toolchain = \"t\", bytes = {}, sha256 = \"{}\" }}\n",
        m.wasm.display(),
        native.file.display(),
        native.bytes,
        native.sha256
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// Entries left in the runc state and bundle folders.
fn leftovers(dir: &Path) -> Vec<String> {
    ["state", "bundles"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).into_iter().flatten())
        .filter_map(|e| Some(e.ok()?.path().display().to_string()))
        .collect()
}

fn results(out: &Path) -> Results {
    Results::from_json(&std::fs::read_to_string(out.join("results.json")).expect("results.json")).expect("results")
}

fn median(r: &Results, backend: &str, mode: Mode, phase: Phase) -> f64 {
    let cell = r.cells.iter().find(|c| c.id.backend == backend).unwrap_or_else(|| panic!("{backend} cell"));
    assert!(cell.error.is_none(), "{backend}: {:?}", cell.error);
    let m = cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase);
    m.unwrap_or_else(|| panic!("{backend} {mode} {phase}")).summary.median
}

#[test]
fn native_and_container_cells_are_verified_and_leave_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let mut backends = vec!["native"];
    let container = ProcessBackend::Container.detect();
    if let Err(reason) = &container {
        eprintln!("container backend unavailable here: {reason}");
        let listed = wasmbench(dir.path()).arg("list").output().expect("list");
        let text = String::from_utf8_lossy(&listed.stdout).into_owned();
        assert!(text.contains(reason.as_str()), "`wasmbench list` gives the reason: {text}");
    } else {
        backends.extend(["container", "container-wasmtime-cranelift"]);
    }
    // From the checkout's root, as the README's commands run it: the default manifest is
    // then the relative `workloads/manifest.toml`, and so are the native builds' paths.
    let status = wasmbench(dir.path())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["run", "-w", "hello,fib", "--language", "c", "--cold-samples", "2", "--samples", "3", "--no-sentinel"])
        .args(["-b", &backends.join(","), "-o"])
        .arg(&out)
        .status()
        .expect("wasmbench runs");
    assert!(status.success());
    let r = results(&out);
    if backends.len() > 1 {
        // WebAssembly in a container: the worker's own phases, and runc's whole process
        // around them.
        let contained = "container-wasmtime-cranelift";
        assert!(median(&r, contained, Mode::Cold, Phase::Process) > median(&r, contained, Mode::Cold, Phase::Total));
        assert!(median(&r, contained, Mode::Warm, Phase::Execute) > 0.0);
    }
    for b in backends.iter().filter(|b| !b.starts_with("container-")) {
        // Spawn to exit of a static binary: more than 50 µs, well under a minute.
        assert!((5e4..6e10).contains(&median(&r, b, Mode::Cold, Phase::Process)), "{b}");
        assert!(median(&r, b, Mode::Cold, Phase::PeakRss) > 1e5, "{b}");
        assert!(median(&r, b, Mode::Cold, Phase::Execute) > 0.0, "{b}: the side channel's execute time");
    }
    // Its own main is part of the process: execute is less than spawn to exit.
    assert!(median(&r, "native", Mode::Warm, Phase::Execute) < median(&r, "native", Mode::Cold, Phase::Process));
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_wrong_output_is_a_failed_cell_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fib_manifest(dir.path(), "wrong", 10, "not what fib prints\n");
    let out = dir.path().join("out");
    let backends = if ProcessBackend::Container.detect().is_ok() { "native,container" } else { "native" };
    let status = wasmbench(dir.path())
        .args(["run", "--no-sentinel", "--cold-samples", "1", "--samples", "1", "-b", backends, "--manifest"])
        .arg(&manifest)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("wasmbench runs");
    assert_eq!(status.code(), Some(1), "failed cells exit 1");
    for cell in &results(&out).cells {
        let error = cell.error.as_ref().unwrap_or_else(|| panic!("{}: a wrong output is an error", cell.id));
        assert_eq!(error.kind, ErrorKind::WrongOutput, "{}: {}", cell.id, error.message);
    }
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_killed_run_leaves_no_container_behind() {
    if let Err(reason) = ProcessBackend::Container.detect() {
        eprintln!("skipped: the container backend cannot run here: {reason}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // fib(50) natively: minutes, so the run is surely inside a container when killed.
    let manifest = fib_manifest(dir.path(), "slow", 50, "never compared\n");
    let mut run = wasmbench(dir.path())
        .args(["run", "--no-sentinel", "--cold-samples", "1", "--samples", "0", "--deadline", "600", "-b", "container"])
        .arg("--manifest")
        .arg(&manifest)
        .arg("-o")
        .arg(dir.path().join("out"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("wasmbench starts");
    let began = Instant::now();
    while std::fs::read_dir(dir.path().join("state")).map_or(true, |mut d| d.next().is_none()) {
        assert!(began.elapsed() < Duration::from_secs(60), "no container started within a minute");
        std::thread::sleep(Duration::from_millis(50));
    }
    run.kill().expect("SIGKILL the run");
    run.wait().expect("reap the run");
    let killed = Instant::now();
    while !leftovers(dir.path()).is_empty() {
        assert!(killed.elapsed() < Duration::from_secs(30), "left behind: {:?}", leftovers(dir.path()));
        std::thread::sleep(Duration::from_millis(100));
    }
    let listed = Command::new("runc").arg("--root").arg(dir.path().join("state")).arg("list").output().expect("runc list");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 1, "only the header: {listed:?}");
}
