// wasmbench QuickJS runner: a WASI preview1 command that embeds ONE JavaScript workload
// (workloads/<name>/js/main.js) and runs it with upstream QuickJS, giving it the host API
// of the v8-js backend (runtimes/v8/README.md, "The JavaScript contract"):
//
//   wasmbench.env    object: the environment variables (values are strings)
//   wasmbench.args   array: ["main.js", ...args after argv[0]]
//   wasmbench.stdin  Uint8Array: all of stdin
//   wasmbench.write(fd, data)  fd 1 or 2 (else RangeError); data: an ArrayBufferView (raw
//                    bytes) or anything else converted with ToString and written as UTF-8;
//                    returns the byte count
//   wasmbench.exit(code)       stop now with ToInt32(code) (0 without an argument)
//
// The script's global code runs in init(); it must define a global function `main`.
// main() then calls `main()` once with `this` = the global object; a number result is the
// exit code (ToInt32), anything else means 0. An uncaught exception (or a script without
// `main`, or wasmbench.exit at the top level) prints "Name: message" and the stack on
// stderr and traps (`unreachable`): the v8-js backend reports those as a Trap too.
//
// The script comes in at compile time: WASMBENCH_SCRIPT is its path, relative to this file,
// as a string literal (-DWASMBENCH_SCRIPT='"../fib/js/main.js"'), embedded with C23 #embed.
//
// Pre-initialization (Wizer, the project's convention): `wizer-initialize` runs the
// constructors and init() (runtime, context, intrinsics, the script's top level); the
// snapshot then calls `wizer.resume` (renamed to `_start`), which runs main() only. init()
// therefore reads no environment, arguments or stdin and touches no file: the
// pre-initializing host gives it none (those WASI calls trap there). Its only WASI calls are
// clock_time_get (JS_NewContext seeds Math.random from gettimeofday) and, for a script
// whose top level writes, fd_write.
//
// Build: see workloads/quickjs/README.md and scripts/quickjs.sh.

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "quickjs.h"

#ifndef WASMBENCH_SCRIPT
#error "define WASMBENCH_SCRIPT as the quoted path of the script, relative to runner.c"
#endif

// The script, NUL-terminated (JS_Eval wants input[len] == '\0').
static const char script_source[] = {
#embed WASMBENCH_SCRIPT suffix(,)
    0
};

// QuickJS's own stack limit (JS_SetMaxStackSize): every JavaScript call, the parser, JSON
// and the regexp engine compare the current frame address with the one at JS_NewRuntime
// and throw "InternalError: stack overflow" (a RangeError in V8) past the limit. In Wasm
// that address is the *shadow* stack in linear memory (-z stack-size=1048576: 1 MiB, as
// every C workload; placed first, so overflowing it traps instead of corrupting data).
// But each interpreter recursion (JS_CallInternal, a very large function) also takes a
// frame on the Wasm engine's *native* stack, which the check cannot see: overflowing that
// traps instead of throwing. Measured here (README.md): one plain JavaScript call takes
// ~410 bytes of shadow stack and ~1.5 KB of native stack under node's TurboFan. So the
// native stack is the tighter bound: Wasmtime's default max_wasm_stack of 512 KiB holds
// ~340 such calls. 128 KiB of shadow stack (~310 plain calls; fib.js needs 37) keeps the
// check in front of the native limit, so deep recursion throws the same catchable error
// on every runtime instead of trapping on some; it is also far below the 1 MiB shadow
// stack, leaving room for C code between two checks (printf of a double, toFixed's 1.1 KB
// exact expansion, libbf).
#ifndef JS_STACK_LIMIT
#define JS_STACK_LIMIT (128 * 1024)
#endif

void __wasm_call_ctors(void);

static int initialized; // set at the end of init()
static JSRuntime *rt;
static JSContext *ctx;
static JSValue api;          // the wasmbench object
static JSValue main_fn;      // the script's global `main`
static JSValue is_view_fn;   // ArrayBuffer.isView as it was at init
static JSValue uint8_array;  // Uint8Array as it was at init

// --- output ------------------------------------------------------------------------------

static void write_all(int fd, const void *data, size_t len) {
    // stdout is buffered by stdio and flushed at exit; stderr is unbuffered.
    FILE *f = fd == 1 ? stdout : stderr;
    if (len > 0) {
        fwrite(data, 1, len, f);
    }
}

static void flush_output(void) {
    fflush(stdout);
    fflush(stderr);
}

// Print the pending exception like the v8 backend's Trap message (V8's `stack` property is
// "Name: message\n    at ..."; QuickJS's holds only the "    at ..." lines) and trap.
__attribute__((noreturn)) static void die_with_exception(const char *when) {
    JSValue ex = JS_GetException(ctx);
    const char *text = JS_ToCString(ctx, ex);
    fprintf(stderr, "%s: %s\n", when, text != NULL ? text : "uncaught exception");
    JS_FreeCString(ctx, text);
    if (JS_IsError(ctx, ex)) {
        JSValue stack = JS_GetPropertyStr(ctx, ex, "stack");
        if (JS_IsString(stack)) {
            const char *s = JS_ToCString(ctx, stack);
            if (s != NULL) {
                fputs(s, stderr);
                JS_FreeCString(ctx, s);
            }
        }
        JS_FreeValue(ctx, stack);
    }
    JS_FreeValue(ctx, ex);
    flush_output();
    __builtin_trap();
}

__attribute__((noreturn)) static void die(const char *message) {
    fprintf(stderr, "%s\n", message);
    flush_output();
    __builtin_trap();
}

// --- the wasmbench object ----------------------------------------------------------------

// Bytes of an ArrayBufferView (typed array or DataView); NULL with an exception pending on
// failure. A detached buffer has 0 bytes, as in V8.
static const uint8_t *view_bytes(JSValueConst view, size_t *len) {
    size_t offset = 0, length = 0, size = 0, per_element;
    JSValue buffer = JS_GetTypedArrayBuffer(ctx, view, &offset, &length, &per_element);
    if (JS_IsException(buffer)) {
        // A DataView: not a typed array for QuickJS.
        JS_FreeValue(ctx, JS_GetException(ctx));
        JSValue b = JS_GetPropertyStr(ctx, view, "buffer");
        JSValue o = JS_GetPropertyStr(ctx, view, "byteOffset");
        JSValue l = JS_GetPropertyStr(ctx, view, "byteLength");
        int64_t o64 = 0, l64 = 0;
        if (JS_IsException(b) || JS_ToInt64(ctx, &o64, o) || JS_ToInt64(ctx, &l64, l)) {
            JS_FreeValue(ctx, b);
            JS_FreeValue(ctx, o);
            JS_FreeValue(ctx, l);
            return NULL;
        }
        JS_FreeValue(ctx, o);
        JS_FreeValue(ctx, l);
        buffer = b;
        offset = (size_t)o64;
        length = (size_t)l64;
    }
    uint8_t *base = JS_GetArrayBuffer(ctx, &size, buffer);
    JS_FreeValue(ctx, buffer);
    if (base == NULL) {  // detached: QuickJS throws, V8 copies nothing
        JS_FreeValue(ctx, JS_GetException(ctx));
        *len = 0;
        return (const uint8_t *)"";
    }
    if (offset > size || length > size - offset) {
        length = 0;
    }
    *len = length;
    return base + offset;
}

static JSValue js_write(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)this_val;
    uint32_t fd = 0;
    if (argc > 0 && JS_ToUint32(c, &fd, argv[0])) {
        fd = 0;
        JS_FreeValue(c, JS_GetException(c));  // V8's arg_u32 turns a failure into 0
    }
    if (fd != 1 && fd != 2) {
        return JS_ThrowRangeError(c, "wasmbench.write: fd must be 1 or 2");
    }
    JSValueConst data = argv[1];  // length 2: QuickJS pads missing arguments with undefined
    JSValue is_view = JS_Call(c, is_view_fn, JS_UNDEFINED, 1, &data);
    if (JS_IsException(is_view)) {
        return is_view;
    }
    size_t len = 0;
    if (JS_ToBool(c, is_view)) {
        const uint8_t *bytes = view_bytes(data, &len);
        if (bytes == NULL) {
            return JS_EXCEPTION;
        }
        write_all((int)fd, bytes, len);
    } else {
        const char *s = JS_ToCStringLen(c, &len, data);  // ToString, then UTF-8
        if (s == NULL) {
            return JS_EXCEPTION;
        }
        write_all((int)fd, s, len);
        JS_FreeCString(c, s);
    }
    return JS_NewInt64(c, (int64_t)len);
}

static JSValue js_exit(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    (void)this_val;
    int32_t code = 0;
    if (argc > 0 && JS_ToInt32(c, &code, argv[0])) {
        code = 1;  // as V8's Int32Value(...).FromMaybe(1)
    }
    if (!initialized) {
        die("wasmbench.exit called by the script's top level");
    }
    flush_output();
    exit(code);
}

static void set_or_die(JSValueConst obj, const char *key, JSValue value) {
    if (JS_SetPropertyStr(ctx, obj, key, value) < 0) {
        die_with_exception("wasmbench host");
    }
}

// Run queued promise jobs, as V8 (microtask policy kAuto) does when a call from the host
// returns. An exception in a job is reported and ignored, as V8 does.
static void run_jobs(void) {
    JSContext *job_ctx;
    for (;;) {
        int r = JS_ExecutePendingJob(rt, &job_ctx);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            JSValue ex = JS_GetException(job_ctx);
            const char *text = JS_ToCString(job_ctx, ex);
            fprintf(stderr, "exception in a promise job: %s\n", text != NULL ? text : "?");
            JS_FreeCString(job_ctx, text);
            JS_FreeValue(job_ctx, ex);
        }
    }
}

// --- init: everything that does not depend on the input ----------------------------------

static void init(void) {
    rt = JS_NewRuntime();
    if (rt == NULL) {
        die("JS_NewRuntime failed");
    }
    JS_SetMaxStackSize(rt, JS_STACK_LIMIT);
    ctx = JS_NewContextRaw(rt);
    if (ctx == NULL) {
        die("JS_NewContextRaw failed");
    }
    // The standard library of JS_NewContext minus what a workload has no use for:
    // Date (a clock: workloads must be deterministic), Proxy, String.prototype.normalize.
    JS_AddIntrinsicBaseObjects(ctx);
    JS_AddIntrinsicEval(ctx);           // JS_Eval itself needs it
    JS_AddIntrinsicRegExp(ctx);
    JS_AddIntrinsicJSON(ctx);
    JS_AddIntrinsicMapSet(ctx);
    JS_AddIntrinsicTypedArrays(ctx);
    JS_AddIntrinsicPromise(ctx);
    JS_AddIntrinsicBigInt(ctx);

    JSValue global = JS_GetGlobalObject(ctx);
    JSValue array_buffer = JS_GetPropertyStr(ctx, global, "ArrayBuffer");
    is_view_fn = JS_GetPropertyStr(ctx, array_buffer, "isView");
    JS_FreeValue(ctx, array_buffer);
    uint8_array = JS_GetPropertyStr(ctx, global, "Uint8Array");

    api = JS_NewObject(ctx);
    set_or_die(api, "write", JS_NewCFunction(ctx, js_write, "write", 2));
    set_or_die(api, "exit", JS_NewCFunction(ctx, js_exit, "exit", 1));
    set_or_die(global, "wasmbench", JS_DupValue(ctx, api));

    JSValue result = JS_Eval(ctx, script_source, sizeof(script_source) - 1, "main.js",
                             JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(result)) {
        die_with_exception("main.js");
    }
    JS_FreeValue(ctx, result);
    run_jobs();
    main_fn = JS_GetPropertyStr(ctx, global, "main");
    if (!JS_IsFunction(ctx, main_fn)) {
        die("main.js: the script defines no global function `main`");
    }
    JS_FreeValue(ctx, global);
    initialized = 1;
}

// --- main: the input, then the script's main() -------------------------------------------

// wasmbench.env from the WASI environment ("KEY=value"; no '=' means an empty value).
static void set_env(void) {
    JSValue env = JS_NewObject(ctx);
    size_t count = 0, size = 0;
    if (__wasi_environ_sizes_get(&count, &size) != 0) {
        count = size = 0;
    }
    if (count > 0) {
        uint8_t **vars = calloc(count, sizeof *vars);
        uint8_t *buf = malloc(size);
        if (vars == NULL || buf == NULL) {
            die("out of memory reading the environment");
        }
        if (__wasi_environ_get(vars, buf) != 0) {
            count = 0;
        }
        for (size_t i = 0; i < count; i++) {
            const char *kv = (const char *)vars[i];
            const char *eq = strchr(kv, '=');
            size_t key_len = eq != NULL ? (size_t)(eq - kv) : strlen(kv);
            const char *value = eq != NULL ? eq + 1 : "";
            JSAtom key = JS_NewAtomLen(ctx, kv, key_len);
            if (key == JS_ATOM_NULL ||
                JS_SetProperty(ctx, env, key, JS_NewString(ctx, value)) < 0) {
                die_with_exception("wasmbench.env");
            }
            JS_FreeAtom(ctx, key);
        }
        free(vars);
        free(buf);
    }
    set_or_die(api, "env", env);
}

// wasmbench.args = ["main.js", ...argv[1..]] (V8's host passes the script name first).
static void set_args(void) {
    JSValue args = JS_NewArray(ctx);
    size_t count = 0, size = 0;
    if (__wasi_args_sizes_get(&count, &size) != 0) {
        count = size = 0;
    }
    if (JS_SetPropertyUint32(ctx, args, 0, JS_NewString(ctx, "main.js")) < 0) {
        die_with_exception("wasmbench.args");
    }
    if (count > 1) {
        uint8_t **argv = calloc(count, sizeof *argv);
        uint8_t *buf = malloc(size);
        if (argv == NULL || buf == NULL) {
            die("out of memory reading the arguments");
        }
        if (__wasi_args_get(argv, buf) != 0) {
            count = 0;
        }
        for (size_t i = 1; i < count; i++) {
            if (JS_SetPropertyUint32(ctx, args, (uint32_t)i,
                                     JS_NewString(ctx, (const char *)argv[i])) < 0) {
                die_with_exception("wasmbench.args");
            }
        }
        free(argv);
        free(buf);
    }
    set_or_die(api, "args", args);
}

// wasmbench.stdin: all of fd 0 in a Uint8Array (empty if stdin is closed or unreadable).
static void set_stdin(void) {
    size_t cap = 65536, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        die("out of memory reading stdin");
    }
    for (;;) {
        if (len == cap) {
            cap *= 2;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                die("out of memory reading stdin");
            }
            buf = grown;
        }
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    JSValue array_buffer = JS_NewArrayBufferCopy(ctx, buf, len);
    free(buf);
    if (JS_IsException(array_buffer)) {
        die_with_exception("wasmbench.stdin");
    }
    JSValue bytes = JS_CallConstructor(ctx, uint8_array, 1, (JSValueConst *)&array_buffer);
    JS_FreeValue(ctx, array_buffer);
    if (JS_IsException(bytes)) {
        die_with_exception("wasmbench.stdin");
    }
    set_or_die(api, "stdin", bytes);
}

int main(void) {
    if (!initialized) {
        init();
    }
    set_env();
    set_args();
    set_stdin();
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue result = JS_Call(ctx, main_fn, global, 0, NULL);
    JS_FreeValue(ctx, global);
    if (JS_IsException(result)) {
        die_with_exception("main.js");
    }
    int32_t code = 0;
    if (JS_IsNumber(result) && JS_ToInt32(ctx, &code, result)) {
        code = 0;
    }
    JS_FreeValue(ctx, result);
    run_jobs();
    flush_output();
    // No JS_FreeContext/JS_FreeRuntime: the instance ends here, as a V8 isolate is dropped.
    return code;
}

// --- pre-initialization (Wizer) ----------------------------------------------------------

__attribute__((export_name("wizer-initialize"))) void wizer_initialize(void) {
    __wasm_call_ctors();  // the snapshot carries the constructed state
    init();
}

__attribute__((export_name("wizer.resume"))) void wizer_resume(void) {
    exit(main());  // after the snapshot, _start is renamed to this: no second ctors run
}
