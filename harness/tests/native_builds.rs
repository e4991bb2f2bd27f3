//! Every native build of a workload module (`workloads/built/<name>.<lang>.x86_64-linux`)
//! behaves like its Wasm module and keeps the timing wrapper's contract
//! (workloads/README.md, "Native builds"): run with the workload's env, args, stdin and
//! files, it prints the expected stdout and exits with the expected code, and with fd 3 a
//! pipe it writes exactly one line `wasmbench-execute-ns <N>` there, N > 0 and below the
//! process's wall time. With fd 3 closed or not a pipe it writes nothing and behaves the same.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use wasmbench::manifest::{default_manifest_path, Manifest, NativeBuild, Workload};

/// What fd 3 of the child is.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fd3 {
    Pipe,
    Closed,
    /// A regular file (the wrapper must not write to it).
    File,
}

/// One run of a native build: its output, what it wrote to fd 3, and the wall time from
/// spawn to exit.
struct Run {
    output: Output,
    fd3: Vec<u8>,
    wall: Duration,
}

fn manifest() -> Manifest {
    Manifest::load(&default_manifest_path()).expect("workloads/manifest.toml")
}

/// An unnamed pipe, both ends close-on-exec (the child gets its write end as fd 3 only).
fn pipe() -> (File, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into `fds`, which we then own.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Make `fd` the child's fd 3 (inheritable), or close fd 3 when `fd` is None.
fn give_fd3(command: &mut Command, fd: Option<i32>) {
    // SAFETY: the closure only calls async-signal-safe functions (dup2, fcntl, close).
    unsafe {
        command.pre_exec(move || {
            let rc = match fd {
                // dup2 onto itself would keep close-on-exec: clear the flag instead.
                Some(3) => libc::fcntl(3, libc::F_SETFD, 0),
                Some(fd) => libc::dup2(fd, 3),
                None => {
                    libc::close(3);
                    0
                }
            };
            if rc < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Run `native` as the workload `w` runs: env (only the workload's), args, stdin, and its
/// preopened folder as the current directory (guest `.`); elsewhere an empty folder.
fn run(w: &Workload, native: &NativeBuild, env: &[(String, String)], fd3: Fd3) -> Run {
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(&native.file);
    command.env_clear().envs(env.iter().cloned()).args(&w.args);
    command.current_dir(scratch.path());
    for p in &w.preopens {
        assert_eq!(p.guest, ".", "{}: only a preopen at guest `.` maps to a current directory", w.name);
        command.current_dir(&p.host);
    }
    let stdin = match &w.stdin {
        Some(path) => Stdio::from(File::open(path).expect("stdin file")),
        None => Stdio::null(),
    };
    command.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    let (reader, writer) = pipe();
    let regular = tempfile::tempfile().expect("temp file");
    match fd3 {
        Fd3::Pipe => give_fd3(&mut command, Some(writer.as_raw_fd())),
        Fd3::File => give_fd3(&mut command, Some(regular.as_raw_fd())),
        Fd3::Closed => give_fd3(&mut command, None),
    }
    let started = Instant::now();
    let child = command.spawn().unwrap_or_else(|e| panic!("{}: {e}", native.file.display()));
    drop(writer); // the child holds the only write end: reading ends at its exit
    let output = child.wait_with_output().expect("wait");
    let wall = started.elapsed();
    let mut fd3 = Vec::new();
    std::io::Read::read_to_end(&mut &reader, &mut fd3).expect("read fd 3");
    let written = regular.metadata().expect("temp file").len();
    assert_eq!(written, 0, "{}: wrote {written} bytes to a regular file on fd 3", native.file.display());
    Run { output, fd3, wall }
}

/// The execute time of the one timing line in `fd3`, or why it is not exactly one
/// well-formed line.
fn execute_ns(fd3: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(fd3).map_err(|_| format!("fd 3 is not UTF-8: {fd3:?}"))?;
    let line = text
        .strip_suffix('\n')
        .filter(|l| !l.contains('\n'))
        .ok_or_else(|| format!("fd 3 is not exactly one line: {text:?}"))?;
    let digits = line
        .strip_prefix("wasmbench-execute-ns ")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("fd 3 line is not `wasmbench-execute-ns <N>`: {line:?}"))?;
    digits.parse().map_err(|e| format!("{line:?}: {e}"))
}

/// Why a run does not match the workload's expected stdout and exit code, if it does not.
fn check_output(w: &Workload, run: &Run) -> Result<(), String> {
    let expected = std::fs::read(&w.expected_stdout).expect("expected stdout");
    let code = run.output.status.code();
    if code != Some(w.expected_exit) {
        return Err(format!(
            "exit {:?}, expected {}; stderr: {}",
            run.output.status,
            w.expected_exit,
            String::from_utf8_lossy(&run.output.stderr)
        ));
    }
    if run.output.stdout != expected {
        return Err(format!("stdout differs from {}", w.expected_stdout.display()));
    }
    Ok(())
}

/// Every native build: the workload's expected output and exit code, and one plausible
/// timing line on fd 3.
#[test]
fn every_native_build_prints_the_expected_output_and_times_its_main() {
    let manifest = manifest();
    let mut failures = Vec::new();
    let mut checked = 0;
    for w in &manifest.workloads {
        for m in &w.modules {
            let Some(native) = &m.native else { continue };
            let bytes = std::fs::read(&native.file).expect("native build");
            assert!(native.matches(&bytes), "{}: not the build the manifest describes", native.file.display());
            let run = run(w, native, &w.env, Fd3::Pipe);
            let verdict = check_output(w, &run).and_then(|()| {
                let ns = execute_ns(&run.fd3)?;
                match ns > 0 && u128::from(ns) < run.wall.as_nanos() {
                    true => Ok(()),
                    false => Err(format!("execute {ns} ns is not within (0, wall time {:?})", run.wall)),
                }
            });
            if let Err(why) = verdict {
                failures.push(format!("{} ({}): {why}", native.file.display(), w.name));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} native builds fail:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 29, "only {checked} native builds checked");
}

/// With fd 3 closed or a regular file, nothing is written there (`run` checks the file)
/// and stdout and the exit code are unchanged.
#[test]
fn without_a_pipe_on_fd3_the_wrapper_stays_silent() {
    let manifest = manifest();
    let hello = manifest.workload("hello").expect("hello");
    let mut checked = 0;
    for m in &hello.modules {
        let Some(native) = &m.native else { continue };
        for fd3 in [Fd3::Closed, Fd3::File] {
            let run = run(hello, native, &hello.env, fd3);
            check_output(hello, &run).unwrap_or_else(|why| panic!("{} with fd 3 {fd3:?}: {why}", native.file.display()));
            assert!(run.fd3.is_empty(), "{}: fd 3 {fd3:?}", native.file.display());
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "hello has a native build in c, cpp, zig, rust and go");
}

/// A workload that stops on bad input still reports exactly one timing line. fib exits 2
/// on a bad INPUT: C, C++ and Zig return 2 from main, Rust and Go call
/// std::process::exit / os.Exit; json's C module calls exit(2) on malformed JSON. The
/// calls to exit go through the wrapper's atexit handler (Go: its os.Exit stand-in).
#[test]
fn an_early_exit_still_reports_once() {
    let manifest = manifest();
    let fib = manifest.workload("fib").expect("fib");
    let bad_input = vec![("INPUT".to_string(), "not-a-number".to_string())];
    let mut json = manifest.workload("json").expect("json").clone();
    let malformed = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(malformed.path(), b"{\"lines\": [").expect("write");
    json.stdin = Some(malformed.path().to_path_buf());
    let mut cases: Vec<(&Workload, &NativeBuild, &[(String, String)])> = Vec::new();
    for m in &fib.modules {
        cases.extend(m.native.as_ref().map(|n| (fib, n, &bad_input[..])));
    }
    let json_c = json.modules.iter().find(|m| m.language == "c").and_then(|m| m.native.as_ref()).expect("json.c native");
    cases.push((&json, json_c, &json.env[..]));
    assert_eq!(cases.len(), 6, "fib has a native build in c, cpp, zig, rust and go");
    for (w, native, env) in cases {
        let run = run(w, native, env, Fd3::Pipe);
        let name = native.file.display();
        let stderr = String::from_utf8_lossy(&run.output.stderr);
        assert_eq!(run.output.status.code(), Some(2), "{name}: {stderr}");
        assert!(run.output.stdout.is_empty(), "{name}: stdout {:?}", String::from_utf8_lossy(&run.output.stdout));
        assert!(!stderr.is_empty(), "{name}: says why on stderr");
        execute_ns(&run.fd3).unwrap_or_else(|why| panic!("{name}: {why}"));
    }
}

/// `execute_ns` itself: exactly one well-formed line.
#[test]
fn the_timing_line_is_parsed_strictly() {
    assert_eq!(execute_ns(b"wasmbench-execute-ns 12345\n"), Ok(12345));
    for bad in [
        &b""[..],
        b"wasmbench-execute-ns 12345",
        b"wasmbench-execute-ns 1\nwasmbench-execute-ns 2\n",
        b"wasmbench-execute-ns \n",
        b"wasmbench-execute-ns -5\n",
        b"wasmbench-execute-ns 12 ms\n",
        b"execute-ns 12\n",
    ] {
        assert!(execute_ns(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}
