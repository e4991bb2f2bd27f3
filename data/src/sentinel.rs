//! The drift sentinel: a fixed reference measurement repeated through a run (at its start,
//! between cells, at the end), so that a change of the machine's speed shows up beside the
//! numbers it affected.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The sentinel's series for one run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Sentinel {
    /// What one probe times: a native integer loop of `native_iterations` and a Wasm loop
    /// of `wasm_iterations` on `backend`, each the median of a few repetitions.
    pub native_iterations: u64,
    pub backend: String,
    pub wasm_iterations: u64,
    /// A cell measured while the machine's speed was off its run median by more than this
    /// is flagged and measured again.
    pub threshold_pct: f64,
    pub probes: Vec<Probe>,
}

/// One probe of the sentinel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// Milliseconds since the run started.
    pub at_ms: u64,
    pub native_ns: f64,
    pub wasm_ns: f64,
}

/// A round of a cell measured while the sentinel said the machine was off its speed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Disturbance {
    pub round: usize,
    /// The machine's slowdown against the run median, in percent (negative: faster), the
    /// larger of the probes just before and just after the round.
    pub slowdown_pct: f64,
    /// The round's samples were thrown away and measured again.
    pub remeasured: bool,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

impl Sentinel {
    pub fn median_native_ns(&self) -> Option<f64> {
        median(self.probes.iter().map(|p| p.native_ns).collect())
    }

    pub fn median_wasm_ns(&self) -> Option<f64> {
        median(self.probes.iter().map(|p| p.wasm_ns).collect())
    }

    /// How much slower than the run median the machine was at `probe`, in percent: the
    /// geometric mean of the native and Wasm times, each relative to its median.
    pub fn slowdown_pct(&self, probe: &Probe) -> Option<f64> {
        let (native, wasm) = (self.median_native_ns()?, self.median_wasm_ns()?);
        if native <= 0.0 || wasm <= 0.0 {
            return None;
        }
        Some(((probe.native_ns / native) * (probe.wasm_ns / wasm)).sqrt() * 100.0 - 100.0)
    }

    /// The drift of the run: the range of the probes' slowdowns, in percent of the median.
    pub fn drift_pct(&self) -> Option<f64> {
        let slowdowns: Vec<f64> = self.probes.iter().filter_map(|p| self.slowdown_pct(p)).collect();
        let max = slowdowns.iter().copied().reduce(f64::max)?;
        let min = slowdowns.iter().copied().reduce(f64::min)?;
        Some(max - min)
    }

    /// How much slower the machine was in `other` than in `self`, in percent, by the
    /// geometric mean of the two sentinel medians' ratios.
    pub fn shift_pct(&self, other: &Sentinel) -> Option<f64> {
        let native = other.median_native_ns()? / self.median_native_ns()?;
        let wasm = other.median_wasm_ns()? / self.median_wasm_ns()?;
        Some((native * wasm).sqrt() * 100.0 - 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentinel(times: &[(f64, f64)]) -> Sentinel {
        let probes = times.iter().map(|&(n, w)| Probe { at_ms: 0, native_ns: n, wasm_ns: w }).collect();
        Sentinel { probes, ..Sentinel::default() }
    }

    #[test]
    fn slowdown_and_drift_are_relative_to_the_median() {
        let s = sentinel(&[(100.0, 200.0), (100.0, 200.0), (121.0, 242.0 * 100.0 / 121.0 * 1.21)]);
        let slow = s.slowdown_pct(&s.probes[2]).expect("slowdown");
        assert!((slow - 21.0).abs() < 1e-9, "{slow}");
        assert!((s.drift_pct().expect("drift") - 21.0).abs() < 1e-9);
        assert_eq!(sentinel(&[]).drift_pct(), None);
    }

    #[test]
    fn shift_compares_two_runs() {
        let a = sentinel(&[(100.0, 100.0)]);
        let b = sentinel(&[(110.0, 110.0), (110.0, 110.0)]);
        assert!((a.shift_pct(&b).expect("shift") - 10.0).abs() < 1e-9);
    }
}
