//! wasmbench's harness: the workload manifest, the measuring worker processes, the
//! measurement plan and its statistics. The `wasmbench` binary (src/main.rs) is the CLI.

pub mod callgrind;
pub mod child;
pub mod compare;
pub mod environment;
pub mod external;
pub mod gateway_cli;
pub mod manifest;
pub mod report;
pub mod run;
pub mod scenario_http;
pub mod stats;
pub mod throughput;
pub mod validate;
pub mod worker;
