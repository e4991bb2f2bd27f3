/*
 * wasmbench V8 shim: a small C API over V8's C++ embedder API (libnode's V8 10.2), so that
 * the Rust backends in runtimes/src/v8.rs can drive isolates through `extern "C"` calls.
 *
 * Built by runtimes/build.rs into a shared object (libwasmbench_v8.so) that links libnode;
 * the Rust side loads it with dlopen at run time (see README.md for why).
 *
 * Conventions
 * - Functions returning `int` return a wb_status; on anything but WB_OK they may store a
 *   message in *message (allocated with malloc, released with wb_free).
 * - Every function that touches an isolate takes a v8::Locker on it, so an isolate may be
 *   used from any thread, one thread at a time. wb_isolate_terminate may be called from any
 *   thread at any time while the isolate is alive.
 * - Guest pointers coming from WebAssembly are bounds-checked against the memory's current
 *   size on every host call (EFAULT when out of range).
 */
#ifndef WASMBENCH_V8_SHIM_H
#define WASMBENCH_V8_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum wb_status {
    WB_OK = 0,
    WB_INVALID = 1,    /* invalid module / script, or no entry point */
    WB_UNLINKABLE = 2, /* an import the shim does not provide */
    WB_TRAP = 3,       /* a Wasm trap or an uncaught JS exception */
    WB_TIMEOUT = 4,    /* execution terminated (deadline) */
    WB_RESOURCE = 5,   /* output cap, memory or heap limit */
    WB_EXIT = 6,       /* proc_exit / wasmbench.exit: *exit_code holds the code */
    WB_FAILED = 7      /* the engine itself failed (initialisation, allocation) */
};

typedef struct wb_isolate wb_isolate;   /* an isolate with one context */
typedef struct wb_wasm wb_wasm;         /* a compiled Wasm module, shareable by isolates */
typedef struct wb_js wb_js;             /* a JS script: source + V8 code cache */
typedef struct wb_instance wb_instance; /* one instance (Wasm or JS) inside an isolate */

typedef struct {
    const uint8_t *ptr;
    size_t len;
} wb_bytes;

/* The per-instance WASI (or JS host API) context. Copied by the shim. */
typedef struct {
    const wb_bytes *args; /* argv, argv[0] included */
    size_t args_len;
    const wb_bytes *env; /* "KEY=VALUE" */
    size_t env_len;
    wb_bytes stdin_bytes;
    size_t max_output; /* bytes per stream (stdout, stderr) */
    void *host;        /* Wasm: the Rust WASI host's state of this instance (wb_host_api) */
} wb_input;

/* What a call of the Rust WASI host asks the shim to do. */
enum wb_call {
    WB_CALL_VOID = 0,       /* return nothing */
    WB_CALL_RETURN = 1,     /* return *value (an i32 errno) */
    WB_CALL_EXIT = 2,       /* proc_exit(*value): stop the guest */
    WB_CALL_OUTPUT_CAP = 3, /* a write passed the output cap: stop the guest */
    WB_CALL_DEADLINE = 4,   /* the deadline passed while the host waited: terminate */
    WB_CALL_FAILED = 5      /* the host failed (a bug): stop the guest */
};

/* The Rust WASI host (runtimes/src/wasi_host), handed to the shim once by wb_set_host.
   Every wasi_snapshot_preview1 and bench import is forwarded to it. */
typedef struct {
    /* Index of the host function `module`.`name`, or -1; *params (static) gets its
       parameter types, 'i' for i32 and 'I' for i64. */
    int32_t (*resolve)(const uint8_t *module, size_t module_len, const uint8_t *name,
                       size_t name_len, const char **params);
    /* Run host function `index` for the instance whose wb_input.host is `host`, on the
       guest memory [mem, mem + mem_len) (may be NULL, 0); returns a wb_call. */
    int32_t (*call)(void *host, int32_t index, const uint64_t *args, size_t nargs,
                    uint8_t *mem, size_t mem_len, int32_t *value);
} wb_host_api;

void wb_set_host(const wb_host_api *host);

/* "10.2.154.26-node.NN": the version of the V8 library loaded. */
const char *wb_version(void);

/* Process-wide, once: V8 flags, ICU, platform, trap handler, V8::Initialize. */
int wb_init(const char *flags, int trap_handler, char **message);

void wb_free(char *p);

/* A fresh isolate + context. heap_limit: max old-generation size in bytes (0: default). */
wb_isolate *wb_isolate_new(size_t heap_limit, char **message);
/* Thread-safe: request termination of whatever runs in the isolate (deadline). */
void wb_isolate_terminate(wb_isolate *isolate);
/* Used bytes of the isolate's JS heap. */
size_t wb_isolate_heap_used(wb_isolate *isolate);
void wb_isolate_free(wb_isolate *isolate);

/* Compile a Wasm module in `isolate`; checks imports (WB_UNLINKABLE) and `_start`. */
int wb_wasm_compile(wb_isolate *isolate, const uint8_t *bytes, size_t len, wb_wasm **out,
                    char **message);
void wb_wasm_free(wb_wasm *module);

/* Compile a JS script in `isolate` (syntax check) and keep source + code cache. */
int wb_js_compile(wb_isolate *isolate, const uint8_t *source, size_t len, wb_js **out,
                  char **message);
void wb_js_free(wb_js *script);

/* Instantiate in `isolate` (WASI imports + new WebAssembly.Instance). */
int wb_wasm_instantiate(wb_isolate *isolate, const wb_wasm *module, const wb_input *input,
                        wb_instance **out, char **message);
/* Define the `wasmbench` global, compile (with the code cache) and run the script. */
int wb_js_instantiate(wb_isolate *isolate, const wb_js *script, const wb_input *input,
                      wb_instance **out, char **message);
/* Call `_start` (Wasm) or `main()` (JS) once. */
int wb_instance_run(wb_isolate *isolate, wb_instance *instance, int32_t *exit_code,
                    char **message);
/* Captured output of fd 1 or 2 of a JS instance (a Wasm instance's is in its Rust host);
   valid until wb_instance_free. */
void wb_instance_output(const wb_instance *instance, int fd, const uint8_t **ptr, size_t *len);
void wb_instance_free(wb_isolate *isolate, wb_instance *instance);

#ifdef __cplusplus
}
#endif

#endif
