// wasmbench V8 shim: see shim.h for the C API and README.md for the design.
//
// V8 10.2 (libnode 108) embedder API. One wb_isolate = one v8::Isolate with one context.
// Wasm modules are compiled once (WasmModuleObject::Compile) and shared between isolates
// through CompiledWasmModule; instances are created with the JS `WebAssembly.Instance`
// constructor (10.2 has no C++ instantiate API) and an import object of one C++ callback
// that forwards every WASI preview1 call to the Rust host (runtimes/src/wasi_host).

#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <libplatform/libplatform.h>
#include <v8.h>

namespace {

std::unique_ptr<v8::Platform> g_platform;
v8::ArrayBuffer::Allocator *g_allocator = nullptr;
std::mutex g_init_mutex;
bool g_initialised = false;

char *dup_message(const std::string &s) {
    char *p = static_cast<char *>(malloc(s.size() + 1));
    if (p != nullptr) {
        memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

int fail(char **message, int status, const std::string &text) {
    if (message != nullptr) {
        *message = dup_message(text);
    }
    return status;
}

}  // namespace

struct wb_isolate {
    v8::Isolate *isolate = nullptr;
    v8::Global<v8::Context> context;
    // Set by wb_isolate_terminate (deadline): host calls that wait check it.
    std::atomic<bool> terminate_requested{false};
    // Set by the near-heap-limit callback.
    std::atomic<bool> heap_exhausted{false};
};

struct wb_wasm {
    struct Import {
        std::string module;
        std::string name;
        int32_t index;       // in the Rust host's table
        std::string params;  // 'i' (i32) or 'I' (i64) per parameter
    };
    explicit wb_wasm(const v8::CompiledWasmModule &m) : compiled(m) {}
    v8::CompiledWasmModule compiled;
    std::vector<Import> imports;
};

struct wb_js {
    std::string source;
    std::vector<uint8_t> cache;
};

struct wb_instance;

// One host import of one instance: what host_call needs to forward it.
struct wb_binding {
    wb_instance *instance;
    int32_t index;
    std::string params;
};

struct wb_instance {
    wb_isolate *owner = nullptr;
    void *host = nullptr;  // the Rust HostState of a Wasm instance
    std::vector<wb_binding> bindings;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string stdin_data;
    std::string out[2];
    size_t max_output = 0;
    bool exited = false;
    int32_t exit_code = 0;
    bool overflow = false;
    std::string overflow_message;
    bool js = false;
    v8::Global<v8::Object> memory;  // the exported WasmMemoryObject, if any
    v8::Global<v8::Function> entry;  // `_start` or `main`
};

namespace {

// Enter an isolate and its context for the lifetime of this object.
struct Enter {
    v8::Locker locker;
    v8::Isolate::Scope isolate_scope;
    v8::HandleScope handle_scope;
    v8::Local<v8::Context> context;
    v8::Context::Scope context_scope;
    explicit Enter(wb_isolate *w)
        : locker(w->isolate),
          isolate_scope(w->isolate),
          handle_scope(w->isolate),
          context(w->context.Get(w->isolate)),
          context_scope(context) {}
};

v8::Local<v8::String> str(v8::Isolate *isolate, const char *s) {
    return v8::String::NewFromUtf8(isolate, s).FromMaybe(v8::String::Empty(isolate));
}

v8::Local<v8::String> str(v8::Isolate *isolate, const std::string &s) {
    return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                   static_cast<int>(s.size()))
        .FromMaybe(v8::String::Empty(isolate));
}

std::string to_std(v8::Isolate *isolate, v8::Local<v8::Value> value) {
    v8::String::Utf8Value utf8(isolate, value);
    if (*utf8 == nullptr) {
        return std::string();
    }
    return std::string(*utf8, utf8.length());
}

v8::MaybeLocal<v8::Value> get(v8::Local<v8::Context> ctx, v8::Local<v8::Value> object,
                              const char *key) {
    if (!object->IsObject()) {
        return v8::MaybeLocal<v8::Value>();
    }
    return object.As<v8::Object>()->Get(ctx, str(ctx->GetIsolate(), key));
}

// The exception caught by `tc`, as "Name: message" plus V8's stack trace when there is one.
std::string describe(v8::Isolate *isolate, v8::Local<v8::Context> ctx, v8::TryCatch &tc) {
    if (!tc.HasCaught()) {
        return "no exception";
    }
    std::string text = to_std(isolate, tc.Exception());
    v8::Local<v8::Value> stack;
    if (tc.StackTrace(ctx).ToLocal(&stack) && stack->IsString()) {
        std::string trace = to_std(isolate, stack);
        if (!trace.empty()) {
            text = trace;
        }
    }
    if (text.empty()) {
        text = "uncaught exception";
    }
    return text;
}

// The constructor name of the exception (WebAssembly.RuntimeError is "RuntimeError").
std::string exception_name(v8::Isolate *isolate, v8::Local<v8::Context> ctx, v8::TryCatch &tc) {
    v8::Local<v8::Value> ex = tc.Exception();
    if (ex.IsEmpty() || !ex->IsObject()) {
        return std::string();
    }
    v8::Local<v8::Value> name;
    if (!get(ctx, ex, "name").ToLocal(&name) || !name->IsString()) {
        return std::string();
    }
    return to_std(isolate, name);
}

size_t near_heap_limit(void *data, size_t current, size_t /*initial*/) {
    auto *w = static_cast<wb_isolate *>(data);
    w->heap_exhausted.store(true);
    w->isolate->TerminateExecution();
    // Room to unwind; the execution is being terminated.
    return current + current / 2 + (16u << 20);
}

// Stop the guest now: a normal exception unwinds immediately, and the termination request
// makes sure no guest handler (JS catch, Wasm catch_all) can swallow it.
void stop_guest(v8::Isolate *isolate, const char *why) {
    isolate->ThrowException(v8::Exception::Error(str(isolate, why)));
    isolate->TerminateExecution();
}

// How a failed call ended, once the guest has stopped. Clears any termination request.
int settle(wb_isolate *w, wb_instance *inst, v8::Local<v8::Context> ctx, v8::TryCatch &tc,
           bool instantiating, int32_t *exit_code, char **message) {
    v8::Isolate *isolate = w->isolate;
    bool terminated = tc.HasTerminated() || w->terminate_requested.load();
    if (inst != nullptr && inst->exited) {
        isolate->CancelTerminateExecution();
        if (exit_code != nullptr) {
            *exit_code = inst->exit_code;
        }
        return WB_EXIT;
    }
    if (inst != nullptr && inst->overflow) {
        isolate->CancelTerminateExecution();
        return fail(message, WB_RESOURCE, inst->overflow_message);
    }
    if (w->heap_exhausted.load()) {
        isolate->CancelTerminateExecution();
        return fail(message, WB_RESOURCE, "JavaScript heap limit reached");
    }
    if (terminated) {
        isolate->CancelTerminateExecution();
        return fail(message, WB_TIMEOUT, "execution terminated (deadline exceeded)");
    }
    std::string name = exception_name(isolate, ctx, tc);
    std::string text = describe(isolate, ctx, tc);
    if (instantiating) {
        if (name == "LinkError") {
            return fail(message, WB_UNLINKABLE, text);
        }
        if (name == "CompileError") {
            return fail(message, WB_INVALID, text);
        }
        if (name == "RangeError" && text.find("emory") != std::string::npos) {
            return fail(message, WB_RESOURCE, text);
        }
    }
    return fail(message, WB_TRAP, text);
}

// ---------------------------------------------------------------------------------------
// Host calls: every `wasi_snapshot_preview1` and `bench` import is one generic callback
// that forwards to the Rust WASI host (runtimes/src/wasi_host) through wb_host_api.

wb_host_api g_host = {nullptr, nullptr};

wb_instance *instance_of(const v8::FunctionCallbackInfo<v8::Value> &info) {
    return static_cast<wb_instance *>(info.Data().As<v8::External>()->Value());
}

uint32_t arg_u32(const v8::FunctionCallbackInfo<v8::Value> &info, int i) {
    if (i >= info.Length()) {
        return 0;
    }
    v8::Local<v8::Value> v = info[i];
    if (v->IsInt32()) {
        return static_cast<uint32_t>(v.As<v8::Int32>()->Value());
    }
    if (v->IsUint32()) {
        return v.As<v8::Uint32>()->Value();
    }
    return v->Uint32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

// An i64 argument: Wasm passes it to a JS function as a BigInt.
uint64_t arg_u64(const v8::FunctionCallbackInfo<v8::Value> &info, int i) {
    if (i >= info.Length()) {
        return 0;
    }
    v8::Local<v8::Value> v = info[i];
    if (v->IsBigInt()) {
        return v.As<v8::BigInt>()->Uint64Value();
    }
    return arg_u32(info, i);
}

// The guest's linear memory as of now (memory.grow detaches older buffers): base and
// length, or none (a module without an exported memory).
void memory(v8::Isolate *isolate, wb_instance *inst, uint8_t **base, size_t *size) {
    *base = nullptr;
    *size = 0;
    if (inst->memory.IsEmpty()) {
        return;
    }
    v8::Local<v8::Object> obj = inst->memory.Get(isolate);
    v8::Local<v8::ArrayBuffer> buffer = v8::WasmMemoryObject::Cast(*obj)->Buffer();
    *base = static_cast<uint8_t *>(buffer->Data());
    *size = *base == nullptr ? 0 : buffer->ByteLength();
}

// A guest that caught the exception of proc_exit, of the output cap or of the deadline is
// stopped again by its next host call (the termination request also stops it at its next
// check).
bool stopped(v8::Isolate *isolate, wb_instance *inst) {
    if (inst->exited || inst->overflow) {
        stop_guest(isolate, inst->exited ? "proc_exit" : inst->overflow_message.c_str());
        return true;
    }
    if (inst->owner->terminate_requested.load()) {  // the deadline passed
        stop_guest(isolate, "execution terminated (deadline exceeded)");
        return true;
    }
    return false;
}

// The one callback of every host import. Its data is the import's wb_binding.
void host_call(const v8::FunctionCallbackInfo<v8::Value> &info) {
    v8::Isolate *isolate = info.GetIsolate();
    v8::HandleScope handle_scope(isolate);
    auto *binding = static_cast<wb_binding *>(info.Data().As<v8::External>()->Value());
    wb_instance *inst = binding->instance;
    if (stopped(isolate, inst)) {
        return;
    }
    uint64_t args[16] = {0};
    size_t n = binding->params.size() < 16 ? binding->params.size() : 16;
    for (size_t i = 0; i < n; i++) {
        int at = static_cast<int>(i);
        args[i] = binding->params[i] == 'I' ? arg_u64(info, at) : arg_u32(info, at);
    }
    uint8_t *base;
    size_t size;
    memory(isolate, inst, &base, &size);
    int32_t value = 0;
    switch (g_host.call(inst->host, binding->index, args, n, base, size, &value)) {
        case WB_CALL_RETURN:
            info.GetReturnValue().Set(value);
            return;
        case WB_CALL_VOID:
            return;
        case WB_CALL_EXIT:
            inst->exited = true;
            inst->exit_code = value;
            stop_guest(isolate, "proc_exit");
            return;
        case WB_CALL_OUTPUT_CAP:
            inst->overflow = true;
            inst->overflow_message = "output cap exceeded";
            stop_guest(isolate, inst->overflow_message.c_str());
            return;
        case WB_CALL_DEADLINE:
            // Stop the guest now, like proc_exit: TerminateExecution alone only takes
            // effect at V8's next stack check, so the guest used to get 0 (success) from a
            // call the host never finished and run on (to proc_exit: an exit, not a timeout).
            inst->owner->terminate_requested.store(true);
            stop_guest(isolate, "execution terminated (deadline exceeded)");
            return;
        default:
            stop_guest(isolate, "the WASI host failed (a bug in wasmbench)");
            return;
    }
}

// Append to stdout/stderr, enforcing the cap. Returns false (guest stopped) when exceeded.
bool emit(v8::Isolate *isolate, wb_instance *inst, int fd, const uint8_t *p, size_t n) {
    std::string &out = inst->out[fd - 1];
    if (n > inst->max_output || out.size() > inst->max_output - n) {
        inst->overflow = true;
        inst->overflow_message = std::string(fd == 1 ? "stdout" : "stderr") +
                                 " exceeded the output cap of " +
                                 std::to_string(inst->max_output) + " bytes";
        stop_guest(isolate, inst->overflow_message.c_str());
        return false;
    }
    out.append(reinterpret_cast<const char *>(p), n);
    return true;
}

// ---------------------------------------------------------------------------------------
// JS host API: the global `wasmbench` object (see README.md).

void js_write(const v8::FunctionCallbackInfo<v8::Value> &info) {
    v8::Isolate *isolate = info.GetIsolate();
    v8::HandleScope handle_scope(isolate);
    wb_instance *inst = instance_of(info);
    if (stopped(isolate, inst)) {
        return;
    }
    uint32_t fd = arg_u32(info, 0);
    if (fd != 1 && fd != 2) {
        isolate->ThrowException(
            v8::Exception::RangeError(str(isolate, "wasmbench.write: fd must be 1 or 2")));
        return;
    }
    v8::Local<v8::Value> data = info.Length() > 1 ? info[1] : v8::Undefined(isolate).As<v8::Value>();
    size_t written = 0;
    if (data->IsArrayBufferView()) {
        v8::Local<v8::ArrayBufferView> view = data.As<v8::ArrayBufferView>();
        size_t n = view->ByteLength();
        std::string bytes(n, '\0');
        view->CopyContents(&bytes[0], n);
        if (!emit(isolate, inst, static_cast<int>(fd), reinterpret_cast<const uint8_t *>(bytes.data()), n)) {
            return;
        }
        written = n;
    } else {
        v8::Local<v8::String> s;
        if (!data->ToString(isolate->GetCurrentContext()).ToLocal(&s)) {
            return;  // exception pending
        }
        int n = s->Utf8Length(isolate);
        std::string bytes(static_cast<size_t>(n), '\0');
        s->WriteUtf8(isolate, &bytes[0], n, nullptr, v8::String::NO_NULL_TERMINATION);
        if (!emit(isolate, inst, static_cast<int>(fd), reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size())) {
            return;
        }
        written = bytes.size();
    }
    info.GetReturnValue().Set(static_cast<double>(written));
}

void js_exit(const v8::FunctionCallbackInfo<v8::Value> &info) {
    v8::HandleScope handle_scope(info.GetIsolate());
    wb_instance *inst = instance_of(info);
    inst->exited = true;
    inst->exit_code = info.Length() > 0
        ? info[0]->Int32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(1)
        : 0;
    stop_guest(info.GetIsolate(), "wasmbench.exit");
}

bool set(v8::Local<v8::Context> ctx, v8::Local<v8::Object> obj, const char *key,
         v8::Local<v8::Value> value) {
    return obj->Set(ctx, str(ctx->GetIsolate(), key), value).FromMaybe(false);
}

// The shared part of instantiation: copy the WASI input into a new instance.
wb_instance *new_instance(wb_isolate *w, const wb_input *input) {
    auto *inst = new wb_instance();
    inst->owner = w;
    for (size_t i = 0; i < input->args_len; i++) {
        inst->args.emplace_back(reinterpret_cast<const char *>(input->args[i].ptr), input->args[i].len);
    }
    for (size_t i = 0; i < input->env_len; i++) {
        inst->env.emplace_back(reinterpret_cast<const char *>(input->env[i].ptr), input->env[i].len);
    }
    if (input->stdin_bytes.len > 0) {
        inst->stdin_data.assign(reinterpret_cast<const char *>(input->stdin_bytes.ptr),
                                input->stdin_bytes.len);
    }
    inst->max_output = input->max_output;
    return inst;
}

}  // namespace

extern "C" {

const char *wb_version(void) { return v8::V8::GetVersion(); }

void wb_free(char *p) { free(p); }

void wb_set_host(const wb_host_api *host) { g_host = *host; }

int wb_init(const char *flags, int trap_handler, char **message) {
    std::lock_guard<std::mutex> lock(g_init_mutex);
    if (g_initialised) {
        return fail(message, WB_FAILED, "V8 is already initialised in this process");
    }
    if (flags != nullptr && flags[0] != '\0') {
        v8::V8::SetFlagsFromString(flags);
    }
    if (!v8::V8::InitializeICU()) {
        return fail(message, WB_FAILED, "V8::InitializeICU failed");
    }
    g_platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(g_platform.get());
    if (trap_handler != 0 && !v8::V8::EnableWebAssemblyTrapHandler(true)) {
        return fail(message, WB_FAILED, "V8::EnableWebAssemblyTrapHandler failed");
    }
    if (!v8::V8::Initialize()) {
        return fail(message, WB_FAILED, "V8::Initialize failed");
    }
    g_allocator = v8::ArrayBuffer::Allocator::NewDefaultAllocator();
    g_initialised = true;
    return WB_OK;
}

wb_isolate *wb_isolate_new(size_t heap_limit, char **message) {
    if (!g_initialised) {
        fail(message, WB_FAILED, "V8 is not initialised");
        return nullptr;
    }
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = g_allocator;
    if (heap_limit > 0) {
        params.constraints.set_max_old_generation_size_in_bytes(heap_limit);
    }
    auto *w = new wb_isolate();
    w->isolate = v8::Isolate::New(params);
    if (w->isolate == nullptr) {
        delete w;
        fail(message, WB_FAILED, "v8::Isolate::New failed");
        return nullptr;
    }
    w->isolate->AddNearHeapLimitCallback(near_heap_limit, w);
    {
        v8::Locker locker(w->isolate);
        v8::Isolate::Scope isolate_scope(w->isolate);
        v8::HandleScope handle_scope(w->isolate);
        v8::Local<v8::Context> context = v8::Context::New(w->isolate);
        if (context.IsEmpty()) {
            fail(message, WB_FAILED, "v8::Context::New failed");
        } else {
            w->context.Reset(w->isolate, context);
        }
    }
    if (w->context.IsEmpty()) {
        wb_isolate_free(w);
        return nullptr;
    }
    return w;
}

void wb_isolate_terminate(wb_isolate *w) {
    w->terminate_requested.store(true);
    w->isolate->TerminateExecution();
}

size_t wb_isolate_heap_used(wb_isolate *w) {
    v8::Locker locker(w->isolate);
    v8::HeapStatistics stats;
    w->isolate->GetHeapStatistics(&stats);
    return stats.used_heap_size();
}

void wb_isolate_free(wb_isolate *w) {
    if (w == nullptr) {
        return;
    }
    {
        v8::Locker locker(w->isolate);
        v8::Isolate::Scope isolate_scope(w->isolate);
        w->context.Reset();
    }
    v8::platform::NotifyIsolateShutdown(g_platform.get(), w->isolate);
    w->isolate->Dispose();
    delete w;
}

int wb_wasm_compile(wb_isolate *w, const uint8_t *bytes, size_t len, wb_wasm **out,
                    char **message) {
    Enter enter(w);
    v8::Isolate *isolate = w->isolate;
    v8::Local<v8::Context> ctx = enter.context;
    v8::TryCatch tc(isolate);
    v8::Local<v8::WasmModuleObject> module;
    if (!v8::WasmModuleObject::Compile(isolate, v8::MemorySpan<const uint8_t>(bytes, len))
             .ToLocal(&module)) {
        int status = tc.HasCaught() ? WB_INVALID : WB_FAILED;
        return fail(message, status, describe(isolate, ctx, tc));
    }
    // Imports and exports through the JS reflection API (WebAssembly.Module.imports/exports).
    v8::Local<v8::Value> wasm_ns, module_ctor, imports_fn, exports_fn, imports, exports;
    if (!get(ctx, ctx->Global(), "WebAssembly").ToLocal(&wasm_ns) ||
        !get(ctx, wasm_ns, "Module").ToLocal(&module_ctor) ||
        !get(ctx, module_ctor, "imports").ToLocal(&imports_fn) || !imports_fn->IsFunction() ||
        !get(ctx, module_ctor, "exports").ToLocal(&exports_fn) || !exports_fn->IsFunction()) {
        return fail(message, WB_FAILED, "WebAssembly.Module reflection is missing");
    }
    v8::Local<v8::Value> argv[1] = {module};
    if (!imports_fn.As<v8::Function>()->Call(ctx, module_ctor, 1, argv).ToLocal(&imports) ||
        !imports->IsArray() ||
        !exports_fn.As<v8::Function>()->Call(ctx, module_ctor, 1, argv).ToLocal(&exports) ||
        !exports->IsArray()) {
        return fail(message, WB_FAILED, "listing the module's imports and exports failed");
    }
    auto *result = new wb_wasm(module->GetCompiledModule());
    v8::Local<v8::Array> list = imports.As<v8::Array>();
    for (uint32_t i = 0; i < list->Length(); i++) {
        v8::Local<v8::Value> item, m, n, k;
        if (!list->Get(ctx, i).ToLocal(&item) || !get(ctx, item, "module").ToLocal(&m) ||
            !get(ctx, item, "name").ToLocal(&n) || !get(ctx, item, "kind").ToLocal(&k)) {
            delete result;
            return fail(message, WB_FAILED, "reading the module's imports failed");
        }
        std::string mod = to_std(isolate, m), name = to_std(isolate, n), kind = to_std(isolate, k);
        const char *params = nullptr;
        int32_t index = kind == "function" && g_host.resolve != nullptr
            ? g_host.resolve(reinterpret_cast<const uint8_t *>(mod.data()), mod.size(),
                             reinterpret_cast<const uint8_t *>(name.data()), name.size(), &params)
            : -1;
        if (index < 0 || params == nullptr) {
            delete result;
            return fail(message, WB_UNLINKABLE,
                        "unknown import `" + mod + "`.`" + name + "` (" + kind +
                            "): the V8 backends provide WASI preview1 functions only");
        }
        result->imports.push_back({mod, name, index, params});
    }
    bool has_start = false;
    v8::Local<v8::Array> exps = exports.As<v8::Array>();
    for (uint32_t i = 0; i < exps->Length(); i++) {
        v8::Local<v8::Value> item, n, k;
        if (!exps->Get(ctx, i).ToLocal(&item) ||
            !get(ctx, item, "name").ToLocal(&n) || !get(ctx, item, "kind").ToLocal(&k)) {
            continue;
        }
        if (to_std(isolate, n) == "_start") {
            if (to_std(isolate, k) != "function") {
                delete result;
                return fail(message, WB_INVALID, "export `_start` is not a function");
            }
            has_start = true;
        }
    }
    if (!has_start) {
        delete result;
        return fail(message, WB_INVALID, "module exports no `_start` function (not a WASI command)");
    }
    *out = result;
    while (v8::platform::PumpMessageLoop(g_platform.get(), isolate)) {
    }
    return WB_OK;
}

void wb_wasm_free(wb_wasm *module) { delete module; }

int wb_js_compile(wb_isolate *w, const uint8_t *source, size_t len, wb_js **out,
                  char **message) {
    Enter enter(w);
    v8::Isolate *isolate = w->isolate;
    v8::TryCatch tc(isolate);
    v8::Local<v8::String> text;
    if (!v8::String::NewFromUtf8(isolate, reinterpret_cast<const char *>(source),
                                 v8::NewStringType::kNormal, static_cast<int>(len))
             .ToLocal(&text)) {
        return fail(message, WB_INVALID, "the script is too large for a V8 string");
    }
    v8::ScriptOrigin origin(isolate, str(isolate, "main.js"));
    v8::ScriptCompiler::Source src(text, origin);
    v8::Local<v8::UnboundScript> script;
    if (!v8::ScriptCompiler::CompileUnboundScript(isolate, &src,
                                                  v8::ScriptCompiler::kEagerCompile)
             .ToLocal(&script)) {
        return fail(message, WB_INVALID, describe(isolate, enter.context, tc));
    }
    auto *result = new wb_js();
    result->source.assign(reinterpret_cast<const char *>(source), len);
    std::unique_ptr<v8::ScriptCompiler::CachedData> cache(
        v8::ScriptCompiler::CreateCodeCache(script));
    if (cache != nullptr && cache->data != nullptr) {
        result->cache.assign(cache->data, cache->data + cache->length);
    }
    *out = result;
    while (v8::platform::PumpMessageLoop(g_platform.get(), isolate)) {
    }
    return WB_OK;
}

void wb_js_free(wb_js *script) { delete script; }

int wb_wasm_instantiate(wb_isolate *w, const wb_wasm *module, const wb_input *input,
                        wb_instance **out, char **message) {
    Enter enter(w);
    v8::Isolate *isolate = w->isolate;
    v8::Local<v8::Context> ctx = enter.context;
    v8::TryCatch tc(isolate);
    std::unique_ptr<wb_instance> inst(new_instance(w, input));
    v8::Local<v8::WasmModuleObject> mod;
    if (!v8::WasmModuleObject::FromCompiledModule(isolate, module->compiled).ToLocal(&mod)) {
        return fail(message, WB_FAILED, "WasmModuleObject::FromCompiledModule failed");
    }
    v8::Local<v8::Object> imports = v8::Object::New(isolate);
    inst->host = input->host;
    // Reserved first: the bindings' addresses are the callbacks' data.
    inst->bindings.reserve(module->imports.size());
    for (const wb_wasm::Import &imp : module->imports) {
        inst->bindings.push_back({inst.get(), imp.index, imp.params});
        v8::Local<v8::External> data = v8::External::New(isolate, &inst->bindings.back());
        v8::Local<v8::String> key = str(isolate, imp.module);
        v8::Local<v8::Value> ns;
        if (!imports->Get(ctx, key).ToLocal(&ns)) {
            return fail(message, WB_FAILED, "building the import object failed");
        }
        if (!ns->IsObject()) {
            ns = v8::Object::New(isolate);
            if (!imports->Set(ctx, key, ns).FromMaybe(false)) {
                return fail(message, WB_FAILED, "building the import object failed");
            }
        }
        v8::Local<v8::Function> fn;
        if (!v8::Function::New(ctx, host_call, data, 0, v8::ConstructorBehavior::kThrow)
                 .ToLocal(&fn) ||
            !ns.As<v8::Object>()->Set(ctx, str(isolate, imp.name), fn).FromMaybe(false)) {
            return fail(message, WB_FAILED, "building the import object failed");
        }
    }
    v8::Local<v8::Value> wasm_ns, instance_ctor;
    if (!get(ctx, ctx->Global(), "WebAssembly").ToLocal(&wasm_ns) ||
        !get(ctx, wasm_ns, "Instance").ToLocal(&instance_ctor) || !instance_ctor->IsFunction()) {
        return fail(message, WB_FAILED, "WebAssembly.Instance is missing");
    }
    v8::Local<v8::Value> argv[2] = {mod, imports};
    v8::Local<v8::Object> instance;
    // A start function that traps can leave an exception pending even when V8 hands back
    // an object: either way, instantiation failed.
    if (!instance_ctor.As<v8::Function>()->NewInstance(ctx, 2, argv).ToLocal(&instance) ||
        tc.HasCaught()) {
        int status = settle(w, inst.get(), ctx, tc, true, nullptr, message);
        if (status == WB_EXIT) {
            status = fail(message, WB_TRAP, "proc_exit called by the module's start function");
        }
        return status;
    }
    v8::Local<v8::Value> exports, memory, start;
    if (!get(ctx, instance, "exports").ToLocal(&exports) ||
        !get(ctx, exports, "_start").ToLocal(&start) || !start->IsFunction()) {
        return fail(message, WB_INVALID, "instance exports no `_start` function");
    }
    if (get(ctx, exports, "memory").ToLocal(&memory) && memory->IsWasmMemoryObject()) {
        inst->memory.Reset(isolate, memory.As<v8::Object>());
    }
    inst->entry.Reset(isolate, start.As<v8::Function>());
    *out = inst.release();
    return WB_OK;
}

int wb_js_instantiate(wb_isolate *w, const wb_js *script, const wb_input *input,
                      wb_instance **out, char **message) {
    Enter enter(w);
    v8::Isolate *isolate = w->isolate;
    v8::Local<v8::Context> ctx = enter.context;
    v8::TryCatch tc(isolate);
    std::unique_ptr<wb_instance> inst(new_instance(w, input));
    inst->js = true;
    v8::Local<v8::External> data = v8::External::New(isolate, inst.get());

    // The host API: wasmbench = { args, env, stdin, write(fd, data), exit(code) }.
    v8::Local<v8::Object> api = v8::Object::New(isolate);
    v8::Local<v8::Array> args = v8::Array::New(isolate, static_cast<int>(inst->args.size()));
    for (size_t i = 0; i < inst->args.size(); i++) {
        if (!args->Set(ctx, static_cast<uint32_t>(i), str(isolate, inst->args[i])).FromMaybe(false)) {
            return fail(message, WB_FAILED, "building wasmbench.args failed");
        }
    }
    v8::Local<v8::Object> env = v8::Object::New(isolate);
    for (const std::string &kv : inst->env) {
        size_t eq = kv.find('=');
        std::string key = eq == std::string::npos ? kv : kv.substr(0, eq);
        std::string value = eq == std::string::npos ? std::string() : kv.substr(eq + 1);
        if (!env->Set(ctx, str(isolate, key), str(isolate, value)).FromMaybe(false)) {
            return fail(message, WB_FAILED, "building wasmbench.env failed");
        }
    }
    size_t n = inst->stdin_data.size();
    v8::Local<v8::ArrayBuffer> stdin_buffer = v8::ArrayBuffer::New(isolate, n);
    if (n > 0) {
        memcpy(stdin_buffer->Data(), inst->stdin_data.data(), n);
    }
    v8::Local<v8::Function> write_fn, exit_fn;
    if (!v8::Function::New(ctx, js_write, data, 2, v8::ConstructorBehavior::kThrow).ToLocal(&write_fn) ||
        !v8::Function::New(ctx, js_exit, data, 1, v8::ConstructorBehavior::kThrow).ToLocal(&exit_fn) ||
        !set(ctx, api, "args", args) || !set(ctx, api, "env", env) ||
        !set(ctx, api, "stdin", v8::Uint8Array::New(stdin_buffer, 0, n)) ||
        !set(ctx, api, "write", write_fn) || !set(ctx, api, "exit", exit_fn) ||
        !set(ctx, ctx->Global(), "wasmbench", api)) {
        return fail(message, WB_FAILED, "defining the wasmbench global failed");
    }

    v8::Local<v8::String> text;
    if (!v8::String::NewFromUtf8(isolate, script->source.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(script->source.size()))
             .ToLocal(&text)) {
        return fail(message, WB_INVALID, "the script is too large for a V8 string");
    }
    v8::ScriptOrigin origin(isolate, str(isolate, "main.js"));
    v8::ScriptCompiler::CompileOptions options = v8::ScriptCompiler::kNoCompileOptions;
    v8::ScriptCompiler::CachedData *cached = nullptr;
    if (!script->cache.empty()) {
        cached = new v8::ScriptCompiler::CachedData(
            script->cache.data(), static_cast<int>(script->cache.size()),
            v8::ScriptCompiler::CachedData::BufferNotOwned);
        options = v8::ScriptCompiler::kConsumeCodeCache;
    }
    v8::ScriptCompiler::Source src(text, origin, cached);  // owns `cached`
    v8::Local<v8::Script> compiled;
    v8::Local<v8::Value> result, main;
    if (!v8::ScriptCompiler::Compile(ctx, &src, options).ToLocal(&compiled)) {
        return fail(message, WB_INVALID, describe(isolate, ctx, tc));
    }
    if (!compiled->Run(ctx).ToLocal(&result)) {
        int status = settle(w, inst.get(), ctx, tc, false, nullptr, message);
        if (status == WB_EXIT) {
            status = fail(message, WB_TRAP, "wasmbench.exit called by the script's top level");
        }
        return status;
    }
    if (!get(ctx, ctx->Global(), "main").ToLocal(&main) || !main->IsFunction()) {
        return fail(message, WB_INVALID, "the script defines no global function `main`");
    }
    inst->entry.Reset(isolate, main.As<v8::Function>());
    *out = inst.release();
    return WB_OK;
}

int wb_instance_run(wb_isolate *w, wb_instance *inst, int32_t *exit_code, char **message) {
    Enter enter(w);
    v8::Isolate *isolate = w->isolate;
    v8::Local<v8::Context> ctx = enter.context;
    v8::TryCatch tc(isolate);
    *exit_code = 0;
    if (inst->entry.IsEmpty()) {
        return fail(message, WB_FAILED, "instance has no entry point");
    }
    v8::Local<v8::Function> entry = inst->entry.Get(isolate);
    v8::Local<v8::Value> receiver = inst->js ? ctx->Global().As<v8::Value>()
                                             : v8::Undefined(isolate).As<v8::Value>();
    v8::Local<v8::Value> result;
    if (!entry->Call(ctx, receiver, 0, nullptr).ToLocal(&result)) {
        int status = settle(w, inst, ctx, tc, false, exit_code, message);
        return status == WB_EXIT ? WB_OK : status;
    }
    if (inst->exited) {  // exit requested, then swallowed by the guest
        isolate->CancelTerminateExecution();
        *exit_code = inst->exit_code;
        return WB_OK;
    }
    if (inst->overflow) {
        isolate->CancelTerminateExecution();
        return fail(message, WB_RESOURCE, inst->overflow_message);
    }
    if (inst->js && result->IsNumber()) {
        *exit_code = result->Int32Value(ctx).FromMaybe(0);
    }
    return WB_OK;
}

void wb_instance_output(const wb_instance *inst, int fd, const uint8_t **ptr, size_t *len) {
    const std::string &s = inst->out[fd == 2 ? 1 : 0];
    *ptr = reinterpret_cast<const uint8_t *>(s.data());
    *len = s.size();
}

void wb_instance_free(wb_isolate *w, wb_instance *inst) {
    if (inst == nullptr) {
        return;
    }
    {
        v8::Locker locker(w->isolate);
        v8::Isolate::Scope isolate_scope(w->isolate);
        inst->memory.Reset();
        inst->entry.Reset();
    }
    delete inst;
}

}  // extern "C"
