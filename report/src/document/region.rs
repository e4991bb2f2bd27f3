//! The report's section on benchmark regions: for modules that mark the part they want
//! timed with `bench.start`/`bench.end` (sightglass-layout suites), that region beside the
//! whole execute phase it lies in.

use wasmbench_data::{Cell, Mode, Phase, Results};

use super::{with_ci, Block};
use crate::cell::{measurement, median};

/// A heading, a sentence and one row per measured cell with a region; nothing when no cell
/// has one.
pub(super) fn region_section(results: &Results) -> Vec<Block> {
    let rows: Vec<Vec<String>> = results
        .cells
        .iter()
        .filter(|c| c.error.is_none() && c.measurements.iter().any(|m| m.phase == Phase::BenchRegion))
        .map(region_row)
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Heading(2, "Benchmark regions".into()),
        Block::Paragraph(
            "Modules that call `bench.start` and `bench.end` (sightglass-layout suites) have the time between the two \
             recorded as phase `bench-region`, summed over repeated regions; it lies inside `execute` (the whole \
             `_start`, with reading input files and writing output). `share` is the region's median over the \
             execute median."
                .into(),
        ),
        Block::Table(
            ["backend", "workload", "lang", "warm execute", "warm region", "share", "cold execute", "cold region"]
                .map(String::from)
                .to_vec(),
            vec![false, false, false, true, true, true, true, true],
            rows,
        ),
    ]
}

fn region_row(c: &Cell) -> Vec<String> {
    let t = |mode, phase| measurement(c, mode, phase).map(with_ci).unwrap_or_else(|| "–".into());
    let share = match (median(c, Mode::Warm, Phase::BenchRegion), median(c, Mode::Warm, Phase::Execute)) {
        (Some(region), Some(execute)) if execute > 0.0 => format!("{:.0}%", region / execute * 100.0),
        _ => "–".into(),
    };
    vec![
        c.id.backend.clone(),
        c.id.workload.clone(),
        c.id.language.clone(),
        t(Mode::Warm, Phase::Execute),
        t(Mode::Warm, Phase::BenchRegion),
        share,
        t(Mode::Cold, Phase::Execute),
        t(Mode::Cold, Phase::BenchRegion),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::Measurement;

    /// `m` with phase `bench-region` and every value scaled by `factor`.
    fn region_of(m: &Measurement, factor: f64) -> Measurement {
        let mut r = m.clone();
        r.phase = Phase::BenchRegion;
        r.samples.iter_mut().for_each(|v| *v *= factor);
        r.summary.median *= factor;
        r.summary.median_ci95 = r.summary.median_ci95.map(|v| v * factor);
        r
    }

    #[test]
    fn regions_are_shown_beside_the_execute_phase() {
        let mut results = crate::fixture::results();
        assert!(region_section(&results).is_empty(), "no section without a region");
        let cell = &mut results.cells[0];
        let execute = measurement(cell, Mode::Warm, Phase::Execute).expect("warm execute").clone();
        cell.measurements.push(region_of(&execute, 0.75));
        let doc = region_section(&results);
        assert_eq!(doc.len(), 3, "{doc:?}");
        let Block::Table(header, _, rows) = &doc[2] else { panic!("a table: {doc:?}") };
        assert_eq!(header[4], "warm region");
        assert_eq!(rows.len(), 1, "only the cell with a region: {rows:?}");
        let row = &rows[0];
        assert_eq!(row[..3], ["wasmtime-cranelift", "fib", "c"].map(String::from));
        assert_eq!(row[3], with_ci(&execute));
        assert_eq!(row[5], "75%");
        assert_eq!(row[7], "–", "no cold region measured");
    }
}
