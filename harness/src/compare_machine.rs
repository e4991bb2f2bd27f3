//! The machines behind two results files: whether their fingerprints match, and how far
//! apart their drift sentinels were — what decides whether a wall-clock difference can be
//! put on the code at all.

use std::fmt::Write as _;

use wasmbench_data::{Results, Sentinel};

/// What `compare` says about the two runs' machines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MachineComparison {
    /// Identity fields that differ; `None` when either file has no fingerprint.
    pub fingerprint_differences: Option<Vec<String>>,
    /// Each side's sentinel medians (native, Wasm), in nanoseconds.
    pub baseline_sentinel: Option<(f64, f64)>,
    pub new_sentinel: Option<(f64, f64)>,
    /// How much slower the machine was in the new run, in percent.
    pub shift_pct: Option<f64>,
    /// The threshold being tested, in percent.
    pub threshold_pct: f64,
    /// Whether either run has wall-clock measurements (not instruction counts only).
    pub timed: bool,
    /// Both runs have a sentinel, but they timed different loops.
    pub incomparable: bool,
}

impl MachineComparison {
    pub fn of(baseline: &Results, new: &Results, threshold_pct: f64) -> MachineComparison {
        let medians = |s: &Option<Sentinel>| s.as_ref().and_then(|s| Some((s.median_native_ns()?, s.median_wasm_ns()?)));
        let fingerprints = (&baseline.environment.fingerprint, &new.environment.fingerprint);
        MachineComparison {
            fingerprint_differences: match fingerprints {
                (Some(a), Some(b)) => Some(a.differences(b)),
                _ => None,
            },
            baseline_sentinel: medians(&baseline.sentinel),
            new_sentinel: medians(&new.sentinel),
            shift_pct: baseline.sentinel.as_ref().zip(new.sentinel.as_ref()).and_then(|(a, b)| a.shift_pct(b)),
            threshold_pct,
            incomparable: baseline.sentinel.as_ref().zip(new.sentinel.as_ref()).is_some_and(|(a, b)| !a.comparable(b)),
            timed: baseline.timed() || new.timed(),
        }
    }

    /// The runs were made on machines whose fingerprints differ.
    pub fn different_machines(&self) -> bool {
        self.fingerprint_differences.as_ref().is_some_and(|d| !d.is_empty())
    }

    /// The runs were made on different machines and compare wall-clock figures: instruction
    /// counts alone do not depend on the machine's speed, so they compare across machines.
    pub fn different_timed_machines(&self) -> bool {
        self.timed && self.different_machines()
    }

    /// The sentinels moved by more than the threshold being tested.
    pub fn drifted(&self) -> bool {
        self.shift_pct.is_some_and(|s| s.abs() > self.threshold_pct)
    }

    /// The verdict on the sentinels, one sentence.
    pub fn drift_verdict(&self) -> String {
        if !self.timed {
            return "Instruction counts only: the machine's speed does not enter them.".into();
        }
        if self.incomparable {
            return "The two runs' drift sentinels timed different loops (another Wasm backend or iteration count): their speeds do not compare.".into();
        }
        let Some(shift) = self.shift_pct else {
            return "No drift sentinel on both sides: whether the machine's speed moved between the runs is unknown.".into();
        };
        let (t, way) = (self.threshold_pct, if shift >= 0.0 { "slower" } else { "faster" });
        if self.drifted() {
            format!(
                "The machine ran {:.1}% {way} in the new run (sentinel), more than the {t:.1}% threshold: wall-clock \
                 differences of that size cannot be attributed to the code (instruction counts are unaffected).",
                shift.abs()
            )
        } else {
            format!("The sentinels agree within {:.1}% (threshold {t:.1}%): the machine's speed did not move enough to explain a change beyond the threshold.", shift.abs())
        }
    }

    /// The Markdown section of the compare report.
    pub fn markdown(&self) -> String {
        let mut s = String::from("#### Machines\n\n");
        match &self.fingerprint_differences {
            None => s.push_str("Fingerprint: missing on one side (results of an older wasmbench); the machines cannot be told apart.\n\n"),
            Some(d) if d.is_empty() => s.push_str("Fingerprint: the same machine type on both sides.\n\n"),
            Some(d) => {
                let _ = writeln!(s, "**Fingerprint: DIFFERENT MACHINES** — wall-clock figures do not compare:\n");
                for line in d {
                    let _ = writeln!(s, "- {line}");
                }
                s.push('\n');
            }
        }
        let side = |m: Option<(f64, f64)>| m.map_or_else(|| "none".to_string(), |(n, w)| format!("native {:.2} ms, Wasm {:.2} ms", n / 1e6, w / 1e6));
        let _ = writeln!(s, "Sentinel medians: baseline {}; new {}.  ", side(self.baseline_sentinel), side(self.new_sentinel));
        let _ = writeln!(s, "{}\n", self.drift_verdict());
        s
    }
}

#[cfg(test)]
mod tests {
    use wasmbench_data::{BackendKind, Cell, CellId, Environment, Fingerprint, Measurement, Mode, Phase, Probe, RunConfig, Unit};

    use super::*;

    fn run(native: f64, model: &str) -> Results {
        let environment = Environment {
            fingerprint: Some(Fingerprint { cpu_model_number: model.into(), ..Fingerprint::default() }),
            ..Environment::default()
        };
        let mut r = Results::new(environment, RunConfig::default());
        let timed = Measurement { mode: Mode::Warm, phase: Phase::Execute, unit: Unit::Nanoseconds, summary: crate::stats::summarize(&[1.0]).expect("summary"), samples: vec![1.0], instances: None, concurrency: None };
        r.cells.push(Cell { measurements: vec![timed], ..Cell::new(CellId { backend: "b".into(), workload: "w".into(), language: "c".into() }, BackendKind::Jit) });
        let probe = Probe { at_ms: 0, native_ns: native, wasm_ns: native * 2.0 };
        r.sentinel = Some(Sentinel { probes: vec![probe], ..Sentinel::default() });
        r
    }

    #[test]
    fn a_drift_beyond_the_threshold_is_put_on_the_machine() {
        let m = MachineComparison::of(&run(10e6, "1"), &run(11e6, "1"), 5.0);
        assert!(m.drifted() && !m.different_machines());
        assert!(m.drift_verdict().contains("10.0% slower") && m.drift_verdict().contains("cannot be attributed"));
        assert!(m.markdown().contains("baseline native 10.00 ms, Wasm 20.00 ms; new native 11.00 ms"));
        let calm = MachineComparison::of(&run(10e6, "1"), &run(10.2e6, "1"), 5.0);
        assert!(!calm.drifted() && calm.drift_verdict().contains("agree within 2.0%"));
    }

    #[test]
    fn different_fingerprints_are_said_loudly() {
        let m = MachineComparison::of(&run(10e6, "1"), &run(10e6, "49"), 5.0);
        assert!(m.different_machines());
        assert!(m.markdown().contains("DIFFERENT MACHINES") && m.markdown().contains("CPU model: 1 ≠ 49"));
        let mut old = run(10e6, "1");
        old.environment.fingerprint = None;
        old.sentinel = None;
        let unknown = MachineComparison::of(&old, &run(10e6, "1"), 5.0);
        assert!(!unknown.different_machines() && unknown.shift_pct.is_none());
        assert!(unknown.markdown().contains("missing on one side"));
        let (mut counted, mut again) = (run(10e6, "1"), run(20e6, "1"));
        for r in [&mut counted, &mut again] {
            r.cells.clear();
        }
        assert!(MachineComparison::of(&counted, &again, 5.0).drift_verdict().starts_with("Instruction counts only"));
        // Only timed comparisons are refused across machines (compare --strict).
        assert!(m.different_timed_machines());
        let (mut here, mut there) = (run(10e6, "1"), run(10e6, "49"));
        for r in [&mut here, &mut there] {
            r.cells.clear();
        }
        let counts = MachineComparison::of(&here, &there, 5.0);
        assert!(counts.different_machines() && !counts.different_timed_machines());
    }
}
