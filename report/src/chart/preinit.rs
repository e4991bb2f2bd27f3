//! Pre-initialized (Wizer) against plain modules: cold start and warm request per backend,
//! for each workload that has both variants; JavaScript-in-Wasm beside V8 isolates.

use plotters::prelude::*;
use wasmbench_data::{Cell, Mode, Phase, Results, Unit};

use super::{
    color, legend_panel, legend_width, median, ordered, png, row, rows_chart, Area, Chart, DrawResult, LogScale, ValueAxis,
};
use crate::ReportError;

/// A pre-initialized module's language is its plain module's language with this suffix.
pub(crate) const SUFFIX: &str = "-wizer";

/// A plain language whose modules run JavaScript inside Wasm: its chart adds the
/// JavaScript isolates (language `js`) as rows of their own.
const JS_IN_WASM: &str = "js-quickjs";

/// Bars per row: plain, pre-initialized, plain JavaScript on V8 (an isolate or node).
const VARIANTS: [&str; 3] = ["plain", "pre-initialized (Wizer)", "plain JavaScript (V8 isolate / node)"];

/// The panels: title, axis quantity, value of a cell.
type Metric = (&'static str, &'static str, fn(&Cell) -> Option<f64>);
const METRICS: [Metric; 2] = [
    ("cold start (fresh process)", "cold start", |c| {
        median(c, Mode::Cold, Phase::Process).or_else(|| median(c, Mode::Cold, Phase::Total))
    }),
    ("warm request (fresh instance)", "warm request", |c| median(c, Mode::Warm, Phase::Total)),
];

/// One row: a backend and its cell per variant.
struct Row<'r> {
    label: String,
    cells: [Option<&'r Cell>; 3],
}

pub(super) fn render(results: &Results, log: LogScale) -> Result<Vec<Chart>, ReportError> {
    let ok: Vec<&Cell> = results.cells.iter().filter(|c| c.error.is_none()).collect();
    let mut charts = Vec::new();
    for workload in ordered(ok.iter().map(|c| c.id.workload.as_str())) {
        let of_workload: Vec<&Cell> = ok.iter().copied().filter(|c| c.id.workload == workload).collect();
        let bases = ordered(of_workload.iter().filter_map(|c| c.id.language.strip_suffix(SUFFIX)));
        for base in bases {
            let rows = rows(&of_workload, base);
            if rows.iter().any(|r| r.cells[0].is_some()) && rows.iter().any(|r| r.cells[1].is_some()) {
                charts.push(chart(workload, base, &rows, log)?);
            }
        }
    }
    Ok(charts)
}

fn rows<'r>(cells: &[&'r Cell], base: &str) -> Vec<Row<'r>> {
    let wizer = format!("{base}{SUFFIX}");
    let find = |b: &str, l: &str| cells.iter().copied().find(|c| c.id.backend == b && c.id.language == l);
    let mut rows: Vec<Row> = ordered(cells.iter().filter(|c| c.id.language == base || c.id.language == wizer).map(|c| c.id.backend.as_str()))
        .into_iter()
        .map(|b| Row { label: b.to_string(), cells: [find(b, base), find(b, &wizer), None] })
        .collect();
    if base == JS_IN_WASM {
        for b in ordered(cells.iter().filter(|c| c.id.language == "js").map(|c| c.id.backend.as_str())) {
            rows.push(Row { label: format!("{b} (plain JS)"), cells: [None, None, find(b, "js")] });
        }
    }
    rows
}

fn chart(workload: &str, base: &str, rows: &[Row], log: LogScale) -> Result<Chart, ReportError> {
    let used: Vec<usize> = (0..VARIANTS.len()).filter(|&k| rows.iter().any(|r| r.cells[k].is_some())).collect();
    let legend: Vec<(String, RGBColor)> = used.iter().map(|&k| (VARIANTS[k].to_string(), color(k))).collect();
    let title = format!("Pre-initialized vs plain — {workload} ({base})");
    let mut caption = format!(
        "Per backend, the `{base}` module as built and its Wizer snapshot (`{base}{SUFFIX}`, initialisation run at \
         build time): median wall time of a fresh worker process (cold start) and median of instantiate + execute \
         in a warm process (a fresh instance per request)."
    );
    if used.contains(&2) {
        caption.push_str(" The last rows run the same script as plain JavaScript on V8: an isolate in-process, node as a process.");
    }
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    png(format!("preinit-{workload}-{base}.png"), title, caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Box)?;
        for (metric, panel) in METRICS.iter().zip(plot.split_evenly((1, 2)).iter()) {
            draw_panel(panel, metric, rows, &labels, &used, log)?;
        }
        Ok(())
    })
}

/// One metric: per row, one thin bar per variant present in the chart.
fn draw_panel(panel: &Area, (name, what, value): &Metric, rows: &[Row], labels: &[String], used: &[usize], log: LogScale) -> DrawResult {
    let values: Vec<f64> = rows.iter().flat_map(|r| r.cells.iter().flatten().filter_map(|c| value(c))).collect();
    let axis = ValueAxis::new(&values, Unit::Nanoseconds, log);
    let mut chart = rows_chart(panel, Some(name), labels, &axis, &axis.desc(what))?;
    let row_px = chart.plotting_area().dim_in_pixel().1 / rows.len().max(1) as u32;
    let slot = (row_px * 4 / 5 / used.len().max(1) as u32).max(2);
    let top = (row_px - slot * used.len() as u32) / 2;
    for (i, r) in rows.iter().enumerate() {
        for (j, &k) in used.iter().enumerate() {
            let Some(v) = r.cells[k].and_then(|c| value(c)) else { continue };
            let r = row(rows.len(), i);
            let mut bar = Rectangle::new(
                [(axis.base(), SegmentValue::Exact(r)), (axis.pos(v), SegmentValue::Exact(r + 1))],
                color(k).filled(),
            );
            let above = top + slot * j as u32;
            bar.set_margin(above, row_px.saturating_sub(above + slot), 0, 0);
            chart.draw_series(std::iter::once(bar))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The synthetic run with a pre-initialized copy (`-wizer`) of its fib cells in `lang`.
    fn with_snapshots(lang: &str) -> Results {
        let mut r = crate::fixture::results();
        let fib: Vec<Cell> = r.cells.iter().filter(|c| c.id.workload == "fib" && c.id.language == "c" && ["wasmtime-cranelift", "wasmi"].contains(&c.id.backend.as_str()))
            .cloned()
            .collect();
        r.cells.retain(|c| !(c.id.workload == "fib" && c.id.language == "c"));
        for mut c in fib {
            c.id.language = lang.to_string();
            let mut z = c.clone();
            z.id.language = format!("{lang}{SUFFIX}");
            r.cells.extend([c, z]);
        }
        r
    }

    #[test]
    fn one_chart_per_workload_and_language_with_both_variants() {
        assert!(render(&crate::fixture::results(), LogScale::Auto).expect("render").is_empty(), "no snapshots, no chart");
        let charts = render(&with_snapshots("c"), LogScale::Auto).expect("render");
        let names: Vec<&str> = charts.iter().map(|c| c.file_name.as_str()).collect();
        assert_eq!(names, ["preinit-fib-c.png"]);
        assert!(!charts[0].caption.contains("plain JavaScript"), "{}", charts[0].caption);
    }

    #[test]
    fn javascript_in_wasm_is_shown_beside_the_isolates() {
        let r = with_snapshots(JS_IN_WASM);
        let ok: Vec<&Cell> = r.cells.iter().filter(|c| c.error.is_none() && c.id.workload == "fib").collect();
        let rows = rows(&ok, JS_IN_WASM);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["wasmtime-cranelift", "wasmi", "v8-js (plain JS)", "node-js (plain JS)"]);
        assert!(rows[..2].iter().all(|r| r.cells[0].is_some() && r.cells[1].is_some() && r.cells[2].is_none()));
        assert!(rows[2..].iter().all(|r| r.cells[2].is_some_and(|c| c.id.language == "js")));
        let charts = render(&r, LogScale::Auto).expect("render");
        assert_eq!(charts.len(), 1);
        assert_eq!(charts[0].file_name, "preinit-fib-js-quickjs.png");
        assert!(charts[0].caption.contains("plain JavaScript"));
    }
}
