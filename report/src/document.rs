//! The content of the human-readable report, independent of its format: the Markdown and
//! HTML exporters render the same [`Block`]s.

use wasmbench_data::{Cell, Environment, Measurement, Mode, Phase, Results, RunConfig, Unit};

use crate::cell::measurement;
use crate::chart::{in_own_section, memory_per_instance};
use crate::table::{format_ns, noise_warnings, NOISY_CI_HALF_WIDTH};
use crate::ReportInputs;

mod alternatives;
mod cost;
mod machine;
mod native_relative;
mod region;
mod shards;

pub use machine::{LOW_CPU_SHARE, MAX_SIGNAL_ROWS};

/// A chart as the report refers to it.
#[derive(Debug, Clone)]
pub struct ChartRef {
    pub file_name: String,
    pub title: String,
    pub caption: String,
}

/// One block of the report. Text may hold `code spans` in backticks; nothing else is markup.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    List(Vec<String>),
    /// Header, which columns are numeric (right-aligned), rows.
    Table(Vec<String>, Vec<bool>, Vec<Vec<String>>),
    /// Chart file name and its title.
    Image(String, String),
}

/// Build the report of `results` with the given charts, notes about left-out charts, and
/// the pricing model and workload shapes of the comparison with the alternatives.
pub fn build(results: &Results, charts: &[ChartRef], notes: &[String], inputs: &ReportInputs) -> Vec<Block> {
    let failed: Vec<&Cell> = results.cells.iter().filter(|c| c.error.is_some()).collect();
    let mut doc = title(results, failed.len());
    doc.extend(environment(&results.environment));
    doc.extend(shards::shards_section(results));
    doc.extend(method(&results.config));
    doc.extend(chart_section(charts, notes));
    doc.extend(results_section(results));
    doc.extend(alternatives::alternatives_section(results, charts));
    doc.extend(native_relative::native_relative_section(results, charts, &inputs.shapes));
    doc.extend(cost::cost_section(results, charts, &inputs.pricing));
    doc.extend(region::region_section(results));
    doc.extend(throughput_section(results));
    doc.extend(machine::machine_section(results, charts));
    doc.extend(failed_section(&failed));
    doc.extend(not_measured_section(results));
    doc.extend(noise_section(results));
    doc
}

/// The heading and the one-line summary of the run.
fn title(results: &Results, failed: usize) -> Vec<Block> {
    let env = &results.environment;
    vec![
        Block::Heading(1, "wasmbench report".into()),
        Block::Paragraph(format!(
            "Run of {} on `{}`: {} cells, {} measured, {} failed{}.",
            or_dash(&env.timestamp),
            or_dash(&env.hostname),
            results.cells.len(),
            results.cells.len() - failed,
            failed,
            if results.complete {
                String::new()
            } else {
                format!("; the run is incomplete ({} planned cells not measured)", results.missing.len())
            }
        )),
    ]
}

/// The machine, the software versions, the load and the timer overhead.
fn environment(env: &Environment) -> Vec<Block> {
    let mut env_rows = vec![
        ("CPU", format!("{} ({} cores)", or_dash(&env.cpu_model), env.cores)),
        ("CPU governor", env.cpu_governor.clone().unwrap_or_else(|| "not exposed".into())),
        ("OS / kernel / arch", format!("{} / {} / {}", or_dash(&env.os), or_dash(&env.kernel), or_dash(&env.arch))),
        ("wasmbench", format!("{} ({} build), commit {}", or_dash(&env.wasmbench_version), or_dash(&env.build_profile), env.git_commit.as_deref().unwrap_or("unknown"))),
        ("rustc", or_dash(&env.rustc).to_string()),
    ];
    let versions: Vec<String> = env.runtime_versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
    env_rows.push(("runtimes", if versions.is_empty() { "–".into() } else { versions.join(", ") }));
    let load = |l: Option<[f64; 3]>| l.map(|[a, b, c]| format!("{a:.2} {b:.2} {c:.2}")).unwrap_or_else(|| "–".into());
    env_rows.push(("load average before / after", format!("{} / {}", load(env.load_average_before), load(env.load_average_after))));
    if let Some(t) = env.timer_overhead_ns {
        env_rows.push(("timer overhead", format_ns(t)));
    }
    vec![
        Block::Heading(2, "Environment".into()),
        Block::Table(
            vec!["".into(), "value".into()],
            vec![false, false],
            env_rows.into_iter().map(|(k, v)| vec![k.to_string(), v]).collect(),
        ),
    ]
}

/// How the run measured: modes, budgets and limits, phases, rounds, statistics.
fn method(c: &RunConfig) -> Vec<Block> {
    let mut method = vec![
        format!(
            "Cold: each sample is a fresh worker process with a fresh engine (nothing cached); up to {} samples per cell. Warm: one worker prepares the module once, then instantiates and runs it afresh per sample; up to {} samples after {} discarded warm-up runs.",
            c.cold_samples, c.warm_samples, c.warmup
        ),
        format!(
            "Sampling of each mode stops after {} per cell once {} samples are taken. Each execution has a {} deadline, a {} MiB memory cap and a {} KiB output cap; every output is verified.",
            format_ns(c.max_time_ms as f64 * 1e6),
            c.min_samples,
            format_ns(c.deadline_ms as f64 * 1e6),
            c.max_memory_bytes >> 20,
            c.max_output_bytes >> 10
        ),
        "Phases: `engine` (create the engine), `prepare` (compile, or load an AOT artifact), `isolate` (V8 isolate + context), `instantiate`, `execute` (`_start`); cold `total` is their sum per sample, `process` the parent's wall time of the whole worker process, `peak-rss` its peak resident set.".into(),
        "Memory per instance: resident-set growth divided by the number of fresh instances held at once.".into(),
        "Figures are medians with the percentile-bootstrap 95% confidence interval of the median in brackets.".into(),
    ];
    if c.rounds > 1 {
        method.insert(2, rounds(c));
    }
    vec![Block::Heading(2, "Method".into()), Block::List(method)]
}

/// The method's sentence about rounds (a run with more than one).
fn rounds(c: &RunConfig) -> String {
    let extra = if c.precision_pct > 0.0 && c.max_rounds > c.rounds {
        format!(
            "; cells whose warm execute median was not yet known to ±{}% got further warm rounds, up to {} in all",
            c.precision_pct, c.max_rounds
        )
    } else {
        String::new()
    };
    format!(
        "Rounds: each cell's samples and time budget were split over {} passes over the re-shuffled matrix, each with fresh worker processes{extra}.",
        c.rounds
    )
}

/// Every chart with its title, each caption once, then the notes about left-out charts. The
/// machine-speed chart and the comparison's charts belong to their own sections instead.
fn chart_section(charts: &[ChartRef], notes: &[String]) -> Vec<Block> {
    let charts: Vec<&ChartRef> = charts.iter().filter(|c| !in_own_section(&c.file_name)).collect();
    let mut doc = vec![Block::Heading(2, "Charts".into())];
    if charts.is_empty() {
        doc.push(Block::Paragraph("No charts were drawn for this report.".into()));
    }
    let mut previous_caption = "";
    for chart in charts {
        doc.push(Block::Heading(3, chart.title.clone()));
        // Charts of one kind share their caption: say it once, before the first.
        if chart.caption != previous_caption {
            doc.push(Block::Paragraph(chart.caption.clone()));
            previous_caption = &chart.caption;
        }
        doc.push(Block::Image(chart.file_name.clone(), chart.title.clone()));
    }
    if !notes.is_empty() {
        doc.push(Block::List(notes.to_vec()));
    }
    doc
}

/// One table per workload of its measured cells.
fn results_section(results: &Results) -> Vec<Block> {
    let mut doc = vec![Block::Heading(2, "Results".into())];
    for workload in workloads(results) {
        doc.push(Block::Heading(3, workload.to_string()));
        let rows: Vec<Vec<String>> = results
            .cells
            .iter()
            .filter(|c| c.id.workload == workload && c.error.is_none())
            .map(result_row)
            .collect();
        if rows.is_empty() {
            doc.push(Block::Paragraph("Every cell of this workload failed (see below).".into()));
            continue;
        }
        doc.push(Block::Table(
            ["backend", "kind", "lang", "cold total", "cold process", "warm instantiate", "warm execute", "peak RSS", "per instance"]
                .map(String::from)
                .to_vec(),
            vec![false, false, false, true, true, true, true, true, true],
            rows,
        ));
    }
    doc
}

/// A measured cell's row of its workload's table.
fn result_row(c: &Cell) -> Vec<String> {
    let t = |mode, phase| measurement(c, mode, phase).map(with_ci).unwrap_or_else(|| "–".into());
    vec![
        c.id.backend.clone(),
        c.kind.to_string(),
        c.id.language.clone(),
        t(Mode::Cold, Phase::Total),
        t(Mode::Cold, Phase::Process),
        t(Mode::Warm, Phase::Instantiate),
        t(Mode::Warm, Phase::Execute),
        measurement(c, Mode::Cold, Phase::PeakRss).map(|m| bytes(m.summary.median)).unwrap_or_else(|| "–".into()),
        memory_per_instance(c).map(|(k, v)| format!("{} (k={k})", bytes(v))).unwrap_or_else(|| "–".into()),
    ]
}

/// Requests per second and latency of every throughput measurement, or why there are none.
fn throughput_section(results: &Results) -> Vec<Block> {
    let throughput: Vec<Vec<String>> = results
        .cells
        .iter()
        .flat_map(|c| {
            c.measurements
                .iter()
                .filter(|m| m.mode == Mode::Throughput && m.phase == Phase::Rate)
                .map(move |m| throughput_row(c, m))
        })
        .collect();
    let body = if throughput.is_empty() {
        Block::Paragraph(
            "This run has no throughput measurements (mode `throughput`); the throughput chart and table are left out.".into(),
        )
    } else {
        Block::Table(
            [
                "backend", "workload", "lang", "concurrency", "requests/s", "request latency", "p99 latency",
                "syscalls/req", "mm calls/req", "faults/req", "TLB shootdowns/req",
            ]
            .map(String::from)
            .to_vec(),
            vec![false, false, false, true, true, true, true, true, true, true, true],
            throughput,
        )
    };
    let why = "The per-request columns are what the kernel did for the measuring threads (system calls and the address-space calls `mmap`/`munmap`/`mprotect`/`madvise` from perf tracepoints, page faults from `getrusage`) and the machine's TLB shootdown interrupts: a rate that falls when a second thread joins shows its cause there (– where this machine did not let the worker count).";
    vec![Block::Heading(2, "Throughput".into()), body, Block::Paragraph(why.into())]
}

/// The row of `rate`, a throughput measurement of `c`, with the request latency measured
/// at the same concurrency.
fn throughput_row(c: &Cell, rate: &Measurement) -> Vec<String> {
    let latency = c
        .measurements
        .iter()
        .find(|r| r.mode == Mode::Throughput && r.phase == Phase::Request && r.concurrency == rate.concurrency);
    let per_request = |phase| {
        c.measurements
            .iter()
            .find(|r| r.mode == Mode::Throughput && r.phase == phase && r.concurrency == rate.concurrency)
            .map_or_else(|| "–".into(), |m| format!("{:.2}", m.summary.median))
    };
    vec![
        c.id.backend.clone(),
        c.id.workload.clone(),
        c.id.language.clone(),
        rate.concurrency.map(|k| k.to_string()).unwrap_or_else(|| "–".into()),
        with_ci(rate),
        latency.map(with_ci).unwrap_or_else(|| "–".into()),
        latency.map(|l| format_ns(l.summary.p99)).unwrap_or_else(|| "–".into()),
        per_request(Phase::Syscalls),
        per_request(Phase::MmSyscalls),
        per_request(Phase::Faults),
        per_request(Phase::TlbShootdowns),
    ]
}

/// The failed cells with their error kinds and the first line of their messages.
fn failed_section(failed: &[&Cell]) -> Vec<Block> {
    if failed.is_empty() {
        return Vec::new();
    }
    let rows = failed
        .iter()
        .filter_map(|c| {
            let e = c.error.as_ref()?;
            Some(vec![
                c.id.backend.clone(),
                c.id.workload.clone(),
                c.id.language.clone(),
                e.kind.to_string(),
                e.message.lines().next().unwrap_or("").chars().take(160).collect(),
            ])
        })
        .collect();
    vec![
        Block::Heading(2, "Failed cells".into()),
        Block::Table(["backend", "workload", "lang", "error", "message"].map(String::from).to_vec(), vec![false; 5], rows),
    ]
}

/// The planned cells an incomplete run did not measure.
fn not_measured_section(results: &Results) -> Vec<Block> {
    if results.missing.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Heading(2, "Not measured".into()),
        Block::List(results.missing.iter().map(|m| m.to_string()).collect()),
    ]
}

/// The timed measurements whose median is uncertain (95% CI wider than ±5% of it), worst
/// first (the first 20).
fn noise_section(results: &Results) -> Vec<Block> {
    let noisy = noise_warnings(results);
    if noisy.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<String> = noisy.iter().take(20).cloned().collect();
    if noisy.len() > 20 {
        items.push(format!(
            "… and {} more (statistics `median_ci95_lo` and `median_ci95_hi` in results.csv)",
            noisy.len() - 20
        ));
    }
    vec![
        Block::Heading(2, "Noisy measurements".into()),
        Block::Paragraph(format!(
            "{} timed measurements have a median whose 95% confidence interval reaches more than ±{}% \
             around it: differences of that size between them are not established.",
            noisy.len(),
            NOISY_CI_HALF_WIDTH * 100.0
        )),
        Block::List(items),
    ]
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "–" } else { s }
}

fn workloads(results: &Results) -> Vec<&str> {
    crate::chart::ordered(results.cells.iter().map(|c| c.id.workload.as_str()))
}

/// `12.3 ms [12.1 – 12.6]`: the median and its 95% confidence interval.
pub fn with_ci(m: &Measurement) -> String {
    let f = |v: f64| value(m.unit, v);
    let [lo, hi] = m.summary.median_ci95;
    if m.summary.n < 2 || (lo == 0.0 && hi == 0.0) {
        f(m.summary.median)
    } else {
        let (median, lo, hi) = (f(m.summary.median), f(lo), f(hi));
        // `12.3 ms [12.1 – 12.6]` when all three share a unit, else each with its own.
        let unit = |s: &str| s.rsplit_once(' ').map(|(_, u)| u.to_string());
        match (unit(&median), unit(&lo), unit(&hi)) {
            (Some(a), Some(b), Some(c)) if a == b && b == c => {
                let bare = |s: &str| s.rsplit_once(' ').map(|(n, _)| n.to_string()).unwrap_or_default();
                format!("{median} [{} – {}]", bare(&lo), bare(&hi))
            }
            _ => format!("{median} [{lo} – {hi}]"),
        }
    }
}

/// A value in human units.
pub fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Nanoseconds => format_ns(v),
        Unit::Bytes => bytes(v),
        Unit::PerSecond => format!("{} req/s", crate::chart::number(v)),
        Unit::Instructions => format!("{v:.0}"),
        Unit::PerRequest => format!("{v:.2}/req"),
    }
}

/// Bytes in KiB or MiB.
pub fn bytes(v: f64) -> String {
    if v >= 1048576.0 {
        format!("{:.1} MiB", v / 1048576.0)
    } else if v >= 1024.0 {
        format!("{:.0} KiB", v / 1024.0)
    } else {
        format!("{v:.0} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_with_their_interval() {
        let results = crate::fixture::results();
        let m = &results.cells[0].measurements[8];
        assert_eq!((m.mode, m.phase), (Mode::Warm, Phase::Execute));
        assert_eq!(with_ci(m), "100.00 ms [97.00 – 103.00]");
        let mut mixed = m.clone();
        mixed.summary.median_ci95 = [0.9e6, 1.1e9];
        assert_eq!(with_ci(&mixed), "100.00 ms [900.0 µs – 1.10 s]");
        assert_eq!(bytes(6.0 * 1024.0), "6 KiB");
    }
}
