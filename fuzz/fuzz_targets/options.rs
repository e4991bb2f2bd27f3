//! The parsers of option values and settings: `--threshold`, `--metric`, backend names and
//! the worker's slowdown setting. Any text must give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmbench::worker::measured::parse_slowdown;
use wasmbench::compare::{parse_threshold, MetricFilter};
use wasmbench_runtimes::BackendId;

fuzz_target!(|text: &str| {
    if let Ok(fraction) = parse_threshold(text) {
        assert!((0.0..=10.0).contains(&fraction), "threshold {text:?} gave {fraction}");
    }
    let _ = text.parse::<MetricFilter>();
    if let Ok(id) = text.parse::<BackendId>() {
        // Names round-trip.
        assert_eq!(id.name().parse::<BackendId>().ok(), Some(id));
    }
    for &backend in BackendId::ALL {
        let _ = parse_slowdown(text, backend);
    }
});
