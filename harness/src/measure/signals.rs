//! Machine signals of a round: the workers' CPU time and context switches (summed from
//! `wait4`), and the whole machine's steal time over the round (/proc/stat).

use procfs::CurrentSI;
use wasmbench_data::MachineSignals;

use crate::process::Usage;

/// Steal time of all CPUs since boot, in nanoseconds, when the kernel reports it.
pub fn steal_ns() -> Option<u64> {
    let stats = procfs::KernelStats::current().ok()?;
    let steal = stats.total.steal_duration()?;
    u64::try_from(steal.as_nanos()).ok()
}

/// Add one worker process of round `round` to the cell's signals.
pub fn add_worker(machine: &mut Vec<MachineSignals>, round: usize, wall_ns: u64, usage: &Usage) {
    let at = match machine.iter().position(|m| m.round == round) {
        Some(at) => at,
        None => {
            machine.push(MachineSignals { round, ..MachineSignals::default() });
            machine.len() - 1
        }
    };
    let m = &mut machine[at];
    m.wall_ns += wall_ns;
    m.user_ns += usage.user_ns;
    m.sys_ns += usage.sys_ns;
    m.voluntary_switches += usage.voluntary_switches;
    m.involuntary_switches += usage.involuntary_switches;
}

/// Record the steal time between `before` and now on round `round`'s signals.
pub fn add_steal(machine: &mut [MachineSignals], round: usize, before: Option<u64>) {
    if let (Some(before), Some(now), Some(m)) = (before, steal_ns(), machine.iter_mut().find(|m| m.round == round)) {
        m.steal_ns = Some(now.saturating_sub(before));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_of_a_round_add_up() {
        let mut machine = Vec::new();
        let usage = Usage { user_ns: 5, sys_ns: 1, voluntary_switches: 2, involuntary_switches: 3, faults: 0 };
        add_worker(&mut machine, 0, 10, &usage);
        add_worker(&mut machine, 0, 10, &usage);
        add_worker(&mut machine, 1, 7, &usage);
        assert_eq!(machine.len(), 2);
        assert_eq!((machine[0].wall_ns, machine[0].user_ns, machine[0].involuntary_switches), (20, 10, 6));
        add_steal(&mut machine, 0, steal_ns());
        assert!(machine[1].steal_ns.is_none());
    }
}
