//! The per-instance WASI context: argv, environment, stdin, captured stdout/stderr, the
//! descriptor table with the preopened directories, and what the guest did that the engine
//! must act on (exit code, output cap, bench region).

use std::time::Instant;

use super::fds::FdTable;
use crate::capture::CapBuffer;
use crate::{BenchClock, WasiInput};

pub(crate) struct HostState {
    /// `argv` strings, NUL-terminated.
    pub(crate) args: Vec<Vec<u8>>,
    /// `KEY=VALUE` strings, NUL-terminated, in order.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) stdin: Vec<u8>,
    pub(crate) stdin_pos: usize,
    pub(crate) stdout: CapBuffer,
    pub(crate) stderr: CapBuffer,
    pub(crate) fds: FdTable,
    /// Set by `proc_exit`.
    pub(crate) exit_code: Option<i32>,
    /// Set when the guest exceeded an output cap (the call then stops the execution).
    pub(crate) limit_hit: Option<String>,
    /// Zero of the monotonic clock: the instance's creation.
    pub(crate) clock_base: Instant,
    /// When the current execution must stop (bounds `poll_oneoff` sleeps).
    pub(crate) deadline: Option<Instant>,
    /// The region between the guest's `bench.start` and `bench.end` calls.
    pub(crate) bench: BenchClock,
}

impl HostState {
    /// The context of one instance. Fails, naming the directory, when a preopen cannot be
    /// opened.
    pub(crate) fn new(input: &WasiInput, max_output: usize) -> Result<HostState, String> {
        let mut args = vec![c_string(b"module.wasm")];
        args.extend(input.args.iter().map(|a| c_string(a.as_bytes())));
        let env = input
            .env
            .iter()
            .map(|(k, v)| c_string(format!("{k}={v}").as_bytes()))
            .collect();
        let mut preopens = Vec::with_capacity(input.preopens.len());
        for p in &input.preopens {
            let dir = cap_std::fs::Dir::open_ambient_dir(&p.host, cap_std::ambient_authority())
                .map_err(|e| format!("preopen {}: {e}", p.host.display()))?;
            preopens.push((dir, p.guest.clone()));
        }
        Ok(HostState {
            args,
            env,
            stdin: input.stdin.clone(),
            stdin_pos: 0,
            stdout: CapBuffer::new(max_output),
            stderr: CapBuffer::new(max_output),
            fds: FdTable::new(preopens),
            exit_code: None,
            limit_hit: None,
            clock_base: Instant::now(),
            deadline: None,
            bench: BenchClock::default(),
        })
    }
}

fn c_string(s: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s);
    v.push(0);
    v
}
