//! wasmbench's harness: the workload manifest, the measuring worker processes, the
//! measurement plan and its statistics. The `wasmbench` binary (src/main.rs) is the CLI.

pub mod child;
pub mod environment;
pub mod manifest;
pub mod report;
pub mod run;
pub mod stats;
pub mod validate;
pub mod worker;
