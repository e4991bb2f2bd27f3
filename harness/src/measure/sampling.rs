//! Sampling one cell in worker processes: precompilation, cold samples (a fresh worker
//! each), warm samples (one worker per round), throughput, and instruction counts under
//! callgrind. Every worker verifies every output it times.

use std::cell::RefCell;
use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use wasmbench_data::{BackendKind, Cell, Mode, Phase, Unit};

use super::analyse::{check_support, AnalysedModule};
use super::client::{ask, Answer};
use super::series::{push, push_instance_phases, Series};
use crate::failure::Failure;
use crate::plan::CellPlan;
use crate::process::Usage;
use crate::protocol::{Request, Task};
use crate::settings::{Measure, Settings};

/// Time a worker gets beyond its executions' deadlines (start-up, compilation: the 1.1 MB
/// `dispatch` module compiles in about a second). A backend that cannot interrupt a
/// running guest (wasm3 in a loop without calls) is killed this long after its deadline
/// and its cell reported as a timeout.
pub const WORKER_GRACE: Duration = Duration::from_secs(10);
/// The same for a worker under callgrind, which runs everything 20–100× slower (the
/// compilation of a module too).
const CALLGRIND_GRACE: Duration = Duration::from_secs(120);

/// One round of one cell's worker requests, all sharing the cell's settings.
pub struct Sampler<'a> {
    pub cell: &'a CellPlan,
    pub settings: &'a Settings,
    /// Where an AOT backend's precompiled artifact is written and loaded from.
    pub artifact: &'a Path,
    /// The round being measured: every sample is tagged with it.
    pub round: usize,
    /// Wall time and resource usage of each timed worker of the round.
    pub workers: RefCell<Vec<(u64, Usage)>>,
}

impl<'a> Sampler<'a> {
    pub fn new(cell: &'a CellPlan, settings: &'a Settings, artifact: &'a Path, round: usize) -> Sampler<'a> {
        Sampler { cell, settings, artifact, round, workers: RefCell::new(Vec::new()) }
    }

    /// The first round of a cell: precompilation (AOT), then cold and warm samples with
    /// per-instance memory, then throughput — or instruction counts only.
    pub fn first_round(&self, module: &Result<AnalysedModule, Failure>, out: &mut Cell) -> Result<Vec<Series>, Failure> {
        let module = module.as_ref().map_err(Clone::clone)?;
        out.module_bytes = module.bytes;
        if let Some(info) = &module.info {
            out.module_features = info.features.iter().map(|f| f.to_string()).collect();
            check_support(self.cell.backend, info)?;
        }
        let mut request = self.base_request();
        let mut series = Vec::new();
        if self.cell.backend.kind() == BackendKind::Aot {
            self.precompile(&mut request, &mut series, out)?;
        }
        if self.settings.measure == Measure::Instructions {
            self.instructions(&mut request, &mut series, out)?;
            return Ok(series);
        }
        self.cold(&mut request, 0, &mut series, out)?;
        if self.settings.sampling.warm_samples > 0 {
            self.warm(&mut request, 0, false, &self.settings.sampling.instance_counts, &mut series, out)?;
        }
        if !self.settings.sampling.concurrency.is_empty() {
            self.throughput(&mut request, &mut series)?;
        }
        Ok(series)
    }

    /// A later round of a cell: the share of cold samples of round `round` and a warm worker
    /// with its share of warm samples (per-instance memory and throughput are measured in
    /// the first round only). Rounds past the fixed ones are warm only, each the size of
    /// the first. (`round` differs from [`Sampler::round`] when a disturbed round is
    /// measured again.)
    pub fn later_round(&self, round: usize, out: &mut Cell, series: &mut Vec<Series>) -> Result<(), Failure> {
        let mut request = self.base_request();
        if self.cell.backend.kind() == BackendKind::Aot {
            request.artifact = Some(self.artifact.to_path_buf());
        }
        let fixed = self.settings.sampling.rounds.fixed;
        let sampled = round.min(fixed.saturating_sub(1));
        let extra = round >= fixed;
        if !extra {
            self.cold(&mut request, round, series, out)?;
        }
        self.warm(&mut request, sampled, extra, &[], series, out)
    }

    /// The worker request of the cell, before a task is chosen.
    fn base_request(&self) -> Request {
        self.cell.worker_request(&self.settings.limits, self.settings.compile_deadline)
    }

    fn ask(&self, request: &Request, timeout: Duration) -> Result<Answer, Failure> {
        let answer = match self.cell.contained {
            true => super::contained::ask(&self.settings.worker_exe, request, timeout)?,
            false => ask(&self.settings.worker_exe, &[], request, timeout)?,
        };
        self.workers.borrow_mut().push((answer.wall_ns, answer.usage));
        Ok(answer)
    }

    /// What a worker may take besides its executions: compiling, and the grace period.
    fn overhead(&self) -> Duration {
        self.settings.compile_deadline + WORKER_GRACE
    }

    /// AOT backends: compile the artifact the other tasks load (timed as `precompile`).
    fn precompile(&self, request: &mut Request, series: &mut Vec<Series>, out: &mut Cell) -> Result<(), Failure> {
        request.task = Task::Precompile;
        request.artifact = Some(self.artifact.to_path_buf());
        let answer = if self.settings.measure == Measure::Instructions {
            // Compiled under valgrind as well: the code must suit the CPU valgrind
            // presents (no AVX-512, say), not the host's. Nothing of it is counted.
            let prefix = crate::callgrind::valgrind_prefix(&self.artifact.with_extension("callgrind-precompile"));
            ask(&self.settings.worker_exe, &prefix, request, CALLGRIND_GRACE)?
        } else {
            self.ask(request, self.overhead())?
        };
        out.artifact_bytes = answer.measured.artifact_bytes;
        // (Under valgrind its duration means nothing.)
        let mut samples = answer.measured.samples;
        if let Some(s) = samples.pop().filter(|_| self.settings.measure == Measure::Time) {
            push(series, self.round, Mode::Once, Phase::Precompile, Unit::Nanoseconds, s.precompile);
        }
        Ok(())
    }

    /// Cold workers under callgrind, which counts the execute phase only.
    fn instructions(&self, request: &mut Request, series: &mut Vec<Series>, out: &mut Cell) -> Result<(), Failure> {
        request.task = Task::Cold;
        for i in 0..self.settings.sampling.cold_samples.max(1) {
            let profile = self.artifact.with_extension(format!("callgrind{i}"));
            let prefix: Vec<OsString> = crate::callgrind::valgrind_prefix(&profile);
            let timeout = self.settings.limits.deadline * 2 + CALLGRIND_GRACE;
            let answer = ask(&self.settings.worker_exe, &prefix, request, timeout)?;
            out.flags = answer.measured.flags;
            let count = crate::callgrind::read_total(&profile)?;
            push(series, self.round, Mode::Callgrind, Phase::Execute, Unit::Instructions, Some(count));
        }
        Ok(())
    }

    /// Cold samples of round `round`: each a fresh worker process.
    fn cold(&self, request: &mut Request, round: usize, series: &mut Vec<Series>, out: &mut Cell) -> Result<(), Failure> {
        let (settings, rounds) = (self.settings, self.settings.sampling.rounds);
        let (n, min) = (rounds.share(settings.sampling.cold_samples, round), rounds.share(settings.sampling.min_samples, round));
        let budget = settings.sampling.max_time / rounds.fixed.max(1) as u32;
        request.task = Task::Cold;
        let began = Instant::now();
        for i in 0..n {
            if i >= min.max(1) && began.elapsed() >= budget {
                break;
            }
            let answer = self.ask(request, settings.limits.deadline + self.overhead())?;
            out.flags = answer.measured.flags;
            for s in answer.measured.samples {
                push(series, self.round, Mode::Cold, Phase::Engine, Unit::Nanoseconds, s.engine);
                push(series, self.round, Mode::Cold, Phase::Prepare, Unit::Nanoseconds, s.prepare);
                push_instance_phases(series, self.round, Mode::Cold, &s);
            }
            push(series, self.round, Mode::Cold, Phase::Process, Unit::Nanoseconds, Some(answer.wall_ns));
            push(series, self.round, Mode::Cold, Phase::PeakRss, Unit::Bytes, answer.max_rss_bytes);
        }
        Ok(())
    }

    /// One warm worker: the share of warm samples of round `round` (after its own discarded
    /// warm-up) and per-instance memory at `instance_counts`.
    fn warm(
        &self,
        request: &mut Request,
        round: usize,
        extra: bool,
        instance_counts: &[u32],
        series: &mut Vec<Series>,
        out: &mut Cell,
    ) -> Result<(), Failure> {
        let (settings, rounds) = (self.settings, self.settings.sampling.rounds);
        let n = rounds.share(settings.sampling.warm_samples, round);
        if n == 0 {
            return Ok(());
        }
        request.task = Task::Warm;
        request.samples = n;
        // An extra round is there for one more process: a slow cell's samples within one
        // process agree closely (it is the processes that differ), so one sample will do.
        request.min_samples = if extra { 1 } else { rounds.share(settings.sampling.min_samples, round).max(1) };
        request.warmup = settings.sampling.warmup;
        let budget = settings.sampling.max_time / rounds.fixed.max(1) as u32;
        request.max_time_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
        request.instance_counts = instance_counts.to_vec();
        let runs = (n + settings.sampling.warmup) as u32;
        let answer = self.ask(request, settings.limits.deadline * runs + self.overhead())?;
        out.flags = answer.measured.flags;
        for s in &answer.measured.samples {
            push_instance_phases(series, self.round, Mode::Warm, s);
            push(series, self.round, Mode::Warm, Phase::EngineHeap, Unit::Bytes, s.engine_heap);
        }
        for s in series.iter_mut().filter(|s| s.mode == Mode::Warm && s.instances.is_none()) {
            s.round_ends.push(s.values.len());
        }
        for &(k, bytes) in &answer.measured.instance_rss {
            let mut rss = Series::new(Mode::Warm, Phase::InstanceRss, Unit::Bytes, vec![bytes]);
            rss.instances = Some(k);
            series.push(rss);
        }
        Ok(())
    }

    /// Requests per second and request latencies at each concurrency level.
    fn throughput(&self, request: &mut Request, series: &mut Vec<Series>) -> Result<(), Failure> {
        let settings = self.settings;
        request.task = Task::Throughput;
        request.concurrency = settings.sampling.concurrency.clone();
        request.throughput_ms = u64::try_from(settings.sampling.throughput_time.as_millis()).unwrap_or(u64::MAX);
        // Each level: set-up and one warm-up request per thread, the measured time, and
        // the requests in flight at its end.
        let levels = settings.sampling.concurrency.len() as u32;
        let deadline = settings.limits.deadline;
        let timeout = (settings.sampling.throughput_time + deadline * 3 + settings.compile_deadline) * levels + WORKER_GRACE;
        let answer = self.ask(request, timeout)?;
        for level in answer.measured.throughput {
            series.extend(per_request(&level));
            let mut rate = Series::new(Mode::Throughput, Phase::Rate, Unit::PerSecond, vec![level.rate()]);
            rate.concurrency = Some(level.concurrency);
            series.push(rate);
            let mut latency = Series::new(Mode::Throughput, Phase::Request, Unit::Nanoseconds, level.latency_samples);
            latency.concurrency = Some(level.concurrency);
            latency.exact = Some((level.requests, level.latency));
            series.push(latency);
        }
        Ok(())
    }
}

/// The kernel's counts of a throughput level per verified request, as series.
fn per_request(level: &crate::protocol::Level) -> Vec<Series> {
    level
        .per_request()
        .into_iter()
        .map(|(phase, value)| {
            let mut s = Series::new(Mode::Throughput, phase, Unit::PerRequest, vec![value]);
            s.concurrency = Some(level.concurrency);
            s
        })
        .collect()
}
