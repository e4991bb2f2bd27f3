//! A cold worker's peak RSS is the worker's own, not the harness's: `wait4`'s `ru_maxrss`
//! starts from the resident high-water mark of the parent's address space (the kernel
//! records it when the child execs), so a large parent would set every worker's figure.

use std::path::PathBuf;
use std::time::Duration;

use wasmbench::measure::client::run_worker_under;
use wasmbench::protocol::{Request, Response, Task};

#[test]
fn a_large_parent_does_not_raise_a_workers_peak_rss() {
    // Make this process (the worker's parent) resident in 400 MiB.
    let ballast = vec![1u8; 400 << 20];
    assert_eq!(ballast.iter().step_by(4096).map(|&b| b as usize).sum::<usize>(), ballast.len() / 4096);

    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let request = Request {
        expected_stdout: fixtures.join("ok.stdout"),
        max_memory_bytes: 1 << 30,
        max_output_bytes: 1 << 20,
        ..Request::one_shot(Task::Cold, "wasmtime-winch", fixtures.join("print.wat"), 10_000, 30_000)
    };
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_wasmbench"));
    let outcome = run_worker_under(&[], &exe, &request, Duration::from_secs(60));
    let own = match outcome.response.expect("worker answers") {
        Response::Ok(measured) => measured.peak_rss_bytes.expect("the worker reports its peak RSS"),
        Response::Failed { kind, message } => panic!("{kind}: {message}"),
    };
    let wait4 = outcome.max_rss_bytes.expect("wait4 rusage");
    // wait4's figure carries the parent's 400 MiB; the worker's own is far smaller.
    assert!(wait4 >= 400 << 20, "wait4 reported {wait4} bytes");
    assert!((1 << 20..200 << 20).contains(&own), "worker's own peak: {own} bytes");
    drop(ballast);
}
