//! The drift sentinel: a fixed reference measurement — a native integer loop and the same
//! loop in Wasm on a fixed backend, each the median of three runs of ~10 ms — probed at
//! the start of a run, between cells, after each round and at the end. Its series goes
//! into results.json; the run driver flags cells measured while it was off its median
//! (see `crate::measure::watch`).

mod native;
mod wasm;

use std::time::Instant;

use anyhow::Result;
use wasmbench_data::{Probe, Sentinel};

use crate::stats::median;
use crate::timing::timed;
use wasm::WasmLoop;

/// Steps of each loop on a JIT: about 10 ms on a 2.6 GHz core.
const ITERATIONS: u64 = 4_000_000;
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Runs of each loop per probe; the probe keeps their median.
const REPEATS: usize = 3;

/// Something that tells how fast the machine is: probed now and then, it says how much
/// slower than the run median so far each probe found it, in percent. The sentinel is one;
/// tests use a scripted one.
pub trait Gauge {
    /// Take a probe.
    fn probe(&mut self) -> Result<()>;

    /// Probe `k`'s (from 0) slowdown against the median of all probes so far.
    fn slowdown_pct(&self, k: usize) -> Option<f64>;

    /// The probes so far, for the results document.
    fn series(&self) -> Option<&Sentinel> {
        None
    }
}

/// The sentinel and its series.
pub struct SentinelRunner {
    started: Instant,
    wasm: WasmLoop,
    pub series: Sentinel,
}

impl SentinelRunner {
    /// Compile the Wasm loop; `threshold_pct` is recorded with the series.
    pub fn new(threshold_pct: f64) -> Result<SentinelRunner> {
        let wasm = WasmLoop::new(SEED, ITERATIONS)?;
        // Once untimed: page in the code and warm the caches, as every probe after it.
        native::xorshift(SEED, ITERATIONS);
        wasm.run()?;
        let series = Sentinel {
            native_iterations: ITERATIONS,
            backend: wasm.backend.name().to_string(),
            wasm_iterations: wasm.iterations,
            threshold_pct,
            probes: Vec::new(),
        };
        Ok(SentinelRunner { started: Instant::now(), wasm, series })
    }
}

impl Gauge for SentinelRunner {
    fn probe(&mut self) -> Result<()> {
        let at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let native: Vec<f64> = (0..REPEATS).map(|_| timed(|| native::xorshift(SEED, ITERATIONS)).1 as f64).collect();
        let wasm = (0..REPEATS).map(|_| self.wasm.run()).collect::<Result<Vec<f64>>>()?;
        let (native, wasm) = (median(&native), median(&wasm));
        let probe = Probe { at_ms, native_ns: native, wasm_ns: wasm };
        self.series.probes.push(probe);
        Ok(())
    }

    fn slowdown_pct(&self, k: usize) -> Option<f64> {
        self.series.slowdown_pct(self.series.probes.get(k)?)
    }

    fn series(&self) -> Option<&Sentinel> {
        Some(&self.series)
    }
}
