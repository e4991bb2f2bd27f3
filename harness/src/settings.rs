//! What a run measures and how: sample counts, time budgets, limits, rounds, and the
//! settings block of the results document they produce.

use std::path::PathBuf;
use std::time::Duration;

use wasmbench_data::RunConfig;
use wasmbench_runtimes::Limits;

use crate::process_backend::ProcessBackend;
use crate::plan::CellPlan;

/// How many samples of each cell, in how many rounds, and what else is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Most cold samples per cell (with `--measure instructions`: callgrind runs).
    pub cold_samples: usize,
    /// Most warm samples per cell.
    pub warm_samples: usize,
    /// Fewest samples of each mode, even past `max_time`.
    pub min_samples: usize,
    pub warmup: usize,
    /// Time budget per cell and mode: sampling stops at the budget once `min_samples`
    /// are taken (as criterion and hyperfine do), so slow interpreter cells do not
    /// dominate a run.
    pub max_time: Duration,
    /// Rounds over the matrix that share each cell's cold and warm samples (and its
    /// time budget) between them, each in fresh worker processes: see [`Rounds`].
    pub rounds: Rounds,
    /// Live-instance counts at which per-instance memory is measured (empty: not at all).
    pub instance_counts: Vec<u32>,
    /// Throughput: worker-thread counts (empty: not measured) and time per level.
    pub concurrency: Vec<u32>,
    pub throughput_time: Duration,
}

/// Everything a run in worker processes needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    pub sampling: Sampling,
    pub limits: Limits,
    /// Longest compiling or loading a module may take (see `Request::compile_deadline_ms`).
    pub compile_deadline: Duration,
    /// Measure the cells in an order shuffled with this seed (`None`: plan order), so that
    /// slow drifts of the machine (thermal, background load) spread over all cells
    /// instead of biasing the ones that happen to run last.
    pub order_seed: Option<u64>,
    /// Process backends (with their tool's version line) whose cells the run measures
    /// after the worker cells: native, container, node-js, the runtimes' CLIs.
    pub process: Vec<(ProcessBackend, String)>,
    /// The `wasmbench` executable that serves as worker.
    pub worker_exe: PathBuf,
    /// Wall-clock phases, or instruction counts of `execute` under callgrind (then
    /// nothing else is measured).
    pub measure: Measure,
    /// The drift sentinel, unless turned off (or counting instructions).
    pub sentinel: Option<SentinelSettings>,
    /// The part of a sharded run this run measures, recorded in its results.
    pub shard: Option<wasmbench_data::Shard>,
}

/// How often the drift sentinel is probed, and when a cell counts as disturbed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentinelSettings {
    /// Longest time between two probes while cells are measured (probed between cells).
    pub every: std::time::Duration,
    /// A cell measured while the machine's speed was off its run median by more than this
    /// many percent is measured again.
    pub threshold_pct: f64,
}

/// How each cell's samples are spread over the run.
///
/// On a shared machine two things move a median that more samples in one process do not
/// average out: the process itself (where its code, heap and linear memory land) and the
/// minute it runs in (what the neighbours do to the shared caches). So a cell's samples
/// are taken in `fixed` rounds, each a pass over the re-shuffled matrix with fresh worker
/// processes; after them, cells whose warm execute median still has a 95% confidence
/// interval wider than ±`precision_pct` get further warm rounds, up to `max` rounds in all
/// (as criterion's quick mode samples until its estimate is precise enough).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounds {
    pub fixed: usize,
    pub precision_pct: f64,
    pub max: usize,
}

impl Default for Rounds {
    fn default() -> Self {
        Rounds { fixed: 1, precision_pct: 0.0, max: 1 }
    }
}

impl Rounds {
    /// The share of `total` (samples, or a minimum of them) that round `round` takes:
    /// `total` spread as evenly as it goes, earlier rounds taking the remainder.
    pub fn share(&self, total: usize, round: usize) -> usize {
        let n = self.fixed.max(1);
        if round >= n {
            return 0;
        }
        total / n + usize::from(round < total % n)
    }
}

/// What a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Measure {
    /// Wall-clock time of every phase, cold and warm (and memory).
    #[default]
    Time,
    /// Instructions of the execute phase, counted by `valgrind --tool=callgrind`:
    /// deterministic, for CI gates.
    Instructions,
}

/// The settings block of the results document of `plan` measured with `settings`.
pub fn config(plan: &[CellPlan], settings: &Settings) -> RunConfig {
    RunConfig {
        cold_samples: settings.sampling.cold_samples,
        warm_samples: settings.sampling.warm_samples,
        min_samples: settings.sampling.min_samples,
        max_time_ms: u64::try_from(settings.sampling.max_time.as_millis()).unwrap_or(u64::MAX),
        warmup: settings.sampling.warmup,
        deadline_ms: u64::try_from(settings.limits.deadline.as_millis()).unwrap_or(u64::MAX),
        compile_deadline_ms: u64::try_from(settings.compile_deadline.as_millis()).unwrap_or(u64::MAX),
        max_memory_bytes: settings.limits.max_memory_bytes,
        max_output_bytes: settings.limits.max_output_bytes as u64,
        backends: dedup(plan.iter().map(|c| c.backend.name().to_string())),
        workloads: dedup(plan.iter().map(|c| c.workload.name.clone())),
        order_seed: settings.order_seed,
        concurrency: settings.sampling.concurrency.clone(),
        throughput_ms: u64::try_from(settings.sampling.throughput_time.as_millis()).unwrap_or(u64::MAX),
        rounds: settings.sampling.rounds.fixed,
        precision_pct: settings.sampling.rounds.precision_pct,
        max_rounds: settings.sampling.rounds.max.max(settings.sampling.rounds.fixed),
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_share_every_sample_and_the_remainder_goes_first() {
        let rounds = Rounds { fixed: 3, precision_pct: 0.0, max: 3 };
        for total in 0..20 {
            let shares: Vec<usize> = (0..4).map(|r| rounds.share(total, r)).collect();
            assert_eq!(shares.iter().sum::<usize>(), total, "{total}: {shares:?}");
            assert_eq!(shares[3], 0, "no share past the fixed rounds");
            assert!(shares[..3].windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1), "{shares:?}");
        }
        assert_eq!((0..3).map(|r| rounds.share(10, r)).collect::<Vec<_>>(), [4, 3, 3]);
        assert_eq!(Rounds::default().share(7, 0), 7);
    }
}
