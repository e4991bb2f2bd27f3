//! Per-instance memory: the resident-set growth of the worker process while `k` fresh
//! instances are alive at once.

use wasmbench_data::ErrorKind;
use wasmbench_runtimes::{Backend, PreparedModule, WasiInput};

use crate::failure::Failure;

/// Resident set size of this process in bytes.
fn resident_bytes() -> Result<u64, Failure> {
    let failure = |e: procfs::ProcError| Failure::new(ErrorKind::Io, format!("reading /proc/self/statm: {e}"));
    let statm = procfs::process::Process::myself().and_then(|p| p.statm()).map_err(failure)?;
    Ok(statm.resident * procfs::page_size())
}

/// Resident-memory growth per instance while `k` fresh instances are alive at once.
pub fn rss_per_instance(
    backend: &dyn Backend,
    module: &dyn PreparedModule,
    input: &WasiInput,
    k: u32,
) -> Result<f64, Failure> {
    let before = resident_bytes()?;
    let mut live = Vec::with_capacity(k as usize);
    for _ in 0..k {
        live.push(match backend.create_sandbox()? {
            Some(sandbox) => module.instantiate_in(sandbox, input)?,
            None => module.instantiate(input)?,
        });
    }
    let after = resident_bytes()?;
    drop(live);
    Ok(after.saturating_sub(before) as f64 / f64::from(k.max(1)))
}

/// This process's peak resident set in bytes (`VmHWM` in /proc/self/status).
pub fn own_peak_rss() -> Option<u64> {
    let status = procfs::process::Process::myself().ok()?.status().ok()?;
    status.vmhwm.map(|kib| kib * 1024)
}
