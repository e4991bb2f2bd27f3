//! Which cells get another round: every cell during the fixed rounds (while it has samples
//! left to take), then only those whose warm execute median is not yet precise enough.

use wasmbench_data::{Mode, Phase};

use super::series::Series;
use crate::settings::Settings;
use crate::stats::precise_enough;

/// Whether a cell measured so far with `series` takes part in round `round` (from 1).
pub fn wants_round(series: &[Series], round: usize, settings: &Settings) -> bool {
    let rounds = settings.sampling.rounds;
    if round < rounds.fixed {
        return rounds.share(settings.sampling.cold_samples, round) + rounds.share(settings.sampling.warm_samples, round) > 0;
    }
    if rounds.precision_pct <= 0.0 || round >= rounds.max || settings.sampling.warm_samples == 0 {
        return false;
    }
    let Some(execute) = series.iter().find(|s| s.mode == Mode::Warm && s.phase == Phase::Execute) else {
        return false;
    };
    !precise_enough(&execute.values, &execute.round_ends, rounds.precision_pct)
}
