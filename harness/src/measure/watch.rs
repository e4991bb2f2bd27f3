//! Which cells were measured while the machine was off its speed: the run driver probes a
//! [`Gauge`] (the drift sentinel) between cells when one is due and after every round.
//! After every round, each cell round measured since is judged by the probes just before
//! and just after it, against the median of all probes so far (a median of many probes,
//! not of the first few).

use std::time::{Duration, Instant};

use crate::sentinel::Gauge;

/// Fewest probes whose median a cell round is judged against: the median of two is
/// their mean, which one slow probe moves halfway.
pub const MIN_PROBES: usize = 3;

/// A round of a cell measured while the gauge was off its median by more than the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Plan index of the cell.
    pub index: usize,
    pub round: usize,
    pub slowdown_pct: f64,
}

/// The gauge, when it is next due, and the cell rounds awaiting judgement.
pub struct Watch<'a> {
    gauge: &'a mut dyn Gauge,
    every: Duration,
    threshold_pct: f64,
    /// Probes taken, and when the last one was.
    probes: usize,
    last: Option<Instant>,
    /// (plan index, round, probes taken before it) of the cell rounds measured.
    measured: Vec<(usize, usize, usize)>,
    /// Set when a probe failed: the run goes on without the sentinel.
    pub broken: Option<String>,
}

impl<'a> Watch<'a> {
    pub fn new(gauge: &'a mut dyn Gauge, every: Duration, threshold_pct: f64) -> Watch<'a> {
        Watch { gauge, every, threshold_pct, probes: 0, last: None, measured: Vec::new(), broken: None }
    }

    /// Whether a probe is due before the next cell.
    pub fn due(&self) -> bool {
        self.broken.is_none() && self.last.is_none_or(|at| at.elapsed() >= self.every)
    }

    /// The cell at `index` was just measured in `round`.
    pub fn measured(&mut self, index: usize, round: usize) {
        if self.broken.is_none() {
            self.measured.push((index, round, self.probes));
        }
    }

    /// The gauge's series so far, if it keeps one.
    pub fn series(&self) -> Option<&wasmbench_data::Sentinel> {
        self.gauge.series()
    }

    /// Take a probe now.
    pub fn probe(&mut self) {
        if self.broken.is_some() {
            return;
        }
        match self.gauge.probe() {
            Ok(()) => {
                self.probes += 1;
                self.last = Some(Instant::now());
            }
            Err(e) => {
                self.broken = Some(format!("{e:#}"));
                self.measured.clear();
            }
        }
    }

    /// Judge the cell rounds measured so far whose after-probe has been taken: those
    /// measured while the machine was off its median speed by more than the threshold
    /// (the larger slowdown of the probes on either side). Each is judged once, and only
    /// once there are [`MIN_PROBES`] probes to take a median of.
    pub fn judge(&mut self) -> Vec<Flag> {
        let (probes, threshold) = (self.probes, self.threshold_pct);
        if probes < MIN_PROBES {
            return Vec::new();
        }
        let gauge = &*self.gauge;
        let mut flags = Vec::new();
        self.measured.retain(|&(index, round, before)| {
            if before >= probes {
                return true;
            }
            let around = [before.checked_sub(1), Some(before)];
            let worst = around.into_iter().flatten().filter_map(|k| gauge.slowdown_pct(k)).fold(0.0_f64, |w, s| if s.abs() > w.abs() { s } else { w });
            if worst.abs() > threshold {
                flags.push(Flag { index, round, slowdown_pct: worst });
            }
            false
        });
        flags
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A gauge whose k-th probe finds the slowdown `script[k]` (0 past its end), or fails
    /// on probe `fail_at` (counted from 1).
    pub struct Scripted {
        pub script: Vec<f64>,
        pub probes: usize,
        pub fail_at: Option<usize>,
    }

    impl Gauge for Scripted {
        fn probe(&mut self) -> anyhow::Result<()> {
            self.probes += 1;
            if self.fail_at == Some(self.probes) {
                anyhow::bail!("scripted failure");
            }
            Ok(())
        }

        fn slowdown_pct(&self, k: usize) -> Option<f64> {
            (k < self.probes).then(|| self.script.get(k).copied().unwrap_or(0.0))
        }
    }

    #[test]
    fn a_cell_is_judged_by_the_probes_on_both_sides() {
        let mut gauge = Scripted { script: vec![0.0, 0.0, 30.0, 0.0, 0.0], probes: 0, fail_at: None };
        let mut watch = Watch::new(&mut gauge, Duration::ZERO, 10.0);
        watch.probe();
        for i in 0..4 {
            watch.measured(i, 0);
            watch.probe();
        }
        watch.measured(4, 0);
        let flags = watch.judge();
        assert_eq!(flags, [Flag { index: 1, round: 0, slowdown_pct: 30.0 }, Flag { index: 2, round: 0, slowdown_pct: 30.0 }], "slow after 1, before 2");
        assert!(watch.judge().is_empty(), "judged once; cell 4 still waits for its after-probe");
        watch.probe();
        assert!(watch.judge().is_empty());
    }

    #[test]
    fn nothing_is_judged_against_fewer_than_three_probes() {
        let mut gauge = Scripted { script: vec![0.0, 40.0, 0.0], probes: 0, fail_at: None };
        let mut watch = Watch::new(&mut gauge, Duration::ZERO, 10.0);
        watch.probe();
        watch.measured(0, 0);
        watch.probe();
        assert!(watch.judge().is_empty(), "two probes: not yet");
        watch.probe();
        assert_eq!(watch.judge(), [Flag { index: 0, round: 0, slowdown_pct: 40.0 }], "judged once there are three");
    }

    #[test]
    fn a_failing_gauge_stops_watching_without_stopping_the_run() {
        let mut gauge = Scripted { script: vec![], probes: 0, fail_at: Some(2) };
        let mut watch = Watch::new(&mut gauge, Duration::ZERO, 10.0);
        watch.probe();
        watch.measured(0, 0);
        watch.probe();
        assert!(watch.judge().is_empty() && watch.broken.is_some() && !watch.due());
    }
}
