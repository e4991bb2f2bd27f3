//! What the kernel does for the requests of a throughput level: the system calls, the
//! address-space calls (`mmap`, `munmap`, `mprotect`, `madvise`), the page faults and the
//! context switches of each measuring thread, and the TLB shootdowns of the machine.
//! A rate that falls when a second thread joins is explained by these counts, not guessed.
//!
//! Each thread counts itself (perf counters opened with `pid = 0` count the calling
//! thread; `getrusage(RUSAGE_THREAD)`), from the start barrier to its last request, so the
//! engine's helper threads and the harness do not blur them. System-call counts need perf
//! tracepoints (root or `perf_event_paranoid` ≤ 1, and tracefs): where the kernel refuses
//! them they are left out, never guessed. TLB shootdowns are a machine-wide interrupt
//! count: on a quiet machine they are this process's.

use perf_event::events::Tracepoint;
use perf_event::{Builder, Counter};

use crate::process::Usage;
use crate::protocol::KernelCounts;

/// Where tracefs keeps the tracepoints' ids (mounted on its own or under debugfs).
const TRACEFS: [&str; 2] = ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"];

/// The address-space system calls counted on their own.
const MM_CALLS: [&str; 4] = ["mmap", "munmap", "mprotect", "madvise"];

/// The counters of the calling thread, started by [`ThreadCounters::start`].
pub struct ThreadCounters {
    syscalls: Option<Counter>,
    mm: Option<Vec<Counter>>,
    usage: Usage,
}

impl ThreadCounters {
    /// Start counting for the calling thread.
    pub fn start() -> ThreadCounters {
        let syscalls = tracepoint("raw_syscalls/sys_enter");
        let mm = MM_CALLS
            .iter()
            .map(|call| tracepoint(&format!("syscalls/sys_enter_{call}")))
            .collect::<Option<Vec<_>>>();
        ThreadCounters {
            syscalls,
            mm,
            usage: Usage::of_this_thread(),
        }
    }

    /// What the calling thread did since [`ThreadCounters::start`] (call it on the same
    /// thread). `tlb_shootdowns` is left for the level to fill in.
    pub fn stop(self) -> KernelCounts {
        let usage = Usage::of_this_thread();
        let switches = |u: &Usage| u.voluntary_switches + u.involuntary_switches;
        let read = |c: &mut Counter| c.read().ok();
        KernelCounts {
            syscalls: self.syscalls.and_then(|mut c| read(&mut c)),
            mm_syscalls: self
                .mm
                .and_then(|counters| counters.into_iter().map(|mut c| read(&mut c)).sum()),
            faults: usage.faults.saturating_sub(self.usage.faults),
            context_switches: switches(&usage).saturating_sub(switches(&self.usage)),
            tlb_shootdowns: None,
        }
    }
}

/// An enabled counter of the tracepoint `group/name` for the calling thread, or `None`
/// where tracefs or perf is not available to this process.
fn tracepoint(name: &str) -> Option<Counter> {
    let id = TRACEFS
        .iter()
        .find_map(|root| std::fs::read_to_string(format!("{root}/{name}/id")).ok())?
        .trim()
        .parse()
        .ok()?;
    let mut counter = Builder::new(Tracepoint::with_id(id))
        .observe_self()
        .any_cpu()
        .include_kernel()
        .build()
        .ok()?;
    counter.enable().ok()?;
    Some(counter)
}

/// TLB shootdown interrupts of all CPUs so far (the `TLB` row of `/proc/interrupts`;
/// x86), or `None` where the kernel has no such row.
pub fn tlb_shootdowns() -> Option<u64> {
    let table = std::fs::read_to_string("/proc/interrupts").ok()?;
    shootdowns_in(&table)
}

fn shootdowns_in(table: &str) -> Option<u64> {
    let row = table.lines().find(|l| l.trim_start().starts_with("TLB:"))?;
    let counts = row.trim_start().trim_start_matches("TLB:").split_whitespace();
    Some(counts.map_while(|v| v.parse::<u64>().ok()).sum())
}

/// Sum the threads' counts: a count is known only when every thread knew it.
pub fn total(counts: impl IntoIterator<Item = KernelCounts>) -> KernelCounts {
    let add = |a: Option<u64>, b: Option<u64>| Some(a? + b?);
    counts.into_iter().fold(
        KernelCounts {
            syscalls: Some(0),
            mm_syscalls: Some(0),
            faults: 0,
            context_switches: 0,
            tlb_shootdowns: None,
        },
        |t, c| KernelCounts {
            syscalls: add(t.syscalls, c.syscalls),
            mm_syscalls: add(t.mm_syscalls, c.mm_syscalls),
            faults: t.faults + c.faults,
            context_switches: t.context_switches + c.context_switches,
            tlb_shootdowns: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tlb_row_is_summed_over_cpus() {
        let table = "           CPU0       CPU1\n  0:         44          0   IO-APIC   2-edge      timer\n\
                     TLB:     829051     791481   TLB shootdowns\nERR:          0\n";
        assert_eq!(shootdowns_in(table), Some(829_051 + 791_481));
        assert_eq!(shootdowns_in("  0: 1 2 timer\n"), None);
    }

    #[test]
    fn a_thread_counts_its_own_mm_calls() {
        let counters = ThreadCounters::start();
        for _ in 0..10 {
            // SAFETY: a fresh anonymous mapping, unmapped at once; nothing else uses it.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                assert_ne!(p, libc::MAP_FAILED);
                *(p as *mut u8) = 1; // one page fault
                libc::munmap(p, 4096);
            }
        }
        let counts = counters.stop();
        assert!(counts.faults >= 10, "{counts:?}");
        // Where perf tracepoints are available (root here), exactly these 20 calls.
        if let Some(mm) = counts.mm_syscalls {
            assert_eq!(mm, 20, "{counts:?}");
            assert!(counts.syscalls.unwrap_or(0) >= 20, "{counts:?}");
        }
    }

    #[test]
    fn unknown_counts_stay_unknown_in_the_total() {
        let known = KernelCounts {
            syscalls: Some(3),
            mm_syscalls: Some(1),
            faults: 2,
            context_switches: 1,
            tlb_shootdowns: None,
        };
        let unknown = KernelCounts {
            syscalls: None,
            ..known.clone()
        };
        let t = total([known.clone(), known.clone()]);
        assert_eq!((t.syscalls, t.mm_syscalls, t.faults), (Some(6), Some(2), 4));
        assert_eq!(total([known, unknown]).syscalls, None);
    }
}
