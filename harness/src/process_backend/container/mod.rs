//! `container`: the workload's static native build in an OCI container started with
//! `runc` — the usual FaaS sandbox, without an image registry: the bundle is made here,
//! once per cell (a root file system holding only the binary, read-only, the workload's
//! folder bind-mounted read-only as the working directory, runc's default namespaces
//! including an empty network namespace: no network). A sample is `runc run` from spawn
//! to exit, stdio passed through, the side channel (fd 3) preserved.
//!
//! Nothing may outlive the run: each sample's container is force-deleted after it, the
//! bundle when the cell ends, and a janitor process (`janitor`) removes whatever a killed
//! run left behind as soon as the run is gone; `wasmbench clean` sweeps by hand.

mod bundle;
pub mod janitor;
pub mod sweep;

pub use bundle::Bundle;

use std::path::PathBuf;

/// runc's state folder for wasmbench's containers (`WASMBENCH_RUNC_ROOT` overrides it).
pub fn state_root() -> PathBuf {
    std::env::var_os("WASMBENCH_RUNC_ROOT").map_or_else(|| PathBuf::from("/run/wasmbench-runc"), PathBuf::from)
}

/// Where bundles are made (`WASMBENCH_BUNDLES` overrides it): one folder per cell,
/// named `<owner pid>-<n>`, so that leftovers can be told apart by owner.
pub fn bundles_root() -> PathBuf {
    std::env::var_os("WASMBENCH_BUNDLES").map_or_else(|| std::env::temp_dir().join("wasmbench-bundles"), PathBuf::from)
}

/// Container names start with this and the owner's pid: `wb-<pid>-<cell>-<sample>`.
pub fn id_prefix(owner: u32) -> String {
    format!("wb-{owner}-")
}

/// runc's version, or why containers cannot run here.
pub fn detect() -> Result<String, String> {
    let version = super::version_of("runc")?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("runc needs root here (rootless containers are not set up)".into());
    }
    if !std::path::Path::new("/sys/fs/cgroup").is_dir() {
        return Err("no cgroup file system at /sys/fs/cgroup".into());
    }
    Ok(version)
}
