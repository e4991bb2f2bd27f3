//! The drift sentinel under a disturbance the test makes itself: a CPU hog on both cores
//! for a few seconds in the middle of a run. The sentinel must show it, the cells measured
//! then must be flagged and measured again, and their final medians must agree with an
//! undisturbed run of the same cells within the run's precision target.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmbench_data::{Cell, Mode, Phase, Results};

/// Interpreters and compilers on a ~2–25 ms workload: seven cells of about a second each.
/// (Not Pulley: its speed depends on where its code lands in a process, ±10% from one
/// worker to the next, which is not what this test is about. Not Winch either: its json
/// median moved from 4.17 to 5.72 ms between six undisturbed runs of this command on the
/// 2-core VM, with and without LLVM linked in, and one CI run failed on it at -35%.)
const BACKENDS: &str = "wasmi,wasmi-lazy,wasm3,wamr-interp,wasmtime-cranelift,wasmer-cranelift,wasmer-singlepass";
/// The precision target given to both runs, in percent.
const PRECISION: f64 = 10.0;
/// How much slower a re-measured median may be than the undisturbed run's: the precision target
/// plus the spread between undisturbed runs in different worker processes, which the
/// target does not bound (wamr-interp json: 28.5–31.7 ms over six runs, one CI run +13%).
/// Under the hog the same cells run at least 50% slow (the sentinel's check above).
const TOLERANCE: f64 = 1.5 * PRECISION;
/// The backends whose re-measured median is held to [`TOLERANCE`]. The compilers'
/// json medians move more than that between worker processes of undisturbed rounds
/// (where their code and data land): in one CI run `wasmtime-cranelift` came out 21%
/// *faster* and `wasmer-cranelift` 28% slower than the undisturbed run, both re-measured
/// after the hog had stopped. They are still run, flagged and measured again; only the
/// comparison of medians is for the interpreters, whose spread stays within it.
const COMPARED: [&str; 4] = ["wasmi", "wasmi-lazy", "wasm3", "wamr-interp"];

fn command(out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wasmbench"));
    c.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    // Two rounds, so that each median comes from two worker processes.
    c.args(["run", "-b", BACKENDS, "-w", "json", "--language", "c", "--cold-samples", "2", "--samples", "16"]);
    c.args(["--min-samples", "16", "--rounds", "2", "--precision", &PRECISION.to_string(), "--concurrency", "0"]);
    c.args(["--order", "planned", "--sentinel-every", "0", "--no-external", "--no-charts", "-o"]);
    c.arg(out);
    c
}

fn read(dir: &Path) -> Option<Results> {
    Results::from_json(&std::fs::read_to_string(dir.join("results.json")).ok()?).ok()
}

fn warm_execute(cell: &Cell) -> f64 {
    let m = cell.measurements.iter().find(|m| m.mode == Mode::Warm && m.phase == Phase::Execute);
    m.unwrap_or_else(|| panic!("{}: no warm execute", cell.id)).summary.median
}

/// Two threads that spin until `stop`.
fn hog(stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..2)
        .map(|_| {
            let stop = Arc::clone(stop);
            std::thread::spawn(move || {
                let mut x = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..10_000 {
                        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    }
                }
            })
        })
        .collect()
}

/// A run with the hog on from the moment its second cell is written until 3 s later.
fn disturbed_run(out: &Path) -> Results {
    let mut child = command(out).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("wasmbench runs");
    let began = Instant::now();
    while read(out).is_none_or(|r| r.cells.len() < 2) {
        assert!(began.elapsed() < Duration::from_secs(120), "the run never wrote two cells");
        std::thread::sleep(Duration::from_millis(20));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let threads = hog(&stop);
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().expect("hog thread"));
    assert!(child.wait().expect("wait").success(), "the disturbed run failed");
    read(out).expect("results")
}

#[test]
fn a_cpu_hog_is_seen_flagged_and_measured_away() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (calm_dir, hogged_dir) = (dir.path().join("calm"), dir.path().join("hogged"));
    assert!(command(&calm_dir).output().expect("run").status.success(), "the undisturbed run failed");
    let calm = read(&calm_dir).expect("results");
    let hogged = disturbed_run(&hogged_dir);

    let sentinel = hogged.sentinel.as_ref().expect("a sentinel series");
    let worst = sentinel.probes.iter().filter_map(|p| sentinel.slowdown_pct(p)).fold(0.0, f64::max);
    assert!(worst > 50.0, "the sentinel shows the hog (worst probe {worst:.0}% slow): {sentinel:?}");

    let remeasured: Vec<&Cell> =
        hogged.cells.iter().filter(|c| !c.disturbed.is_empty() && c.disturbed.iter().all(|d| d.remeasured)).collect();
    assert!(!remeasured.is_empty(), "cells measured under the hog are flagged and measured again");
    assert!(
        remeasured.iter().any(|c| COMPARED.contains(&c.id.backend.as_str())),
        "the hog (from the third cell on, in planned order) disturbed an interpreter cell, whose median is compared"
    );
    let starved = remeasured.iter().flat_map(|c| c.machine.iter().filter(|m| c.disturbed.iter().any(|d| d.round == m.round)));
    assert!(starved.filter_map(|m| m.cpu_share()).any(|s| s < 0.95), "their workers waited for a CPU while the hog ran");
    for cell in remeasured {
        let reference = calm.cells.iter().find(|c| c.id == cell.id).expect("same cells in both runs");
        let (new, old) = (warm_execute(cell), warm_execute(reference));
        let off = (new / old - 1.0) * 100.0;
        eprintln!("{}: disturbed {:?}; measured again {new:.0} ns, undisturbed {old:.0} ns ({off:+.1}%)", cell.id, cell.disturbed);
        // One-sided: a hog only slows a cell down, so a re-measured median below the
        // undisturbed one is per-process spread, not a disturbance left in (seen: -35%).
        if COMPARED.contains(&cell.id.backend.as_str()) {
            assert!(off <= TOLERANCE, "{}: measured again, {new:.0} ns against {old:.0} ns undisturbed ({off:+.1}%)", cell.id);
        }
    }
}
