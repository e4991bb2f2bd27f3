//! The run driver shared by every scenario: rounds over the plan, each in its own seeded
//! shuffled order, results written out (a checkpoint) after every cell, and the finished
//! document in plan order. What measuring a cell means is the scenario's ([`Measurer`]).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wasmbench_data::{Cell, CellId, Results};

use crate::plan::CellPlan;

/// Called after every finished cell with the results so far (to write them out).
pub type Checkpoint<'a> = dyn FnMut(&Results) -> anyhow::Result<()> + 'a;

/// How a scenario measures one cell.
pub trait Measurer {
    /// Round 0: measure the cell at plan index `index` from scratch. A failure is recorded
    /// in the cell's `error`, and the run goes on.
    fn first(&mut self, index: usize, cell: &CellPlan) -> Cell;

    /// Whether the cell at `index` takes part in round `round` (≥ 1).
    fn wants(&self, index: usize, round: usize) -> bool;

    /// A later round of the cell at `index`: more samples into `out`.
    fn again(&mut self, index: usize, cell: &CellPlan, round: usize, out: &mut Cell);
}

/// How many rounds, in which order.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Rounds every cell takes part in (its samples split between them).
    pub fixed: usize,
    /// Most rounds in all, the extra ones for cells that ask for them.
    pub max: usize,
    /// Shuffle each round with `seed + round` (`None`: plan order).
    pub order_seed: Option<u64>,
}

/// A progress bar on stderr with one step per cell and fixed round.
pub fn progress_bar(plan: &[CellPlan], schedule: &Schedule) -> ProgressBar {
    let steps = plan.len() as u64 * schedule.fixed.max(1) as u64;
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Measure every planned cell in every round it wants, appending the cells to `results`
/// (whose `missing` lists what is still to come) and checkpointing after each.
pub fn drive(
    plan: &[CellPlan],
    schedule: &Schedule,
    measurer: &mut dyn Measurer,
    results: &mut Results,
    progress: &ProgressBar,
    checkpoint: &mut Checkpoint<'_>,
) -> anyhow::Result<()> {
    // Each measured cell's place in `results.cells`, by plan index.
    let mut at: Vec<Option<usize>> = vec![None; plan.len()];
    for round in 0..schedule.max.max(schedule.fixed).max(1) {
        let seed = schedule.order_seed.map(|s| s.wrapping_add(round as u64));
        for i in order(plan.len(), seed) {
            let cell = &plan[i];
            let place = if round == 0 {
                progress.set_message(cell.id().to_string());
                let out = measurer.first(i, cell);
                progress.inc(1);
                results.missing.retain(|id| *id != out.id);
                results.cells.push(out);
                results.cells.len() - 1
            } else {
                let Some(place) = at[i] else { continue };
                if results.cells[place].error.is_some() || !measurer.wants(i, round) {
                    continue;
                }
                progress.set_message(format!("{} (round {})", cell.id(), round + 1));
                if round >= schedule.fixed {
                    progress.inc_length(1);
                }
                measurer.again(i, cell, round, &mut results.cells[place]);
                progress.inc(1);
                place
            };
            at[i] = Some(place);
            if let Some(err) = &results.cells[place].error {
                progress.println(format!("✗ {}: {}: {}", cell.id(), err.kind, err.message));
            }
            checkpoint(results)?;
        }
    }
    Ok(())
}

/// Close a run: its cells in the order given (whatever order they were measured in), the
/// load average after it, marked complete and written out.
pub fn finish(results: &mut Results, order: &[CellId], checkpoint: &mut Checkpoint<'_>) -> anyhow::Result<()> {
    results.cells.sort_by_key(|c| order.iter().position(|id| *id == c.id));
    results.environment.load_average_after = crate::environment::load_average();
    results.complete = true;
    checkpoint(results)
}

/// The order to measure `n` cells in: shuffled with `seed`, or as planned.
fn order(n: usize, seed: Option<u64>) -> Vec<usize> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(seed) = seed {
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    }
    order
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use wasmbench_data::{CellError, Environment, ErrorKind, RunConfig};
    use wasmbench_runtimes::BackendId;

    use super::*;
    use crate::manifest::Manifest;

    /// A scenario that measures nothing: it records the calls the driver makes, fails the
    /// cells it is told to, and wants `extra` more rounds for every cell.
    struct Mock {
        calls: Vec<(usize, usize)>,
        failing: Vec<usize>,
        extra: usize,
    }

    impl Measurer for Mock {
        fn first(&mut self, index: usize, cell: &CellPlan) -> Cell {
            self.calls.push((index, 0));
            let error = self.failing.contains(&index).then(|| CellError { kind: ErrorKind::Trap, message: "m".into() });
            Cell { error, ..Cell::new(cell.id(), cell.backend.kind()) }
        }

        fn wants(&self, _index: usize, round: usize) -> bool {
            round <= self.extra
        }

        fn again(&mut self, index: usize, _cell: &CellPlan, round: usize, out: &mut Cell) {
            self.calls.push((index, round));
            out.flags.push(format!("round{round}"));
        }
    }

    fn plan(n: usize) -> Vec<CellPlan> {
        let text = "schema = 1\n[[workload]]\nname = \"w\"\nexpected_stdout = \"o\"\n\
                    [[workload.module]]\nlanguage = \"c\"\nwasm = \"w.wasm\"\n";
        let manifest = Manifest::parse(text, Path::new("/m/manifest.toml")).expect("manifest");
        let workload = &manifest.workloads[0];
        BackendId::ALL[..n]
            .iter()
            .map(|&backend| CellPlan { backend, workload: workload.clone(), module: workload.modules[0].clone() })
            .collect()
    }

    fn run(mock: &mut Mock, plan: &[CellPlan], schedule: Schedule) -> (Results, usize) {
        let mut results = Results::new(Environment::default(), RunConfig::default());
        let order: Vec<CellId> = plan.iter().map(CellPlan::id).collect();
        results.missing = order.clone();
        let mut checkpoints = 0;
        let mut count = |r: &Results| {
            assert!(r.cells.len() + r.missing.len() >= plan.len(), "a cell is never lost");
            checkpoints += 1;
            Ok(())
        };
        let progress = ProgressBar::hidden();
        drive(plan, &schedule, mock, &mut results, &progress, &mut count).expect("drive");
        finish(&mut results, &order, &mut count).expect("finish");
        (results, checkpoints)
    }

    #[test]
    fn every_cell_once_per_round_it_wants_in_plan_order_at_the_end() {
        let plan = plan(4);
        let mut mock = Mock { calls: Vec::new(), failing: vec![2], extra: 1 };
        let schedule = Schedule { fixed: 1, max: 3, order_seed: Some(3) };
        let (results, checkpoints) = run(&mut mock, &plan, schedule);
        assert!(results.complete && results.missing.is_empty());
        let ids: Vec<CellId> = results.cells.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids, plan.iter().map(CellPlan::id).collect::<Vec<_>>(), "plan order");
        // Round 0 for all four; round 1 for the three that did not fail; no round 2.
        assert_eq!(mock.calls.iter().filter(|c| c.1 == 0).count(), 4);
        let mut again: Vec<usize> = mock.calls.iter().filter(|c| c.1 == 1).map(|c| c.0).collect();
        again.sort_unstable();
        assert_eq!(again, [0, 1, 3], "a failed cell gets no further round");
        assert!(mock.calls.iter().all(|c| c.1 < 2));
        assert_eq!(results.cells[0].flags, ["round1"]);
        assert!(results.cells[2].flags.is_empty());
        assert_eq!(checkpoints, 4 + 3 + 1, "a checkpoint after every cell of every round, and at the end");
    }

    #[test]
    fn shuffled_rounds_differ_and_planned_order_is_kept() {
        let plan = plan(6);
        let mut planned = Mock { calls: Vec::new(), failing: vec![], extra: 0 };
        run(&mut planned, &plan, Schedule { fixed: 1, max: 1, order_seed: None });
        assert_eq!(planned.calls.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
        let mut shuffled = Mock { calls: Vec::new(), failing: vec![], extra: 1 };
        run(&mut shuffled, &plan, Schedule { fixed: 2, max: 2, order_seed: Some(11) });
        let round = |r: usize| shuffled.calls.iter().filter(|c| c.1 == r).map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(round(0), order(6, Some(11)));
        assert_eq!(round(1), order(6, Some(12)), "each round re-shuffles with seed + round");
    }

    #[test]
    fn order_is_a_seeded_permutation() {
        let a = order(50, Some(7));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(a, order(50, Some(7)), "the same seed gives the same order");
        assert_ne!(a, order(50, Some(8)), "each round re-shuffles with its own seed");
        assert_eq!(order(5, None), [0, 1, 2, 3, 4]);
    }
}
