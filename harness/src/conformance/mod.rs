//! `wasmbench conformance`: a folder of WASI tests in the wasi-testsuite layout run on
//! every backend, each test in a fresh worker, judged against its spec and the backends'
//! expectations.
//!
//! - `spec`: a test's `<test>.json` (args, env, root, exit_code, stdout);
//! - `suite`: the tests of a folder;
//! - `expectations`: the known failures of each backend;
//! - `sandbox`: the fresh copy of a test's root the guest gets;
//! - `runner`: one (test, backend) in worker processes;
//! - `classify`: pass, fail or error, and whether the expectations foresaw it.

pub mod classify;
pub mod expectations;
pub mod runner;
pub mod sandbox;
pub mod spec;
pub mod suite;
