//! Sample presets: how many cold and warm samples, rounds and throughput levels a run takes
//! by default, with `--quick`, and for instruction counts — and the user's overrides of
//! them, checked.

use std::time::Duration;

use anyhow::{bail, Result};

use crate::settings::{Measure, Rounds, Sampling};

/// The sampling options as given on the command line (`None`/empty: the preset's value).
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub measure: Measure,
    pub quick: bool,
    pub cold_samples: Option<usize>,
    pub warm_samples: Option<usize>,
    pub min_samples: Option<usize>,
    pub warmup: Option<usize>,
    /// Seconds.
    pub max_time: Option<f64>,
    pub rounds: Option<usize>,
    pub precision_pct: Option<f64>,
    pub max_rounds: Option<usize>,
    pub concurrency: Vec<u32>,
    /// Seconds.
    pub throughput_time: Option<f64>,
}

/// The preset for `choice.measure` and `choice.quick`, with the user's overrides.
pub fn sampling(choice: &Choice) -> Result<Sampling> {
    // (cold, warm, min, warm-up, seconds per cell and mode)
    let (cold, warm, min, warmup, budget) = match (choice.measure, choice.quick) {
        (Measure::Instructions, _) => (1, 0, 1, 0, 5.0),
        (_, true) => (3, 15, 6, 1, 3.0),
        (_, false) => (10, 30, 3, 3, 5.0),
    };
    let sampling = Sampling {
        cold_samples: choice.cold_samples.unwrap_or(cold),
        warm_samples: choice.warm_samples.unwrap_or(warm),
        min_samples: choice.min_samples.unwrap_or(min),
        warmup: choice.warmup.unwrap_or(warmup),
        max_time: positive_seconds("--max-time", choice.max_time.unwrap_or(budget))?,
        rounds: rounds(choice)?,
        instance_counts: if choice.quick { vec![1, 10] } else { vec![1, 10, 100] },
        concurrency: concurrency(choice)?,
        throughput_time: positive_seconds(
            "--throughput-time",
            choice.throughput_time.unwrap_or(if choice.quick { 0.3 } else { 1.0 }),
        )?,
    };
    if sampling.cold_samples + sampling.warm_samples == 0 {
        bail!("nothing to measure: --samples and --cold-samples are both 0");
    }
    Ok(sampling)
}

/// How the cells' samples are spread over rounds (one round for instruction counts, which
/// do not vary between processes).
fn rounds(choice: &Choice) -> Result<Rounds> {
    if choice.measure == Measure::Instructions {
        return Ok(Rounds::default());
    }
    let fixed = choice.rounds.unwrap_or(3);
    if fixed == 0 {
        bail!("--rounds must be at least 1");
    }
    let precision_pct = choice.precision_pct.unwrap_or(2.0);
    if !precision_pct.is_finite() || precision_pct < 0.0 {
        bail!("--precision must be a percentage ≥ 0 (0 turns extra rounds off), not {precision_pct}");
    }
    if let Some(max) = choice.max_rounds.filter(|&m| m < fixed) {
        bail!("--max-rounds ({max}) is smaller than --rounds ({fixed})");
    }
    let max = choice.max_rounds.unwrap_or(if choice.quick { 24 } else { 12 }).max(fixed);
    Ok(Rounds { fixed, precision_pct, max })
}

/// Throughput levels: the preset's, the user's, or none (`0`).
fn concurrency(choice: &Choice) -> Result<Vec<u32>> {
    Ok(match choice.concurrency.as_slice() {
        [] if choice.quick => vec![1, 2],
        [] => vec![1, 2, 4],
        [0] => Vec::new(),
        levels if levels.contains(&0) => {
            bail!("--concurrency: 0 turns throughput off and cannot be combined with other levels")
        }
        levels => levels.to_vec(),
    })
}

/// A command-line number of seconds, which must be positive.
pub fn positive_seconds(flag: &str, secs: f64) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0) {
        bail!("{flag} must be a positive number of seconds, got {secs}");
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_quick_and_instruction_presets() {
        let default = sampling(&Choice::default()).expect("default");
        assert_eq!((default.cold_samples, default.warm_samples, default.min_samples, default.warmup), (10, 30, 3, 3));
        assert_eq!(default.rounds, Rounds { fixed: 3, precision_pct: 2.0, max: 12 });
        assert_eq!(default.concurrency, [1, 2, 4]);
        assert_eq!(default.instance_counts, [1, 10, 100]);
        assert_eq!(default.max_time, Duration::from_secs(5));

        let quick = sampling(&Choice { quick: true, ..Choice::default() }).expect("quick");
        assert_eq!((quick.cold_samples, quick.warm_samples, quick.min_samples, quick.warmup), (3, 15, 6, 1));
        assert_eq!(quick.rounds.max, 24);
        assert_eq!(quick.concurrency, [1, 2]);
        assert_eq!(quick.throughput_time, Duration::from_millis(300));

        let counts = sampling(&Choice { measure: Measure::Instructions, ..Choice::default() }).expect("instructions");
        assert_eq!((counts.cold_samples, counts.warm_samples), (1, 0));
        assert_eq!(counts.rounds, Rounds::default(), "instruction counts need one round");
    }

    #[test]
    fn overrides_win_and_are_checked() {
        let choice = Choice { warm_samples: Some(7), rounds: Some(5), concurrency: vec![0], ..Choice::default() };
        let s = sampling(&choice).expect("overrides");
        assert_eq!(s.warm_samples, 7);
        assert_eq!(s.rounds.max, 12, "max rounds default stays above the fixed ones");
        assert!(s.concurrency.is_empty(), "0 turns throughput off");

        let bad = |choice: Choice, expected: &str| {
            let err = sampling(&choice).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err}");
        };
        bad(Choice { rounds: Some(0), ..Choice::default() }, "--rounds must be at least 1");
        bad(Choice { precision_pct: Some(-1.0), ..Choice::default() }, "--precision");
        bad(Choice { rounds: Some(4), max_rounds: Some(2), ..Choice::default() }, "--max-rounds (2) is smaller");
        bad(Choice { concurrency: vec![0, 2], ..Choice::default() }, "--concurrency: 0");
        bad(Choice { max_time: Some(0.0), ..Choice::default() }, "--max-time must be a positive");
        bad(Choice { cold_samples: Some(0), warm_samples: Some(0), ..Choice::default() }, "nothing to measure");
    }
}
