//! wasmbench's harness: the `wasmbench` subcommands, the workload manifest, the measuring
//! worker processes and the measurement plan with its statistics.
//!
//! Where things are:
//! - `commands/`: one file per subcommand (arguments, handler, exit status);
//! - `plan`, `shard`, `presets`, `settings`: which cells (and which part of them), how many samples, under which limits;
//! - `measure/`: the harness's side of a run in worker processes (driver, sampling,
//!   series, precision, process-backend cells); `scenario_http`: the same through the gateway;
//! - `process_backend/`: backends that run a whole process per sample (native builds,
//!   containers under runc, node, the runtimes' CLIs), one file each;
//! - `protocol`: the worker protocol; `worker/`: the child's side of it;
//! - `process`, `side_channel`, `module_io`, `verify`, `failure`, `timing`: shared building blocks;
//! - `conformance/`: the conformance matrix's tests, sandboxes, runs and verdicts;
//! - `merge`: the shards of a run put back together; `compare_history`: a run against
//!   the runs before it (`history check`);
//! - `stats`, `compare`, `callgrind`, `environment`, `manifest`, `validate`,
//!   `gateway_results`; `sightglass`: peer suites in the sightglass layout.
//!
//! The module graph has no cycle: `scripts/check-layout.py` checks the `crate::` edges.

pub mod callgrind;
pub mod commands;
pub mod compare;
pub mod compare_history;
pub mod compare_machine;
pub mod conformance;
pub mod environment;
pub mod failure;
pub mod fingerprint;
pub mod gateway_results;
pub mod manifest;
pub mod measure;
pub mod merge;
pub mod module_io;
pub mod plan;
pub mod presets;
pub mod process;
pub mod process_backend;
pub mod protocol;
pub mod scenario_http;
pub mod sentinel;
pub mod settings;
pub mod shard;
pub mod side_channel;
pub mod sightglass;
pub mod stats;
pub mod timing;
pub mod validate;
pub mod verify;
pub mod worker;
