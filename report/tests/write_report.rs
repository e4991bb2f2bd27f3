//! The whole report with the comparison's inputs: a pricing file of one's own and the
//! workloads' shapes, as the harness passes them.

use std::collections::BTreeMap;

use wasmbench_report::pricing::DEFAULT_PRICING;
use wasmbench_report::{write_report_with, LogScale, ReportInputs, ReportOptions};

#[test]
fn a_report_priced_from_a_file_with_compute_workloads_singled_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pricing = dir.path().join("dear.toml");
    std::fs::write(&pricing, DEFAULT_PRICING.replace("per_million_requests = 0.20", "per_million_requests = 2.00"))
        .expect("write pricing");
    let shapes = BTreeMap::from([("fib".to_string(), "compute".to_string()), ("hello".to_string(), "cold-start".to_string())]);
    let inputs = ReportInputs::load(Some(&pricing), shapes).expect("inputs");
    let out = dir.path().join("report");
    let options = ReportOptions { charts: true, log_scale: LogScale::Auto };
    write_report_with(&wasmbench_report::fixture::results(), &out, options, &inputs).expect("report");

    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    for expected in [
        "## Versus the alternatives",
        "![Versus the alternatives — fib](alternatives-fib.png)",
        "## Execution relative to native",
        "over the workloads of shape `compute`: fib.",
        "| wasmtime-cranelift | 1.25× | 2.67× | 1.25× (n=1) |",
        "## Cost per million requests",
        "$2.000 per million requests",
        &format!("read from `{}`", pricing.display()),
        "![Cost per million requests — fib](cost-fib.png)",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    for file in ["alternatives-fib.png", "alternatives-hello.png", "native-relative.png", "cost-fib.png", "cost-hello.png"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // Every chart is embedded once in the HTML, the comparison's in their own sections.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 16);
}
