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

    /// How much slower than the run median the machine was at `probe`, in percent: of the
    /// native and the Wasm time, each relative to its median, the deviation both agree on
    /// (the smaller one when they deviate the same way, 0 when they disagree). The two
    /// loops run nearly the same machine code, so a change of the machine's speed moves
    /// both; one moving alone (an interrupt, a page fault in one repetition) is noise.
    pub fn slowdown_pct(&self, probe: &Probe) -> Option<f64> {
        let (native, wasm) = (self.median_native_ns()?, self.median_wasm_ns()?);
        if native <= 0.0 || wasm <= 0.0 {
            return None;
        }
        let (a, b) = (probe.native_ns / native * 100.0 - 100.0, probe.wasm_ns / wasm * 100.0 - 100.0);
        Some(if a.signum() != b.signum() { 0.0 } else if a.abs() < b.abs() { a } else { b })
    }

    /// The drift of the run: the range of the probes' slowdowns, in percent of the median.
    pub fn drift_pct(&self) -> Option<f64> {
        let slowdowns: Vec<f64> = self.probes.iter().filter_map(|p| self.slowdown_pct(p)).collect();
        let max = slowdowns.iter().copied().reduce(f64::max)?;
        let min = slowdowns.iter().copied().reduce(f64::min)?;
        Some(max - min)
    }

    /// Whether `other` times the same loops (iterations, Wasm backend) as `self`.
    pub fn comparable(&self, other: &Sentinel) -> bool {
        (self.native_iterations, &self.backend, self.wasm_iterations) == (other.native_iterations, &other.backend, other.wasm_iterations)
    }

    /// How much slower the machine was in `other` than in `self`, in percent, by the
    /// geometric mean of the two sentinel medians' ratios; `None` when the two sentinels
    /// are not [`comparable`](Sentinel::comparable).
    pub fn shift_pct(&self, other: &Sentinel) -> Option<f64> {
        if !self.comparable(other) {
            return None;
        }
        let native = other.median_native_ns()? / self.median_native_ns()?;
        let wasm = other.median_wasm_ns()? / self.median_wasm_ns()?;
        Some((native * wasm).sqrt() * 100.0 - 100.0)
    }

    /// [`shift_pct`](Sentinel::shift_pct) when it is beyond `self`'s threshold either way:
    /// the two runs were made at machine speeds too far apart to pool or merge their
    /// wall-clock figures.
    pub fn disagreement_pct(&self, other: &Sentinel) -> Option<f64> {
        self.shift_pct(other).filter(|s| s.abs() > self.threshold_pct)
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
    fn one_loop_moving_alone_is_noise() {
        let s = sentinel(&[(100.0, 100.0), (100.0, 100.0), (133.0, 101.0), (130.0, 120.0), (90.0, 110.0)]);
        let slowdowns: Vec<f64> = s.probes.iter().map(|p| s.slowdown_pct(p).expect("slowdown").round()).collect();
        assert_eq!(slowdowns, [0.0, 0.0, 0.0, 19.0, 0.0], "medians 100 and 101: probe 2 has native alone slow, probe 3 both");
    }

    #[test]
    fn shift_compares_two_runs() {
        let a = sentinel(&[(100.0, 100.0)]);
        let b = sentinel(&[(110.0, 110.0), (110.0, 110.0)]);
        assert!((a.shift_pct(&b).expect("shift") - 10.0).abs() < 1e-9);
        let interpreted = Sentinel { backend: "wasmi".into(), wasm_iterations: 200_000, ..b };
        assert_eq!(a.shift_pct(&interpreted), None, "a sentinel on another backend measures something else");
    }
}
