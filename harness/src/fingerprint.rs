//! The machine's fingerprint: CPU identity (vendor, family, model, stepping, microcode),
//! cache, a digest of the CPU flags, memory, hypervisor and kernel — what tells two hosts
//! apart when their CPU model lines read the same.

use sha2::{Digest, Sha256};
use wasmbench_data::Fingerprint;

/// Read this machine's fingerprint. Fields the kernel does not expose stay empty.
pub fn collect() -> Fingerprint {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    from_cpuinfo(&cpuinfo, memory_bytes(), hypervisor(&cpuinfo), kernel())
}

/// The fingerprint from the text of /proc/cpuinfo (its first processor) and the rest.
fn from_cpuinfo(cpuinfo: &str, memory_bytes: u64, hypervisor: String, kernel: String) -> Fingerprint {
    let first = cpuinfo.split("\n\n").next().unwrap_or("");
    let field = |name: &str| {
        first
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_string()))
            .unwrap_or_default()
    };
    let mut flags: Vec<&str> = Vec::new();
    if let Some(line) = first.lines().find(|l| l.split(':').next().is_some_and(|k| k.trim() == "flags")) {
        flags = line.split_once(':').map_or("", |(_, v)| v).split_whitespace().collect();
    }
    flags.sort_unstable();
    let digest = Sha256::digest(flags.join(" ").as_bytes());
    let flags_digest: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Fingerprint {
        cpu_vendor: field("vendor_id"),
        cpu_family: field("cpu family"),
        cpu_model_number: field("model"),
        cpu_stepping: field("stepping"),
        microcode: field("microcode"),
        cache: field("cache size"),
        flags_digest,
        mhz: field("cpu MHz").parse().ok(),
        logical_cpus: cpuinfo.lines().filter(|l| l.starts_with("processor")).count(),
        memory_bytes,
        hypervisor,
        kernel,
    }
}

fn memory_bytes() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(|_| String::new(), |s| s.trim().to_string())
}

/// `none` on bare metal; otherwise the hypervisor's CPUID vendor signature, else what
/// the platform files say, else `unknown`.
fn hypervisor(cpuinfo: &str) -> String {
    let flagged = cpuinfo.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"));
    if !flagged {
        return "none".into();
    }
    let platform = ["/sys/hypervisor/type", "/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    match (cpuid_hypervisor(), platform.is_empty()) {
        (Some(sig), true) => sig,
        (Some(sig), false) => format!("{sig} ({platform})"),
        (None, false) => platform,
        (None, true) => "unknown".into(),
    }
}

/// The hypervisor vendor signature of CPUID leaf 0x40000000 (e.g. `KVMKVMKVM`).
#[cfg(target_arch = "x86_64")]
fn cpuid_hypervisor() -> Option<String> {
    // Leaf 0x40000000 is reserved for hypervisors (only asked when the CPU's hypervisor
    // flag is set).
    let r = std::arch::x86_64::__cpuid(0x4000_0000);
    let bytes: Vec<u8> = [r.ebx, r.ecx, r.edx].iter().flat_map(|w| w.to_le_bytes()).collect();
    let text: String = bytes.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect();
    let text = text.trim().to_string();
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_graphic() || c == ' ')).then_some(text)
}

#[cfg(not(target_arch = "x86_64"))]
fn cpuid_hypervisor() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n\
        model name\t: AMD EPYC\nstepping\t: 1\nmicrocode\t: 0xa0011d1\ncpu MHz\t\t: 2445.406\n\
        cache size\t: 512 KB\nflags\t\t: fpu sse2 hypervisor avx2\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n\
        flags\t\t: fpu sse2 hypervisor avx2\n";

    #[test]
    fn reads_the_first_processor_and_counts_all() {
        let f = from_cpuinfo(CPUINFO, 1 << 30, "KVMKVMKVM".into(), "6.1.0".into());
        assert_eq!((f.cpu_vendor.as_str(), f.cpu_family.as_str(), f.cpu_model_number.as_str()), ("AuthenticAMD", "25", "1"));
        assert_eq!((f.cpu_stepping.as_str(), f.microcode.as_str(), f.cache.as_str()), ("1", "0xa0011d1", "512 KB"));
        assert_eq!(f.mhz, Some(2445.406));
        assert_eq!(f.logical_cpus, 2);
        assert_eq!(f.flags_digest.len(), 16);
        let reordered = CPUINFO.replace("fpu sse2 hypervisor avx2", "avx2 fpu hypervisor sse2");
        assert_eq!(from_cpuinfo(&reordered, 0, String::new(), String::new()).flags_digest, f.flags_digest, "flag order does not matter");
        let fewer = CPUINFO.replace(" avx2", "");
        assert_ne!(from_cpuinfo(&fewer, 0, String::new(), String::new()).flags_digest, f.flags_digest);
    }

    #[test]
    fn this_machine_has_a_fingerprint() {
        let f = collect();
        assert!(f.logical_cpus > 0 && f.memory_bytes > 0 && !f.kernel.is_empty() && !f.hypervisor.is_empty());
    }
}
