//! Reading a cell's measurements, and listing cells' names in the order they came.

use wasmbench_data::{Cell, Measurement, Mode, Phase};

pub(crate) fn measurement(cell: &Cell, mode: Mode, phase: Phase) -> Option<&Measurement> {
    cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase)
}

pub(crate) fn median(cell: &Cell, mode: Mode, phase: Phase) -> Option<f64> {
    measurement(cell, mode, phase).map(|m| m.summary.median)
}

/// Distinct items in first-seen order.
pub(crate) fn ordered<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    items.filter(|i| seen.insert(*i)).collect()
}
