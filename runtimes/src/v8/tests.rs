use super::*;
use crate::test_support::{wasm, HELLO};
use crate::run_once;
use std::path::Path;
use std::time::Instant;

/// The Wasm backend the Wasm tests of this process use. V8 flags are process-wide, so
/// the test process itself runs v8-default (+ v8-js); v8-liftoff and v8-turbofan run
/// the same suite in child processes (see `liftoff_and_turbofan_in_child_processes`).
fn wasm_backend() -> BackendId {
    match std::env::var("WASMBENCH_V8_TEST_BACKEND") {
        Ok(name) => name.parse().expect("a backend name"),
        Err(_) => BackendId::V8Default,
    }
}

const JS_HELLO: &str = r#"function main() { wasmbench.write(1, "hi\n"); }"#;

fn limits(deadline_ms: u64) -> Limits {
    Limits {
        deadline: Duration::from_millis(deadline_ms),
        ..Limits::default()
    }
}

fn workload(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../workloads")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(id: BackendId, code: &[u8], input: &WasiInput) -> Result<Execution> {
    let backend = id.create(&limits(2000)).expect("engine");
    run_once(backend.as_ref(), code, input)
}

/// The whole Wasm contract on one backend: run in-process for v8-default, and in child
/// processes for v8-liftoff and v8-turbofan.
#[test]
fn wasm_suite() {
    let id = wasm_backend();
    let none = WasiInput::default();

    // hello via fd_write
    let out = run(id, &wasm(HELLO), &none).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(out.stdout, b"hi\n", "{id}");
    assert_eq!(out.exit_code, 0);

    // the real hello workload with env + stdin, through the phases the harness times
    let backend = id.create(&limits(2000)).expect("engine");
    let module = backend
        .prepare(ModuleCode::Wasm(&workload("built/hello.c.wasm")))
        .expect("prepare");
    let input = WasiInput {
        args: vec!["a".into()],
        env: env(&[("INPUT", "conformance"), ("OTHER", "x")]),
        stdin: b"line one\nline two\n".to_vec(),
        preopens: Vec::new(),
    };
    for _ in 0..3 {
        let sandbox = backend
            .create_sandbox()
            .expect("isolate")
            .expect("a sandbox");
        let out = module
            .instantiate_in(sandbox, &input)
            .expect("instantiate")
            .execute()
            .expect("execute");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Hello, conformance!\nstdin: 18 bytes\nline one\nline two\n",
            "{id}"
        );
        assert_eq!(out.exit_code, 0);
    }
    // instantiate without a sandbox makes its own isolate
    let out = module
        .instantiate(&input)
        .expect("instantiate")
        .execute()
        .expect("execute");
    assert!(out.stdout.starts_with(b"Hello, conformance!"), "{id}");

    // the other workloads: outputs as expected, bad input => exit 2 with stderr
    let fib = run(
        id,
        &workload("built/fib.c.wasm"),
        &WasiInput {
            env: env(&[("INPUT", "20")]),
            ..none.clone()
        },
    )
    .expect("fib");
    assert_eq!(fib.stdout, b"fib(20) = 6765\n");
    let bad = run(
        id,
        &workload("built/fib.c.wasm"),
        &WasiInput {
            env: env(&[("INPUT", "x")]),
            ..none.clone()
        },
    )
    .expect("fib bad input");
    assert_eq!(bad.exit_code, 2);
    assert!(!bad.stderr.is_empty());
    let sha = run(
        id,
        &workload("built/sha256.c.wasm"),
        &WasiInput {
            env: env(&[("INPUT", "6291456")]),
            ..none.clone()
        },
    )
    .expect("sha256");
    assert_eq!(sha.stdout, workload("sha256/expected.stdout"));

    // proc_exit(3) is a result
    let exit = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3)) unreachable))"#;
    assert_eq!(run(id, &wasm(exit), &none).expect("exit").exit_code, 3);

    // traps
    let trap = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
    let err = run(id, &wasm(trap), &none).expect_err("trap");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("unreachable"), "{err}");
    let div = r#"(module (memory (export "memory") 1)
      (func $d (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (func (export "_start") (drop (call $d (i32.const 0)))))"#;
    assert_eq!(
        run(id, &wasm(div), &none).expect_err("trap").kind,
        ErrorKind::Trap
    );
    let oob = r#"(module (memory (export "memory") 1)
      (func (export "_start") (drop (i32.load (i32.const 70000)))))"#;
    let err = run(id, &wasm(oob), &none).expect_err("oob");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    let deep = r#"(module (memory (export "memory") 1)
      (func $f (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1)))
      (func (export "_start") (drop (call $f (i32.const 0)))))"#;
    assert_eq!(
        run(id, &wasm(deep), &none)
            .expect_err("stack overflow")
            .kind,
        ErrorKind::Trap
    );

    // an infinite loop is a timeout within the deadline; the backend then still works
    let spin =
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#;
    let backend = id.create(&limits(200)).expect("engine");
    let started = Instant::now();
    let err = run_once(backend.as_ref(), &wasm(spin), &none).expect_err("deadline");
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(took < Duration::from_millis(1500), "timeout took {took:?}");
    let out = run_once(backend.as_ref(), &wasm(HELLO), &none).expect("next instance");
    assert_eq!(out.stdout, b"hi\n");
    // a start function that never returns is a timeout too (at instantiate)
    let start_spin = r#"(module (memory (export "memory") 1)
      (func $s (loop $l (br $l))) (start $s) (func (export "_start")))"#;
    let err = run_once(backend.as_ref(), &wasm(start_spin), &none).expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");

    // linking and validation
    let missing = r#"(module (import "env" "nope" (func)) (memory (export "memory") 1) (func (export "_start")))"#;
    let backend = id.create(&limits(2000)).expect("engine");
    let err = backend
        .prepare(ModuleCode::Wasm(&wasm(missing)))
        .err()
        .expect("unlinkable");
    assert_eq!(err.kind, ErrorKind::Unlinkable, "{err}");
    let err = backend
        .prepare(ModuleCode::Wasm(b"definitely not wasm"))
        .err()
        .expect("invalid");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
    let err = backend
        .prepare(ModuleCode::Wasm(&wasm(no_start)))
        .err()
        .expect("no _start");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");

    // output flood beyond the cap
    let flood = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 4096))
        (loop $l (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l))))"#;
    let small = Limits {
        max_output_bytes: 10_000,
        ..limits(2000)
    };
    let backend = id.create(&small).expect("engine");
    let err = run_once(backend.as_ref(), &wasm(flood), &none).expect_err("cap");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");

    // guest pointers are bounds-checked: fd_write with an iovec past the end => EFAULT
    let fault = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 65530))
        (i32.store (i32.const 4) (i32.const 100))
        (call $exit (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    assert_eq!(run(id, &wasm(fault), &none).expect("efault").exit_code, 21);

    // memory.grow beyond the cap (1 GiB = 16384 pages by default) fails with -1
    let grow = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.eq (memory.grow (i32.const 20000)) (i32.const -1)))))"#;
    assert_eq!(run(id, &wasm(grow), &none).expect("grow").exit_code, 1);
}

/// v8-liftoff and v8-turbofan run `wasm_suite` in child processes of this test binary:
/// V8's flags are fixed once per process.
#[test]
fn liftoff_and_turbofan_in_child_processes() {
    let exe = std::env::current_exe().expect("test binary");
    // The test harness names a test by its module path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    let wasm_suite = format!("{module}::wasm_suite");
    for id in [BackendId::V8Liftoff, BackendId::V8Turbofan] {
        let out = std::process::Command::new(&exe)
            .args(["--exact", &wasm_suite, "--test-threads=1"])
            .env("WASMBENCH_V8_TEST_BACKEND", id.name())
            .output()
            .expect("run the child");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "{id}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_second_wasm_flavour_in_one_process_is_unsupported() {
    if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
        return;
    }
    let _default = BackendId::V8Default.create(&limits(2000)).expect("engine");
    let err = BackendId::V8Liftoff
        .create(&limits(2000))
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    assert!(err.message.contains("process-wide"), "{err}");
    // v8-js shares the process with any Wasm flavour
    BackendId::V8Js
        .create(&limits(2000))
        .expect("v8-js alongside");
}

#[test]
fn four_isolates_on_four_threads() {
    let wasm = workload("built/hello.c.wasm");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let wasm = wasm.clone();
            std::thread::spawn(move || {
                let backend = wasm_backend().create(&limits(5000)).expect("engine");
                let module = backend.prepare(ModuleCode::Wasm(&wasm)).expect("prepare");
                for i in 0..5 {
                    let name = format!("t{t}-{i}");
                    let input = WasiInput {
                        env: env(&[("INPUT", &name)]),
                        stdin: name.clone().into_bytes(),
                        ..WasiInput::default()
                    };
                    let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
                    let out = module
                        .instantiate_in(sandbox, &input)
                        .expect("instance")
                        .execute()
                        .expect("run");
                    let want = format!("Hello, {name}!\nstdin: {} bytes\n{name}", name.len());
                    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

/// Not an assertion on speed: prints what an isolate costs, for the report.
#[test]
fn isolate_creation_time() {
    let backend = wasm_backend().create(&limits(2000)).expect("engine");
    let module = backend
        .prepare(ModuleCode::Wasm(&workload("built/hello.c.wasm")))
        .expect("prepare");
    let input = WasiInput {
        env: env(&[("INPUT", "x")]),
        ..WasiInput::default()
    };
    let (mut iso, mut inst, mut exec) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..30 {
        let t = Instant::now();
        let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
        iso.push(t.elapsed());
        let t = Instant::now();
        let instance = module.instantiate_in(sandbox, &input).expect("instance");
        inst.push(t.elapsed());
        let t = Instant::now();
        instance.execute().expect("run");
        exec.push(t.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let sandbox = backend.create_sandbox().expect("isolate").expect("sandbox");
    let heap = sandbox
        .into_any()
        .downcast::<V8Sandbox>()
        .expect("v8")
        .isolate
        .heap_used();
    eprintln!(
        "v8 hello.c.wasm medians: isolate {:?}, instantiate {:?}, execute {:?}; fresh isolate heap {} KiB",
        median(&mut iso),
        median(&mut inst),
        median(&mut exec),
        heap / 1024
    );
}

// --- v8-js ---------------------------------------------------------------------------

fn js(id_limits: Limits, source: &str, input: &WasiInput) -> Result<Execution> {
    let backend = BackendId::V8Js.create(&id_limits).expect("engine");
    run_once(backend.as_ref(), source.as_bytes(), input)
}

fn manifest_input(name: &str) -> WasiInput {
    match name {
        "hello" => WasiInput {
            env: env(&[("INPUT", "wasmbench")]),
            stdin: workload("hello/input.stdin"),
            ..WasiInput::default()
        },
        "fib" => WasiInput {
            env: env(&[("INPUT", "37")]),
            ..WasiInput::default()
        },
        _ => WasiInput {
            env: env(&[("INPUT", "6291456")]),
            ..WasiInput::default()
        },
    }
}

#[test]
fn js_workloads_produce_the_expected_stdout() {
    if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
        return;
    }
    let backend = BackendId::V8Js.create(&Limits::default()).expect("engine");
    for name in ["hello", "fib", "sha256"] {
        let source = workload(&format!("{name}/js/main.js"));
        let out = run_once(backend.as_ref(), &source, &manifest_input(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&workload(&format!("{name}/expected.stdout"))),
            "{name}"
        );
        assert_eq!(out.exit_code, 0, "{name}");
        // the same outputs as the C modules for other inputs, bad ones included
        let wasm = workload(&format!("built/{name}.c.wasm"));
        let c = BackendId::V8Default
            .create(&Limits::default())
            .expect("engine");
        let inputs: &[&[(&str, &str)]] = match name {
            "hello" => &[&[], &[("INPUT", "")], &[("INPUT", "ünï")]],
            "fib" => &[
                &[("INPUT", "0")],
                &[("INPUT", "1")],
                &[("INPUT", "25")],
                &[("INPUT", "93x")],
                &[("INPUT", "94")],
                &[("INPUT", "")],
                &[("INPUT", "-1")],
            ],
            _ => &[
                &[("INPUT", "0")],
                &[("INPUT", "55")],
                &[("INPUT", "64")],
                &[("INPUT", "65601")],
                &[("INPUT", "72057594037927937")],
                &[("INPUT", "1e3")],
            ],
        };
        for vars in inputs {
            let input = WasiInput {
                env: env(vars),
                stdin: b"abc".to_vec(),
                ..WasiInput::default()
            };
            let want = run_once(c.as_ref(), &wasm, &input).expect("C module");
            let got = run_once(backend.as_ref(), &source, &input).expect("JS");
            let observable = |e: &Execution| (e.exit_code, e.stdout.clone(), e.stderr.clone());
            assert_eq!(observable(&got), observable(&want), "{name} {vars:?}");
        }
    }
}

#[test]
fn js_contract_and_errors() {
    if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
        return;
    }
    let none = WasiInput::default();
    let out = js(limits(2000), JS_HELLO, &none).expect("hello");
    assert_eq!(out.stdout, b"hi\n");
    assert_eq!(out.exit_code, 0);
    // args, env, stdin bytes, stderr, return code
    let echo = r#"
        function main() {
          wasmbench.write(1, wasmbench.args.join(",") + ";" + wasmbench.env.A + "\n");
          wasmbench.write(1, wasmbench.stdin);
          wasmbench.write(2, "err");
          return 4;
        }"#;
    let input = WasiInput {
        args: vec!["x".into()],
        env: env(&[("A", "a=b")]),
        stdin: vec![0, 255, 10],
        preopens: Vec::new(),
    };
    let out = js(limits(2000), echo, &input).expect("echo");
    assert_eq!(out.stdout, b"main.js,x;a=b\n\x00\xff\n");
    assert_eq!(out.stderr, b"err");
    assert_eq!(out.exit_code, 4);
    // exit(3) is a result, even when the script tries to catch it
    let exit =
        "function main() { try { wasmbench.exit(3); } catch (e) {} wasmbench.write(1, 'no'); }";
    let out = js(limits(2000), exit, &none).expect("exit");
    assert_eq!((out.exit_code, out.stdout.len()), (3, 0));
    // an uncaught exception is a trap carrying the message
    let err = js(
        limits(2000),
        "function main() { throw new TypeError('boom'); }",
        &none,
    )
    .expect_err("trap");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    assert!(err.message.contains("TypeError: boom"), "{err}");
    // syntax error and missing main => Invalid; Wasm bytes => Unsupported
    let err = js(limits(2000), "function main( {", &none).expect_err("syntax");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let err = js(limits(2000), "var x = 1;", &none).expect_err("no main");
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let backend = BackendId::V8Js.create(&limits(2000)).expect("engine");
    let err = backend
        .prepare(ModuleCode::Wasm(&wasm(HELLO)))
        .err()
        .expect("wasm");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    // output flood
    let flood = "function main() { for (;;) wasmbench.write(1, 'x'.repeat(1000)); }";
    let err = js(
        Limits {
            max_output_bytes: 10_000,
            ..limits(2000)
        },
        flood,
        &none,
    )
    .expect_err("cap");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
    // JS heap exhaustion is a resource limit, not a crash
    let hog = "function main() { const a = []; for (;;) a.push(new Array(100000).fill(1.5)); }";
    let err = js(
        Limits {
            max_memory_bytes: 64 << 20,
            ..limits(5000)
        },
        hog,
        &none,
    )
    .expect_err("heap");
    assert_eq!(err.kind, ErrorKind::ResourceLimit, "{err}");
}

#[test]
fn js_infinite_loops_time_out_and_the_backend_recovers() {
    if std::env::var_os("WASMBENCH_V8_TEST_BACKEND").is_some() {
        return;
    }
    let backend = BackendId::V8Js.create(&limits(200)).expect("engine");
    let none = WasiInput::default();
    for source in [
        "function main() { for (;;) {} }",
        "for (;;) {} function main() {}",
    ] {
        let started = Instant::now();
        let err = run_once(backend.as_ref(), source.as_bytes(), &none).expect_err("deadline");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        let out =
            run_once(backend.as_ref(), JS_HELLO.as_bytes(), &none).expect("next instance");
        assert_eq!(out.stdout, b"hi\n");
    }
}
