//! Module size, cold start and execution time per source language, workload by workload.

use plotters::prelude::*;
use wasmbench_data::{BackendKind, Cell, Mode, Phase, Results, Unit};

use super::{
    color, legend_panel, legend_width, median, ordered, png, Area, Chart, DrawResult, LogScale, ValueAxis, DESC_PX, FONT,
    LABEL_PX,
};
use crate::ReportError;

/// The backend each language is compared on: WebAssembly modules on the backend that ran
/// the most of them, JavaScript on the backend that ran JavaScript.
pub(crate) fn reference_backends(results: &Results) -> Vec<(String, String)> {
    // Native builds and containers run no module: they are not a language's reference.
    let ok: Vec<&Cell> = results
        .cells
        .iter()
        .filter(|c| c.error.is_none() && !matches!(c.kind, BackendKind::Native | BackendKind::Container))
        .collect();
    let backends = ordered(ok.iter().map(|c| c.id.backend.as_str()));
    let count = |b: &str, js: bool| ok.iter().filter(|c| c.id.backend == b && (c.id.language == "js") == js).count();
    let best = |js: bool| {
        backends
            .iter()
            .copied()
            .filter(|b| count(b, js) > 0)
            .fold(None, |best: Option<&str>, b| match best {
                Some(x) if count(x, js) >= count(b, js) => Some(x),
                _ => Some(b),
            })
    };
    let (wasm, js) = (best(false), best(true));
    ordered(ok.iter().map(|c| c.id.language.as_str()))
        .into_iter()
        .filter_map(|l| {
            let b = if l == "js" { js } else { wasm }?;
            Some((l.to_string(), b.to_string()))
        })
        .collect()
}

/// How one panel reads a cell's value.
type Metric = fn(&Cell) -> Option<f64>;

/// The three panels: title, quantity on the axis, unit, value of a cell.
fn metrics() -> [(&'static str, &'static str, Unit, Metric); 3] {
    [
        ("module size", "size", Unit::Bytes, |c| Some(c.module_bytes as f64)),
        ("cold start (whole process)", "cold start", Unit::Nanoseconds, |c| {
            median(c, Mode::Cold, Phase::Process).or_else(|| median(c, Mode::Cold, Phase::Total))
        }),
        ("warm execute", "execute", Unit::Nanoseconds, |c| median(c, Mode::Warm, Phase::Execute)),
    ]
}

pub(super) fn render(results: &Results, log: LogScale) -> Result<Option<Chart>, ReportError> {
    let refs = reference_backends(results);
    if refs.len() < 2 {
        return Ok(None);
    }
    let workloads = ordered(results.cells.iter().filter(|c| c.error.is_none()).map(|c| c.id.workload.as_str()));
    let metrics = metrics();
    let values = values(results, &refs, &workloads, &metrics);
    let on: Vec<String> = refs.iter().map(|(l, b)| format!("{l} on {b}")).collect();
    let caption = format!(
        "Each workload's module in each source language, on one backend per language ({}): \
         module size, median wall time of a cold worker process, median warm execute time.",
        on.join(", ")
    );
    let legend: Vec<(String, RGBColor)> = refs.iter().enumerate().map(|(j, (l, _))| (l.clone(), color(j))).collect();
    let chart = png("languages.png".into(), "Per source language".into(), caption, |area| {
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - legend_width(&legend));
        legend_panel(&side, &legend, super::Swatch::Box)?;
        let panels = plot.split_evenly((1, 3));
        for (m, (metric, panel)) in metrics.iter().zip(panels.iter()).enumerate() {
            draw_panel(panel, metric, &values[m], &workloads, refs.len(), log)?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}

/// `values[metric][workload][language]`: each metric of each workload's cell of each
/// language on that language's reference backend.
fn values(
    results: &Results,
    refs: &[(String, String)],
    workloads: &[&str],
    metrics: &[(&str, &str, Unit, Metric)],
) -> Vec<Vec<Vec<Option<f64>>>> {
    let cell = |w: &str, l: &str, b: &str| {
        results
            .cells
            .iter()
            .find(|c| c.error.is_none() && c.id.workload == w && c.id.language == l && c.id.backend == b)
    };
    metrics
        .iter()
        .map(|(_, _, _, f)| {
            workloads
                .iter()
                .map(|w| refs.iter().map(|(l, b)| cell(w, l, b).and_then(f)).collect())
                .collect()
        })
        .collect()
}

/// One metric's panel: a group of bars per workload, one bar per language.
fn draw_panel(
    panel: &Area,
    (name, what, unit, _): &(&str, &str, Unit, Metric),
    values: &[Vec<Option<f64>>],
    workloads: &[&str],
    languages: usize,
    log: LogScale,
) -> DrawResult {
    let present: Vec<f64> = values.iter().flatten().flatten().copied().collect();
    let axis = ValueAxis::new(&present, *unit, log);
    let n = workloads.len() as i32;
    let mut chart = ChartBuilder::on(panel)
        .caption(*name, (FONT, DESC_PX + 2))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(super::segments(n), axis.range())?;
    let x_fmt = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => workloads.get(*i as usize).map(|w| w.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let y_fmt = |p: &f64| axis.tick_label(p);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(workloads.len())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(axis.desc(what))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    let seg_px = chart.plotting_area().dim_in_pixel().0 / workloads.len().max(1) as u32;
    let per = languages as u32;
    let pad = seg_px / 8;
    let bar = (seg_px.saturating_sub(2 * pad) / per).max(1);
    for j in 0..languages {
        let c = color(j);
        let j = j as u32;
        chart.draw_series(values.iter().enumerate().filter_map(|(w, langs)| {
            let v = langs[j as usize]?;
            let w = w as i32;
            let mut r = Rectangle::new(
                [(SegmentValue::Exact(w), axis.base()), (SegmentValue::Exact(w + 1), axis.pos(v))],
                c.filled(),
            );
            r.set_margin(0, 0, pad + j * bar, seg_px.saturating_sub(pad + (j + 1) * bar));
            Some(r)
        }))?;
    }
    Ok(())
}
