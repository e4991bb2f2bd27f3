//! Reading a cell's measurements.

use wasmbench_data::{Cell, Measurement, Mode, Phase};

pub(crate) fn measurement(cell: &Cell, mode: Mode, phase: Phase) -> Option<&Measurement> {
    cell.measurements.iter().find(|m| m.mode == mode && m.phase == phase)
}

pub(crate) fn median(cell: &Cell, mode: Mode, phase: Phase) -> Option<f64> {
    measurement(cell, mode, phase).map(|m| m.summary.median)
}
