//! The report's Machine section: what the machine was (its fingerprint) and what it did
//! while the run measured (the drift sentinel, the cells it caught off speed, the rounds
//! whose workers waited for a CPU or lost time to the hypervisor).

use wasmbench_data::{Cell, Fingerprint, MachineSignals, Results, Sentinel};

use super::{bytes, or_dash, Block, ChartRef};
use crate::chart::MACHINE_SPEED_FILE;
use crate::table::format_ns;

/// Rounds whose workers were on a CPU for less than this share of their wall time are
/// listed (a single-threaded worker that never waited has about 1).
pub const LOW_CPU_SHARE: f64 = 0.9;
/// Steal time, as a share of a round's worker wall time, above which the round is listed:
/// the kernel counts steal in ticks of 10 ms, so a single tick in a long round is noise.
pub const STOLEN_SHARE: f64 = 0.01;
/// The most rounds the machine-signals table lists.
pub const MAX_SIGNAL_ROWS: usize = 10;

/// The Machine section, or one line saying the results record nothing of the machine.
pub(super) fn machine_section(results: &Results, charts: &[ChartRef]) -> Vec<Block> {
    let mut doc = vec![Block::Heading(2, "Machine".into())];
    let has_signals = results.cells.iter().any(|c| !c.machine.is_empty() || !c.disturbed.is_empty());
    if results.environment.fingerprint.is_none() && results.sentinel.is_none() && !has_signals {
        doc.push(Block::Paragraph(
            "These results record no machine fingerprint, drift sentinel or per-round machine signals \
             (written by a wasmbench that did not record them yet)."
                .into(),
        ));
        return doc;
    }
    doc.extend(fingerprint(results.environment.fingerprint.as_ref()));
    doc.extend(sentinel(results.sentinel.as_ref(), charts));
    doc.extend(disturbed(results));
    doc.extend(signals(results));
    doc
}

/// The machine's identity as a small table.
fn fingerprint(f: Option<&Fingerprint>) -> Vec<Block> {
    let heading = Block::Heading(3, "Fingerprint".into());
    let Some(f) = f else {
        return vec![heading, Block::Paragraph("No machine fingerprint in these results.".into())];
    };
    let cpu = format!(
        "{}, family {}, model {}, stepping {}",
        or_dash(&f.cpu_vendor),
        or_dash(&f.cpu_family),
        or_dash(&f.cpu_model_number),
        or_dash(&f.cpu_stepping)
    );
    let memory = if f.memory_bytes >= 1 << 30 {
        format!("{:.1} GiB", f.memory_bytes as f64 / f64::from(1u32 << 30))
    } else {
        bytes(f.memory_bytes as f64)
    };
    let rows = [
        ("CPU", cpu),
        ("microcode", or_dash(&f.microcode).to_string()),
        ("cache", or_dash(&f.cache).to_string()),
        ("CPU flags digest", format!("`{}`", or_dash(&f.flags_digest))),
        ("clock at the start", f.mhz.map(|m| format!("{m:.0} MHz")).unwrap_or_else(|| "not exposed".into())),
        ("logical CPUs", f.logical_cpus.to_string()),
        ("memory", memory),
        ("hypervisor", or_dash(&f.hypervisor).to_string()),
        ("kernel", or_dash(&f.kernel).to_string()),
    ];
    let rows = rows.into_iter().map(|(k, v)| vec![k.to_string(), v]).collect();
    vec![heading, Block::Table(vec!["".into(), "value".into()], vec![false, false], rows)]
}

/// The sentinel's figures and the machine-speed chart.
fn sentinel(s: Option<&Sentinel>, charts: &[ChartRef]) -> Vec<Block> {
    let heading = Block::Heading(3, "Drift sentinel".into());
    let Some(s) = s else {
        return vec![
            heading,
            Block::Paragraph(
                "No drift sentinel in these results: whether the machine's speed changed during the run is not known.".into(),
            ),
        ];
    };
    let span_ms = s.probes.iter().map(|p| p.at_ms).max().unwrap_or(0) - s.probes.iter().map(|p| p.at_ms).min().unwrap_or(0);
    let ns = |v: Option<f64>| v.map(format_ns).unwrap_or_else(|| "–".into());
    let mut doc = vec![
        heading,
        Block::Paragraph(format!(
            "A native loop of {} iterations and a Wasm loop of {} iterations on `{}`, timed between cells. \
             Drift is the range of the probes' slowdowns against the run median; a cell's round measured \
             while the machine was more than the threshold off its median speed is flagged and measured again.",
            s.native_iterations,
            s.wasm_iterations,
            or_dash(&s.backend)
        )),
        Block::Table(
            ["probes", "over", "median native", "median Wasm", "drift", "threshold"].map(String::from).to_vec(),
            vec![true; 6],
            vec![vec![
                s.probes.len().to_string(),
                format!("{:.1} min", span_ms as f64 / 60_000.0),
                ns(s.median_native_ns()),
                ns(s.median_wasm_ns()),
                s.drift_pct().map(|d| format!("{d:.1}%")).unwrap_or_else(|| "–".into()),
                format!("±{}%", crate::chart::number(s.threshold_pct)),
            ]],
        ),
    ];
    if let Some(chart) = charts.iter().find(|c| c.file_name == MACHINE_SPEED_FILE) {
        doc.push(Block::Image(chart.file_name.clone(), chart.title.clone()));
    }
    doc
}

/// The cells' rounds measured while the sentinel saw the machine off its speed.
fn disturbed(results: &Results) -> Vec<Block> {
    let rows: Vec<Vec<String>> = results
        .cells
        .iter()
        .flat_map(|c| c.disturbed.iter().map(move |d| (c, d)))
        .map(|(c, d)| {
            vec![
                c.id.to_string(),
                (d.round + 1).to_string(),
                format!("{:+.1}%", d.slowdown_pct),
                if d.remeasured { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return match results.sentinel {
            Some(_) => vec![Block::Paragraph("No cell was measured while the machine was off its speed.".into())],
            None => Vec::new(),
        };
    }
    vec![
        Block::Paragraph("Cells measured while the machine was off its speed (rounds counted from 1):".into()),
        Block::Table(
            ["cell", "round", "machine slowdown", "re-measured"].map(String::from).to_vec(),
            vec![false, true, true, false],
            rows,
        ),
    ]
}

/// The rounds whose workers waited for a CPU or lost time to the hypervisor, worst first.
fn signals(results: &Results) -> Vec<Block> {
    let heading = Block::Heading(3, "Machine signals".into());
    if results.cells.iter().all(|c| c.machine.is_empty()) {
        return vec![heading, Block::Paragraph("No per-round machine signals in these results.".into())];
    }
    let mut rounds: Vec<(&Cell, &MachineSignals)> = results
        .cells
        .iter()
        .flat_map(|c| c.machine.iter().map(move |m| (c, m)))
        .filter(|(_, m)| m.cpu_share().is_some_and(|s| s < LOW_CPU_SHARE) || stolen_share(m) > STOLEN_SHARE)
        .collect();
    if rounds.is_empty() {
        return vec![heading, Block::Paragraph(format!(
            "In every round the workers were on a CPU for at least {:.0}% of their wall time, and the hypervisor stole at most {:.0}% of it.",
            LOW_CPU_SHARE * 100.0,
            STOLEN_SHARE * 100.0
        ))];
    }
    rounds.sort_by(|a, b| badness(b.1).total_cmp(&badness(a.1)));
    let mut doc = vec![
        heading,
        Block::Paragraph(format!(
            "Rounds whose workers were on a CPU for less than {:.0}% of their wall time (they waited for one) \
             or during which the hypervisor stole more than 1% of it, worst first (rounds counted from 1):",
            LOW_CPU_SHARE * 100.0
        )),
        Block::Table(
            ["cell", "round", "CPU share", "involuntary switches", "voluntary switches", "steal", "worker wall time"]
                .map(String::from)
                .to_vec(),
            vec![false, true, true, true, true, true, true],
            rounds.iter().take(MAX_SIGNAL_ROWS).map(|(c, m)| signal_row(c, m)).collect(),
        ),
    ];
    if rounds.len() > MAX_SIGNAL_ROWS {
        doc.push(Block::Paragraph(format!("… and {} more rounds.", rounds.len() - MAX_SIGNAL_ROWS)));
    }
    doc
}

/// How much of a round's wall time its workers lost: off a CPU, or stolen.
fn badness(m: &MachineSignals) -> f64 {
    let off_cpu = m.cpu_share().map_or(0.0, |s| (1.0 - s).max(0.0));
    let stolen = stolen_share(m);
    off_cpu + stolen
}

fn signal_row(c: &Cell, m: &MachineSignals) -> Vec<String> {
    vec![
        c.id.to_string(),
        (m.round + 1).to_string(),
        m.cpu_share().map(|s| format!("{s:.2}")).unwrap_or_else(|| "–".into()),
        m.involuntary_switches.to_string(),
        m.voluntary_switches.to_string(),
        m.steal_ns.map(|s| format_ns(s as f64)).unwrap_or_else(|| "not reported".into()),
        format_ns(m.wall_ns as f64),
    ]
}

/// Steal time over the round's worker wall time (0 when either is unknown).
fn stolen_share(m: &MachineSignals) -> f64 {
    if m.wall_ns > 0 {
        m.steal_ns.unwrap_or(0) as f64 / m.wall_ns as f64
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paragraphs and images as lines, tables as `| a | b |` rows.
    fn text(blocks: &[Block]) -> String {
        let mut out = String::new();
        for block in blocks {
            match block {
                Block::Paragraph(p) => out.push_str(p),
                Block::Table(_, _, rows) => rows.iter().for_each(|r| out.push_str(&format!("| {} |\n", r.join(" | ")))),
                Block::Image(file, title) => out.push_str(&format!("![{title}]({file})")),
                Block::Heading(..) | Block::List(_) => {}
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn older_results_get_one_line() {
        let mut results = crate::fixture::results();
        results.environment.fingerprint = None;
        results.sentinel = None;
        for c in &mut results.cells {
            c.machine.clear();
            c.disturbed.clear();
        }
        let doc = machine_section(&results, &[]);
        assert_eq!(doc.len(), 2, "{doc:?}");
        assert!(text(&doc).contains("record no machine fingerprint, drift sentinel"));
    }

    #[test]
    fn starved_rounds_worst_first_and_at_most_ten() {
        let mut results = crate::fixture::results();
        let md = text(&signals(&results));
        let starved = md.find("| wasmi × fib (c) | 2 | 0.70 | 5200 |").expect(&md);
        let waited = md.find("| wasmtime-cranelift × hello (c) | 1 | 0.86 |").expect(&md);
        let stolen = md.find("| v8-js × fib (js) | 3 | 0.96 |").expect(&md);
        assert!(starved < waited && waited < stolen, "{md}");
        for c in &mut results.cells {
            for m in &mut c.machine {
                m.steal_ns = Some(100_000_000);
            }
        }
        let md = text(&signals(&results));
        assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), MAX_SIGNAL_ROWS, "{md}");
        let rounds: usize = results.cells.iter().map(|c| c.machine.len()).sum();
        assert!(md.contains(&format!("… and {} more rounds.", rounds - MAX_SIGNAL_ROWS)), "{md}");
    }

    #[test]
    fn disturbed_cells_and_the_chart() {
        let results = crate::fixture::results();
        let md = text(&disturbed(&results));
        assert!(md.contains("| wasmi × fib (c) | 2 | +25.4% | yes |"), "{md}");
        let chart = ChartRef { file_name: MACHINE_SPEED_FILE.into(), title: "Machine speed".into(), caption: String::new() };
        let md = text(&sentinel(results.sentinel.as_ref(), &[chart]));
        assert!(md.contains("![Machine speed](machine-speed.png)"), "{md}");
        assert!(md.contains("| 12 | 9.9 min |"), "{md}");
    }
}
