//! The gateway on loopback: routing, guard rails and overload behaviour, through real
//! HTTP requests. Margins are generous (deadline + several seconds): these run on a busy
//! 2-core machine, and nothing here asserts speed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasmbench_gateway::load::{Bytes, Client, Target};
use wasmbench_gateway::{Config, Gateway, Registry};
use wasmbench_runtimes::{BackendId, Limits};

/// The `hello` workload in C: prints "Hello, $INPUT!\nstdin: N bytes\n" and echoes stdin.
fn hello_wasm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/built/hello.c.wasm")
}

const SPIN: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start") (loop $forever (br $forever))))"#;

/// Grows memory 1 MiB at a time until the cap stops it (`memory.grow` returns -1 on every
/// backend), then aborts as a guest allocator out of memory does.
const BOMB: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start")
    (loop $more (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (unreachable)))"#;

/// Writes 64 KiB to stdout, forever.
const FLOOD: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 65536))
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $again))))"#;

const EXIT3: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))"#;

const TRAP: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start") unreachable))"#;

/// Counts down from 3 million: a few milliseconds of work.
const BUSY: &str = r#"(module (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (local.set $i (i32.const 3000000))
    (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))))"#;

/// Prints "SECRET": written next to the registered modules but never registered.
const SECRET: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "SECRET")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// A registry of the test functions in a fresh folder (which also holds `secret.wasm`,
/// unregistered).
fn registry(dir: &Path) -> Registry {
    let mut registry = Registry::new();
    let hello = dir.join("hello.wasm");
    std::fs::copy(hello_wasm(), &hello).expect("copy hello.c.wasm");
    registry.add("hello", &hello).expect("hello");
    for (name, text) in [("spin", SPIN), ("bomb", BOMB), ("flood", FLOOD), ("exit3", EXIT3), ("trap", TRAP), ("busy", BUSY)] {
        let path = dir.join(format!("{name}.wasm"));
        std::fs::write(&path, wat::parse_str(text).expect("valid wat")).expect("write module");
        registry.add(name, &path).expect("register");
    }
    std::fs::write(dir.join("secret.wasm"), wat::parse_str(SECRET).expect("valid wat")).expect("write secret");
    // The wordfreq workload reads the file named by INPUT from its preopened folder: once
    // with the folder configured, once without (the default: no directory at all).
    let workloads = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads");
    let words = workloads.join("built/wordfreq.c.wasm");
    registry.add("words", &words).expect("words");
    registry.add_preopen("words", &workloads.join("wordfreq/files"), ".").expect("preopen");
    registry.add("words-nodir", &words).expect("words-nodir");
    registry
}

/// What the wordfreq workload prints for its corpus.
fn wordfreq_expected() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/wordfreq/expected.stdout");
    std::fs::read(path).expect("expected output")
}

fn config(backend: BackendId) -> Config {
    Config {
        backend,
        limits: Limits {
            deadline: Duration::from_secs(1),
            max_memory_bytes: 32 << 20,
            max_output_bytes: 256 << 10,
        },
        max_body_bytes: 1 << 20,
        max_concurrent: 4,
        queue_timeout: Duration::from_secs(5),
        eager: false,
        inline: false,
        grace: Duration::from_secs(2),
    }
}

struct Running {
    runtime: tokio::runtime::Runtime,
    gateway: Option<Gateway>,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Running {
    fn start(config: Config) -> Running {
        wasmbench_gateway::raise_open_file_limit().expect("open-file limit");
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = registry(dir.path());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let gateway = runtime
            .block_on(Gateway::start(config, registry, "127.0.0.1:0".parse().expect("addr")))
            .expect("gateway starts");
        let addr = gateway.local_addr();
        Running {
            runtime,
            gateway: Some(gateway),
            addr,
            _dir: dir,
        }
    }

    fn shutdown(&mut self) {
        if let Some(gateway) = self.gateway.take() {
            self.runtime.block_on(gateway.shutdown()).expect("clean shutdown");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A response read off the wire.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Send `head` (request line and headers, without the final blank line) and `body` over a
/// fresh connection, exactly as given, and read the whole response. The body is written on
/// another thread, so a server that answers before reading it all is seen answering.
fn raw(addr: SocketAddr, method: &str, target: &str, body: Vec<u8>) -> Raw {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    let mut writer = stream.try_clone().expect("clone");
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let _ = sender.join();
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Raw {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked") {
        body = dechunk(&body);
    }
    Raw { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
}

fn get(addr: SocketAddr, target: &str) -> Raw {
    raw(addr, "GET", target, Vec::new())
}

#[test]
fn functions_run_with_query_as_env_and_body_as_stdin() {
    let gw = Running::start(config(BackendId::WasmtimePooling));
    let first = get(gw.addr, "/fn/hello?INPUT=gateway");
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body, b"Hello, gateway!\nstdin: 0 bytes\n");
    assert_eq!(first.header("x-wasm-start"), Some("cold"));
    let second = raw(gw.addr, "POST", "/fn/hello?INPUT=a%20b", b"some input".to_vec());
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.body, b"Hello, a b!\nstdin: 10 bytes\nsome input");
    assert_eq!(second.header("x-wasm-start"), Some("warm"));

    let exit = get(gw.addr, "/fn/exit3");
    assert_eq!(exit.status, 500);
    assert_eq!(exit.header("x-wasm-exit-code"), Some("3"));
    let trap = get(gw.addr, "/fn/trap");
    assert_eq!(trap.status, 500);
    assert_eq!(trap.header("x-wasm-error"), Some("trap"));
    assert!(String::from_utf8_lossy(&trap.body).contains("unreachable"), "{trap:?}");
    let bad_env = get(gw.addr, "/fn/hello?A%3DB=1");
    assert_eq!(bad_env.status, 400, "{bad_env:?}");

    assert_eq!(get(gw.addr, "/healthz").status, 200);
    let metrics = get(gw.addr, "/metrics");
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("wasmbench_gateway_requests_total{function=\"hello\",status=\"200\"} 2"), "{text}");
    assert!(text.contains("wasmbench_gateway_errors_total{kind=\"trap\"} 1"), "{text}");
    assert!(text.contains("wasmbench_gateway_errors_total{kind=\"exit-code\"} 1"), "{text}");
    assert!(text.contains("wasmbench_gateway_request_duration_seconds_count{start=\"cold\"}"), "{text}");
    assert!(text.contains("wasmbench_gateway_request_duration_seconds_count{start=\"warm\"}"), "{text}");
}

#[test]
fn only_a_function_configured_with_a_directory_reads_files() {
    let gw = Running::start(config(BackendId::WasmtimePooling));
    let words = get(gw.addr, "/fn/words?INPUT=corpus.txt");
    assert_eq!(words.status, 200, "{words:?}");
    assert_eq!(words.body, wordfreq_expected());
    let nodir = get(gw.addr, "/fn/words-nodir?INPUT=corpus.txt");
    assert_eq!(nodir.status, 500, "{nodir:?}");
    assert_ne!(nodir.header("x-wasm-exit-code"), Some("0"), "{nodir:?}");
    assert!(!nodir.body.starts_with(&wordfreq_expected()[..16]), "{nodir:?}");
    // The preopen is read-only and contained: the module next door is out of reach.
    for escape in ["../../built/hello.c.wasm", "%2Fetc%2Fpasswd", "..%2Fexpected.stdout"] {
        let answer = get(gw.addr, &format!("/fn/words?INPUT={escape}"));
        assert_eq!(answer.status, 500, "{escape}: {answer:?}");
    }
}

#[test]
fn only_registered_names_run_and_no_path_is_ever_opened() {
    let gw = Running::start(config(BackendId::WasmtimeCranelift));
    // The registry holds the bytes: removing the file changes nothing.
    std::fs::remove_file(gw._dir.path().join("hello.wasm")).expect("remove");
    assert_eq!(get(gw.addr, "/fn/hello").status, 200);
    let long = format!("/fn/{}", "a".repeat(8000));
    let attempts = [
        "/fn/../secret",
        "/fn/..%2fsecret",
        "/fn/%2e%2e%2fsecret",
        "/fn/%2E%2E%2Fsecret",
        "/fn/%2e%2e/secret",
        "/fn/..",
        "/fn/%2e%2e",
        "/fn/secret",
        "/fn/secret.wasm",
        "/fn/hello.wasm",
        "/fn/hello/../secret",
        "/fn//etc/passwd",
        "/fn/%2fetc%2fpasswd",
        "/fn/%2Ftmp%2Fsecret.wasm",
        "/fn/",
        "/fn",
        "/fn/%00",
        "/fn/hello%00",
        "/fn/%ff",
        "/secret.wasm",
        "/",
        long.as_str(),
    ];
    for target in attempts {
        let response = get(gw.addr, target);
        assert_eq!(response.status, 404, "{target}: {response:?}");
        assert!(!String::from_utf8_lossy(&response.body).contains("SECRET"), "{target}");
    }
    let absolute = get(gw.addr, &format!("/fn/{}", gw._dir.path().join("secret.wasm").display()));
    assert_eq!(absolute.status, 404);
}

#[test]
fn an_endless_loop_gets_504_while_other_requests_succeed() {
    let gw = Running::start(config(BackendId::WasmtimePooling));
    let addr = gw.addr;
    let began = Instant::now();
    let spinner = std::thread::spawn(move || (get(addr, "/fn/spin"), began.elapsed()));
    let mut served = 0;
    while !spinner.is_finished() || served == 0 {
        let ok = get(addr, "/fn/hello?INPUT=x");
        assert_eq!(ok.status, 200, "{ok:?}");
        served += 1;
    }
    let (spin, took) = spinner.join().expect("spinner");
    assert_eq!(spin.status, 504, "{spin:?}");
    assert_eq!(spin.header("x-wasm-error"), Some("timeout"));
    // Deadline 1 s; generous margin for a loaded machine.
    assert!(took < Duration::from_secs(1 + 20), "took {took:?}");
    assert_eq!(get(addr, "/fn/hello").status, 200);
}

#[test]
fn memory_bomb_and_stdout_flood_are_stopped_and_the_server_stays_up() {
    let gw = Running::start(config(BackendId::WasmtimePooling));
    let bomb = get(gw.addr, "/fn/bomb");
    assert_eq!(bomb.status, 500, "{bomb:?}");
    assert_eq!(bomb.header("x-wasm-error"), Some("trap"), "{bomb:?}");
    // Wasmtime's WASI turns writes past the cap into short (then zero-byte) writes, so a
    // guest that keeps writing runs into the deadline; backends that fail the write
    // report resource-limit. Either way nothing past the cap reaches the client.
    let flood = get(gw.addr, "/fn/flood");
    let error = flood.header("x-wasm-error");
    assert!(
        (flood.status, error) == (500, Some("resource-limit")) || (flood.status, error) == (504, Some("timeout")),
        "{flood:?}"
    );
    assert!(flood.body.len() < 256 << 10, "flood body is {} bytes", flood.body.len());
    assert_eq!(get(gw.addr, "/fn/hello").status, 200);
}

#[test]
fn a_body_over_the_cap_gets_413() {
    let mut cfg = config(BackendId::WasmtimePooling);
    cfg.limits.max_output_bytes = 2 << 20; // hello echoes its stdin
    let gw = Running::start(cfg);
    let big = raw(gw.addr, "POST", "/fn/hello", vec![b'x'; 10 << 20]);
    assert_eq!(big.status, 413, "{:?}", big.header("x-wasm-error"));
    let at_cap = raw(gw.addr, "POST", "/fn/hello", vec![b'y'; 1 << 20]);
    assert_eq!(at_cap.status, 200);
    assert!(at_cap.body.ends_with(&[b'y'; 100]));
}

/// 1000 requests at once against 2 instance slots and a short queue: every connection is
/// answered, with the right output or an explicit 503.
#[test]
fn a_burst_over_the_cap_gets_correct_answers_or_503() {
    let mut cfg = config(BackendId::WasmtimePooling);
    cfg.max_concurrent = 2;
    cfg.queue_timeout = Duration::from_millis(20);
    let gw = Running::start(cfg);
    let url = format!("http://{}/fn/busy", gw.addr);
    let (ok, overloaded) = gw.runtime.block_on(async {
        let target = Target::parse(&url).await.expect("url");
        let mut tasks = Vec::new();
        for _ in 0..1000 {
            let mut client = Client::new(target.clone());
            tasks.push(tokio::spawn(async move { client.send_within(None, Duration::from_secs(60)).await }));
        }
        let (mut ok, mut overloaded) = (0, 0);
        for task in tasks {
            let reply = task.await.expect("task").expect("every connection is answered");
            match reply.status.as_u16() {
                200 => {
                    assert_eq!(reply.body, Bytes::new());
                    ok += 1;
                }
                503 => {
                    assert_eq!(reply.headers.get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
                    overloaded += 1;
                }
                other => panic!("unexpected status {other}: {reply:?}"),
            }
        }
        (ok, overloaded)
    });
    eprintln!("burst of 1000: {ok} answered 200, {overloaded} answered 503");
    assert_eq!(ok + overloaded, 1000);
    assert!(ok >= 1, "free slots serve the first requests");
    let metrics = String::from_utf8_lossy(&get(gw.addr, "/metrics").body).into_owned();
    let counted = if overloaded == 0 {
        !metrics.contains("kind=\"overloaded\"")
    } else {
        metrics.contains(&format!("wasmbench_gateway_errors_total{{kind=\"overloaded\"}} {overloaded}"))
    };
    assert!(counted, "{overloaded} × 503 in the metrics:\n{metrics}");
}

#[test]
fn shutdown_lets_requests_in_flight_finish() {
    let mut gw = Running::start(config(BackendId::WasmtimePooling));
    let addr = gw.addr;
    let in_flight = std::thread::spawn(move || get(addr, "/fn/busy"));
    std::thread::sleep(Duration::from_millis(50));
    gw.shutdown();
    assert_eq!(in_flight.join().expect("request").status, 200);
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
}

/// Backends that are not `Send` run on a pool of threads with an engine each.
#[test]
fn thread_bound_backends_run_per_thread() {
    let gw = Running::start(config(BackendId::Wasmi));
    assert_eq!(gw.gateway.as_ref().map(Gateway::strategy), Some("per-thread"));
    for _ in 0..6 {
        let r = get(gw.addr, "/fn/hello?INPUT=wasmi");
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body, b"Hello, wasmi!\nstdin: 0 bytes\n");
    }
    assert_eq!(get(gw.addr, "/fn/spin").status, 504);
    assert_eq!(get(gw.addr, "/fn/bomb").status, 500);
}

/// `--inline`: functions run on the HTTP threads, each thread compiling its own copy on
/// its first request; guard rails unchanged (deadline, memory cap, traps).
#[test]
fn inline_runs_on_the_http_threads_with_the_same_guard_rails() {
    let gw = Running::start(Config { inline: true, ..config(BackendId::Wasmi) });
    assert_eq!(gw.gateway.as_ref().map(Gateway::strategy), Some("inline"));
    let first = get(gw.addr, "/fn/hello?INPUT=inline");
    assert_eq!((first.status, first.header("x-wasm-start")), (200, Some("cold")), "{first:?}");
    for _ in 0..6 {
        let r = get(gw.addr, "/fn/hello?INPUT=inline");
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body, b"Hello, inline!\nstdin: 0 bytes\n");
    }
    assert_eq!(get(gw.addr, "/fn/spin").status, 504);
    assert_eq!(get(gw.addr, "/fn/bomb").status, 500);
    assert_eq!(get(gw.addr, "/fn/trap").status, 500);
    assert_eq!(get(gw.addr, "/fn/hello?INPUT=after").status, 200);
}

/// Wasmtime's WASI blocks on the ambient tokio runtime: `--inline` is refused, by name.
#[test]
fn inline_is_refused_for_backends_that_block_on_tokio() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = registry(dir.path());
    let addr = "127.0.0.1:0".parse().expect("address");
    let err = runtime
        .block_on(Gateway::start(Config { inline: true, ..config(BackendId::WasmtimePooling) }, registry, addr))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--inline") && err.to_string().contains("wasmtime-pooling"), "{err}");
}

#[test]
fn bad_modules_and_oversized_caps_are_refused_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.wasm");
    std::fs::write(&path, b"\0asm\x01\0\0\0\x01").expect("write");
    let mut registry = Registry::new();
    registry.add("broken", &path).expect("has a header");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut cfg = config(BackendId::WasmtimeCranelift);
    cfg.eager = true;
    let err = runtime
        .block_on(Gateway::start(cfg, registry.clone(), "127.0.0.1:0".parse().expect("addr")))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("`broken`"), "{err}");

    let mut cfg = config(BackendId::WasmtimePooling);
    cfg.max_concurrent = 1000;
    let err = runtime
        .block_on(Gateway::start(cfg, registry, "127.0.0.1:0".parse().expect("addr")))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("more than the wasmtime-pooling engine's 128 instance slots"), "{err}");
}
