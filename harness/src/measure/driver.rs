//! The run driver shared by every scenario: rounds over the plan, each in its own seeded
//! shuffled order, results written out (a checkpoint) after every cell, and the finished
//! document in plan order. What measuring a cell means is the scenario's ([`Measurer`]).
//! With a [`Watch`] (the drift sentinel), a cell round measured while the machine was off
//! its speed is recorded as disturbed and measured again in a later round.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wasmbench_data::{Cell, CellId, Disturbance, Results};

use super::watch::{Flag, Watch};
use crate::plan::CellPlan;

/// Most times one cell is measured again because its rounds were disturbed.
pub const MAX_REMEASURES: usize = 2;

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

    /// Round `round` of the cell at `index` measures again what round `replaced` measured
    /// while the machine was disturbed, replacing those samples.
    fn redo(&mut self, index: usize, cell: &CellPlan, round: usize, replaced: usize, out: &mut Cell) {
        let _ = replaced;
        self.again(index, cell, round, out);
    }
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

/// A progress bar on stderr with one step per cell and fixed round, and `once` more steps
/// for cells measured in one go (the process backends'). Hidden where stderr is not a
/// terminal: then every step prints a line (see `measure::progress`).
pub fn progress_bar(plan: &[CellPlan], schedule: &Schedule, once: usize) -> ProgressBar {
    let steps = plan.len() as u64 * schedule.fixed.max(1) as u64 + once as u64;
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A run being driven: what it measures with, and where it stands — each measured
/// cell's place in `results.cells`, and the disturbed rounds still to measure again, by
/// plan index.
struct Driver<'r, 'w> {
    plan: &'r [CellPlan],
    schedule: &'r Schedule,
    measurer: &'r mut dyn Measurer,
    results: &'r mut Results,
    progress: &'r ProgressBar,
    watch: Option<&'r mut Watch<'w>>,
    at: Vec<Option<usize>>,
    /// Disturbed rounds of each cell waiting to be measured again, oldest first.
    redo: Vec<Vec<usize>>,
    redone: Vec<usize>,
}

/// What a round does with a cell: measure it for the first time, measure a disturbed
/// round again (the cell's place in the results, the round replaced), or take another
/// round (the cell's place).
enum Action {
    First,
    Redo(usize, usize),
    Again(usize),
}

/// Measure every planned cell in every round it wants, appending the cells to `results`
/// (whose `missing` lists what is still to come) and checkpointing after each. With a
/// `watch`, probe it when due between cells and after every round, and measure disturbed
/// rounds again (in rounds past the planned ones if need be).
pub fn drive(
    plan: &[CellPlan],
    schedule: &Schedule,
    measurer: &mut dyn Measurer,
    results: &mut Results,
    progress: &ProgressBar,
    watch: Option<&mut Watch<'_>>,
    checkpoint: &mut Checkpoint<'_>,
) -> anyhow::Result<()> {
    let n = plan.len();
    let mut d = Driver { plan, schedule, measurer, results, progress, watch, at: vec![None; n], redo: vec![Vec::new(); n], redone: vec![0; n] };
    let limit = schedule.max.max(schedule.fixed).max(1);
    d.probe(false);
    for round in 0.. {
        if round >= limit && d.redo.iter().all(Vec::is_empty) {
            break;
        }
        let seed = schedule.order_seed.map(|s| s.wrapping_add(round as u64));
        let mut measured = false;
        for i in order(n, seed) {
            if !d.visit(i, round, round < limit) {
                continue;
            }
            measured = true;
            if let Some(w) = d.watch.as_mut() {
                w.measured(i, round);
            }
            checkpoint(d.results)?;
        }
        if measured {
            d.probe(true);
            checkpoint(d.results)?;
        }
    }
    Ok(())
}

impl Driver<'_, '_> {
    /// Measure the cell at plan index `i` in `round` if it takes part (`planned`: the round
    /// is one of the schedule's, not one only for disturbed cells), probing the watch
    /// first when a probe is due; whether it did.
    fn visit(&mut self, i: usize, round: usize, planned: bool) -> bool {
        let Some(action) = self.action(i, round, planned) else { return false };
        if self.watch.as_ref().is_some_and(|w| w.due()) {
            self.probe(false);
        }
        let (cell, progress) = (&self.plan[i], self.progress);
        let place = match action {
            Action::First => {
                progress.set_message(cell.id().to_string());
                let out = self.measurer.first(i, cell);
                self.results.missing.retain(|id| *id != out.id);
                self.results.cells.push(out);
                self.results.cells.len() - 1
            }
            Action::Redo(place, replaced) => {
                progress.set_message(format!("{} (round {}, again: the machine was disturbed)", cell.id(), round + 1));
                progress.inc_length(1);
                self.redone[i] += 1;
                let out = &mut self.results.cells[place];
                self.measurer.redo(i, cell, round, replaced, out);
                out.disturbed.iter_mut().filter(|d| d.round == replaced).for_each(|d| d.remeasured = true);
                place
            }
            Action::Again(place) => {
                progress.set_message(format!("{} (round {})", cell.id(), round + 1));
                if round >= self.schedule.fixed {
                    progress.inc_length(1);
                }
                self.measurer.again(i, cell, round, &mut self.results.cells[place]);
                place
            }
        };
        progress.inc(1);
        self.at[i] = Some(place);
        super::progress::finished(progress, &self.results.cells[place], round + 1, self.schedule.fixed.max(1));
        true
    }

    /// What `round` does with the cell at plan index `i`, if anything. A fixed round takes
    /// its own share of samples first; a disturbed round waiting to be measured again
    /// takes the place of a later (precision or extra) round.
    fn action(&mut self, i: usize, round: usize, planned: bool) -> Option<Action> {
        if round == 0 {
            return Some(Action::First);
        }
        let place = self.at[i]?;
        if self.results.cells[place].error.is_some() {
            self.redo[i].clear();
            return None;
        }
        if round < self.schedule.fixed && self.measurer.wants(i, round) {
            return Some(Action::Again(place));
        }
        if !self.redo[i].is_empty() {
            return Some(Action::Redo(place, self.redo[i].remove(0)));
        }
        (planned && self.measurer.wants(i, round)).then_some(Action::Again(place))
    }

    /// Probe the watch (if any); at the end of a round (`judge`), record the disturbed
    /// rounds it finds on their cells, scheduling each cell for measuring again while it
    /// has re-measures left.
    fn probe(&mut self, judge: bool) {
        let Some(w) = self.watch.as_mut() else { return };
        let was_broken = w.broken.is_some();
        w.probe();
        let flags = if judge { w.judge() } else { Vec::new() };
        for Flag { index, round, slowdown_pct } in flags {
            let Some(place) = self.at[index] else { continue };
            let out = &mut self.results.cells[place];
            out.disturbed.push(Disturbance { round, slowdown_pct, remeasured: false });
            let again = out.error.is_none() && self.redone[index] + self.redo[index].len() < MAX_REMEASURES;
            let then = if again { "; measuring it again" } else { "" };
            say(self.progress, format!(
                "~ {}: round {} measured while the machine ran {slowdown_pct:+.0}% off its median speed{then}",
                out.id,
                round + 1
            ));
            if again {
                self.redo[index].push(round);
            }
        }
        if let Some(series) = w.series() {
            self.results.sentinel = Some(series.clone());
        }
        if let (false, Some(why)) = (was_broken, &w.broken) {
            say(self.progress, format!("wasmbench: the drift sentinel failed ({why}); the run goes on without it"));
        }
    }
}

/// A line for the user above the progress bar, or on stderr when there is no bar to draw
/// (stderr not a terminal), so that a log keeps it.
pub fn say(progress: &ProgressBar, line: String) {
    if progress.is_hidden() {
        eprintln!("{line}");
    } else {
        progress.println(line);
    }
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
            Cell { error, ..Cell::new(cell.id(), cell.kind()) }
        }

        fn wants(&self, _index: usize, round: usize) -> bool {
            round <= self.extra
        }

        fn again(&mut self, index: usize, _cell: &CellPlan, round: usize, out: &mut Cell) {
            self.calls.push((index, round));
            out.flags.push(format!("round{round}"));
        }

        fn redo(&mut self, index: usize, _cell: &CellPlan, round: usize, replaced: usize, out: &mut Cell) {
            self.calls.push((index, round));
            out.flags.push(format!("round{round} replaces round{replaced}"));
        }
    }

    fn plan(n: usize) -> Vec<CellPlan> {
        let text = "schema = 1\n[[workload]]\nname = \"w\"\nexpected_stdout = \"o\"\n\
                    [[workload.module]]\nlanguage = \"c\"\nwasm = \"w.wasm\"\n";
        let manifest = Manifest::parse(text, Path::new("/m/manifest.toml")).expect("manifest");
        let workload = &manifest.workloads[0];
        BackendId::ALL[..n]
            .iter()
            .map(|&backend| CellPlan { backend, workload: workload.clone(), module: workload.modules[0].clone(), contained: false })
            .collect()
    }

    fn run(mock: &mut Mock, plan: &[CellPlan], schedule: Schedule) -> (Results, usize) {
        run_watched(mock, plan, schedule, None)
    }

    fn run_watched(mock: &mut Mock, plan: &[CellPlan], schedule: Schedule, watch: Option<&mut Watch<'_>>) -> (Results, usize) {
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
        drive(plan, &schedule, mock, &mut results, &progress, watch, &mut count).expect("drive");
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
        assert_eq!(checkpoints, 4 + 3 + 2 + 1, "a checkpoint after every cell of every round, after every round that measured one, and at the end");
    }

    #[test]
    fn a_disturbed_round_is_measured_again_at_most_twice() {
        use crate::measure::watch::tests::Scripted;
        // Plan order, one round, a probe before every cell and after every round: at the
        // start (0), before cells 0, 1, 2 (1-3; 3 is slow: after cell 1, before cell 2),
        // at the end of round 0 (4); round 1: before cell 1 (5), before cell 2 (6), at
        // the end (7, slow: after cell 2); round 2: before cell 2 (8, slow), end (9).
        let mut gauge = Scripted { script: vec![0.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 30.0, 30.0, 0.0], probes: 0, fail_at: None };
        let mut watch = Watch::new(&mut gauge, std::time::Duration::ZERO, 10.0);
        let plan = plan(3);
        let mut mock = Mock { calls: Vec::new(), failing: vec![], extra: 0 };
        let (results, _) = run_watched(&mut mock, &plan, Schedule { fixed: 1, max: 1, order_seed: None }, Some(&mut watch));
        let rounds_of = |i: usize| mock.calls.iter().filter(|c| c.0 == i).map(|c| c.1).collect::<Vec<_>>();
        assert_eq!(rounds_of(0), [0], "an undisturbed cell is measured once");
        assert_eq!(rounds_of(1), [0, 1], "disturbed once, measured again once");
        assert_eq!(rounds_of(2), [0, 1, 2], "disturbed three times: measured again twice, then left flagged");
        let disturbed = |i: usize| results.cells[i].disturbed.iter().map(|d| (d.round, d.remeasured)).collect::<Vec<_>>();
        assert_eq!(disturbed(1), [(0, true)]);
        assert_eq!(disturbed(2), [(0, true), (1, true), (2, false)]);
        assert_eq!(results.cells[1].flags, ["round1 replaces round0"]);
        assert_eq!(results.sentinel, None, "a scripted gauge keeps no series");
    }

    #[test]
    fn a_fixed_round_keeps_its_share_and_the_disturbed_round_is_redone_after_it() {
        use crate::measure::watch::tests::Scripted;
        // Two cells, two fixed rounds, planned order; probes: start (0), before cell 0 (1),
        // before cell 1 (2, slow: after cell 0), end of round 0 (3); round 1: before
        // each cell (4, 5), end (6); round 2: before cell 0 (7), end (8).
        let mut gauge = Scripted { script: vec![0.0, 0.0, 50.0], probes: 0, fail_at: None };
        let mut watch = Watch::new(&mut gauge, std::time::Duration::ZERO, 10.0);
        let plan = plan(2);
        let mut mock = Mock { calls: Vec::new(), failing: vec![], extra: 1 };
        let (results, _) = run_watched(&mut mock, &plan, Schedule { fixed: 2, max: 2, order_seed: None }, Some(&mut watch));
        assert_eq!(results.cells[0].flags, ["round1", "round2 replaces round0"], "round 1 takes its share, then round 0 is redone");
        assert_eq!(results.cells[1].flags, ["round1", "round2 replaces round0"], "slow before cell 1 too");
        assert!(results.cells.iter().all(|c| c.disturbed.iter().all(|d| d.remeasured)));
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
