//! What the machine was and did: its fingerprint (recorded once per run) and the signals
//! recorded with every round of a cell's samples (steal time, the workers' CPU time and
//! context switches), so that a reader can tell when the machine moved, not the code.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The identity of the machine a run was made on. Two runs compare wall-clock figures
/// meaningfully only on machines with the same fingerprint (see [`Fingerprint::differences`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Fingerprint {
    /// `vendor_id` of /proc/cpuinfo (e.g. `AuthenticAMD`).
    pub cpu_vendor: String,
    pub cpu_family: String,
    pub cpu_model_number: String,
    pub cpu_stepping: String,
    pub microcode: String,
    /// `cache size` of /proc/cpuinfo (the last-level cache a core sees, e.g. `512 KB`).
    pub cache: String,
    /// First 16 hex digits of the SHA-256 of the sorted CPU flags.
    pub flags_digest: String,
    /// `cpu MHz` of the first CPU when the run started (informative: it moves, so it is
    /// not part of the identity).
    pub mhz: Option<f64>,
    pub logical_cpus: usize,
    /// `MemTotal` of /proc/meminfo.
    pub memory_bytes: u64,
    /// The hypervisor, if any: `none`, or what the platform says (DMI vendor/product,
    /// /sys/hypervisor/type), or `unknown` when only the CPU's hypervisor flag is set.
    pub hypervisor: String,
    pub kernel: String,
}

impl Fingerprint {
    /// The identity fields in which `self` and `other` differ, as `name: a ≠ b` lines
    /// (MHz excluded: it moves from one moment to the next on the same machine).
    pub fn differences(&self, other: &Fingerprint) -> Vec<String> {
        let fields = |f: &Fingerprint| {
            [
                ("CPU vendor", f.cpu_vendor.clone()),
                ("CPU family", f.cpu_family.clone()),
                ("CPU model", f.cpu_model_number.clone()),
                ("stepping", f.cpu_stepping.clone()),
                ("microcode", f.microcode.clone()),
                ("cache", f.cache.clone()),
                ("CPU flags", f.flags_digest.clone()),
                ("logical CPUs", f.logical_cpus.to_string()),
                ("memory", format!("{} MiB", f.memory_bytes >> 20)),
                ("hypervisor", f.hypervisor.clone()),
                ("kernel", f.kernel.clone()),
            ]
        };
        fields(self)
            .into_iter()
            .zip(fields(other))
            .filter(|((_, a), (_, b))| a != b)
            .map(|((name, a), (_, b))| format!("{name}: {a} ≠ {b}"))
            .collect()
    }
}

/// What the machine did while one round of a cell was measured: the sum over that round's
/// worker processes, and the whole machine's steal time over the round.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct MachineSignals {
    /// The round (0 = first).
    pub round: usize,
    /// Wall time of the round's workers, spawn to exit.
    pub wall_ns: u64,
    /// Their CPU time in user and kernel mode (`wait4` rusage).
    pub user_ns: u64,
    pub sys_ns: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    /// Time the hypervisor ran something else on this machine's CPUs while the round was
    /// measured (all CPUs, /proc/stat), when the kernel reports it.
    pub steal_ns: Option<u64>,
}

impl MachineSignals {
    /// CPU time over wall time: about 1 for a single-threaded worker that ran undisturbed,
    /// lower when it waited for a CPU.
    pub fn cpu_share(&self) -> Option<f64> {
        (self.wall_ns > 0).then(|| (self.user_ns + self.sys_ns) as f64 / self.wall_ns as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_identity_fields_only() {
        let a = Fingerprint { cpu_model_number: "49".into(), mhz: Some(2450.0), memory_bytes: 24 << 30, ..Fingerprint::default() };
        let mut b = Fingerprint { mhz: Some(3000.0), ..a.clone() };
        assert!(a.differences(&b).is_empty(), "MHz alone is not a different machine");
        b.cpu_model_number = "1".into();
        b.microcode = "0xa0011d1".into();
        assert_eq!(a.differences(&b), ["CPU model: 49 ≠ 1", "microcode:  ≠ 0xa0011d1"]);
    }

    #[test]
    fn cpu_share_is_cpu_over_wall() {
        let s = MachineSignals { wall_ns: 100, user_ns: 60, sys_ns: 10, ..MachineSignals::default() };
        assert_eq!(s.cpu_share(), Some(0.7));
        assert_eq!(MachineSignals::default().cpu_share(), None);
    }
}
