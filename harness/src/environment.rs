//! The environment block of a results document: what machine, kernel, compiler, runtime
//! versions and source revision produced the numbers.

use std::path::Path;
use std::process::Command;

use wasmbench_data::Environment;

/// Collect the environment; `checkout` is a folder inside the source checkout (for the
/// git commit). Fields that cannot be read are left as "unknown", never invented.
pub fn collect(checkout: &Path) -> Environment {
    Environment {
        wasmbench_version: env!("CARGO_PKG_VERSION").to_string(),
        timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        hostname: read_trimmed("/proc/sys/kernel/hostname"),
        os: os_name(),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model: cpu_model(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        rustc: env!("WASMBENCH_RUSTC").to_string(),
        build_profile: env!("WASMBENCH_PROFILE").to_string(),
        git_commit: git_commit(checkout),
        runtime_versions: wasmbench_runtimes::runtime_versions(),
        cpu_governor: std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
            .ok()
            .map(|s| s.trim().to_string()),
        load_average_before: load_average(),
        load_average_after: None,
        timer_overhead_ns: Some(timer_overhead_ns()),
        fingerprint: Some(crate::fingerprint::collect()),
    }
}

/// The 1, 5 and 15 minute load averages from /proc/loadavg.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// Median time the worker's phase timer reports for an empty phase.
pub fn timer_overhead_ns() -> f64 {
    let mut samples: Vec<f64> = (0..10_000)
        .map(|_| crate::timing::timed(|| std::hint::black_box(())).1 as f64)
        .collect();
    samples.sort_by(f64::total_cmp);
    crate::stats::quantile(&samples, 0.5)
}

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"])?;
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{commit}-dirty") } else { commit })
}
