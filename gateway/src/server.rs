//! The HTTP side: routes, guard rails, responses, graceful shutdown.
//!
//! | request | response |
//! |---|---|
//! | `GET` / `POST /fn/{name}` | query → env vars, body → stdin; stdout → body |
//! | exit code 0 | 200 |
//! | exit code ≠ 0 | 500, `x-wasm-exit-code: N`, body = stdout |
//! | trap, memory or stdout cap hit | 500, `x-wasm-error: trap` / `resource-limit`, body = the message |
//! | deadline passed | 504, `x-wasm-error: timeout` |
//! | body over the cap | 413 |
//! | name not in the registry | 404 |
//! | all instance slots busy for longer than the queue timeout | 503, `retry-after: 1` |
//! | `GET /healthz` | 200 `ok` |
//! | `GET /metrics` | Prometheus text format |
//!
//! Every answer that ran a function carries `x-wasm-start: cold|warm` (cold: this request
//! compiled the module).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;
use wasmbench_runtimes::{BackendId, ErrorKind, Limits, RuntimeError, WasiInput};

use crate::executor::{Executor, ExecutorError, Outcome};
use crate::metrics::Metrics;
use crate::registry::Registry;

/// Guard rails of the gateway. [`Config::default`] holds the documented defaults.
#[derive(Debug, Clone)]
pub struct Config {
    pub backend: BackendId,
    /// Per-instance limits: execution deadline, linear-memory cap, stdout (and stderr) cap.
    pub limits: Limits,
    /// Largest request body accepted (it becomes the guest's stdin).
    pub max_body_bytes: usize,
    /// Most instances running at once (and the size of per-thread pools).
    pub max_concurrent: usize,
    /// How long a request may wait for a free instance slot before it gets 503.
    pub queue_timeout: Duration,
    /// Compile every function at start-up instead of on its first request.
    pub eager: bool,
    /// Run functions on the HTTP threads (no hand-off; see `executor/inline.rs`).
    pub inline: bool,
    /// How long past the deadline the gateway waits for a guest before answering 504
    /// itself (for backends that cannot interrupt a running guest).
    pub grace: Duration,
}

impl Default for Config {
    /// 10 s deadline, 128 MiB of linear memory, 1 MiB of stdout, 1 MiB request body, as
    /// many instances at once as the machine has cores, 100 ms queue, lazy compilation,
    /// 2 s grace; backend `wasmtime-pooling`.
    fn default() -> Self {
        Config {
            backend: BackendId::WasmtimePooling,
            limits: Limits {
                deadline: Duration::from_secs(10),
                max_memory_bytes: 128 << 20,
                max_output_bytes: 1 << 20,
            },
            max_body_bytes: 1 << 20,
            max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_timeout: Duration::from_millis(100),
            eager: false,
            inline: false,
            grace: Duration::from_secs(2),
        }
    }
}

/// Error starting the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no function registered: give --fn NAME=PATH, --dir or --functions")]
    NoFunctions,
    #[error("--max-concurrent must be at least 1")]
    NoCapacity,
    #[error("--max-concurrent {wanted} is more than the {backend} engine's {slots} instance slots")]
    PoolTooSmall {
        backend: BackendId,
        wanted: usize,
        slots: u32,
    },
    #[error(transparent)]
    Executor(#[from] ExecutorError),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
    #[error("the gateway task failed: {0}")]
    Task(String),
}

struct App {
    registry: Arc<Registry>,
    executor: Executor,
    metrics: Metrics,
    slots: Arc<Semaphore>,
    config: Config,
}

/// A running gateway.
pub struct Gateway {
    addr: SocketAddr,
    backend: BackendId,
    strategy: &'static str,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Gateway {
    /// Create the engine (compiling every function when `config.eager`), bind `addr` and
    /// serve in the background on the current tokio runtime.
    pub async fn start(config: Config, registry: Registry, addr: SocketAddr) -> Result<Gateway, GatewayError> {
        if registry.is_empty() {
            return Err(GatewayError::NoFunctions);
        }
        if config.max_concurrent == 0 {
            return Err(GatewayError::NoCapacity);
        }
        if let Some(slots) = config.backend.max_live_instances() {
            if config.max_concurrent > slots as usize {
                return Err(GatewayError::PoolTooSmall {
                    backend: config.backend,
                    wanted: config.max_concurrent,
                    slots,
                });
            }
        }
        let registry = Arc::new(registry);
        let executor = {
            let (config, registry) = (config.clone(), Arc::clone(&registry));
            tokio::task::spawn_blocking(move || {
                Executor::start(config.backend, config.limits, registry, config.max_concurrent, config.eager, config.inline)
            })
            .await
            .map_err(|e| GatewayError::Task(e.to_string()))??
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| GatewayError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| GatewayError::Bind { addr, source })?;
        let strategy = executor.strategy();
        let app = Arc::new(App {
            registry,
            executor,
            metrics: Metrics::new(),
            slots: Arc::new(Semaphore::new(config.max_concurrent)),
            config: config.clone(),
        });
        let router = Router::new()
            .route("/fn/{name}", get(invoke).post(invoke))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics))
            .fallback(not_found)
            .with_state(app);
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop.await;
                })
                .await
        });
        Ok(Gateway {
            addr,
            backend: config.backend,
            strategy,
            shutdown,
            server,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn backend(&self) -> BackendId {
        self.backend
    }

    /// "shared" (one engine, modules compiled once) or "per-thread" (an engine per worker).
    pub fn strategy(&self) -> &'static str {
        self.strategy
    }

    /// Stop accepting connections, let requests in flight finish, and return.
    pub async fn shutdown(self) -> Result<(), GatewayError> {
        let _ = self.shutdown.send(());
        match self.server.await {
            Ok(result) => result.map_err(GatewayError::Serve),
            Err(e) => Err(GatewayError::Task(e.to_string())),
        }
    }

    /// Serve until SIGINT or SIGTERM, then shut down gracefully.
    pub async fn run_until_signal(self) -> Result<(), GatewayError> {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate => {}
        }
        tracing::info!("signal received: finishing requests in flight");
        self.shutdown().await
    }
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    app.metrics.request(None, 404);
    app.metrics.error("not-found");
    (StatusCode::NOT_FOUND, "no such function\n").into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let capacity = app.config.max_concurrent;
    let in_flight = capacity.saturating_sub(app.slots.available_permits());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        app.metrics.render(in_flight, capacity),
    )
        .into_response()
}

/// A response that did not run the function, with its error kind for the metrics.
fn refuse(app: &App, function: Option<&str>, status: StatusCode, kind: &str, message: String) -> Response {
    app.metrics.request(function, status.as_u16());
    app.metrics.error(kind);
    let mut response = (status, message).into_response();
    if let Ok(value) = HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-wasm-error", value);
    }
    response
}

async fn invoke(
    State(app): State<Arc<App>>,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let Some(function) = name.ok().and_then(|Path(name)| app.registry.get(&name).cloned()) else {
        return not_found(State(Arc::clone(&app))).await;
    };
    let fname = Some(function.name.as_str());
    let env = match query {
        Ok(Query(pairs)) => pairs,
        Err(e) => return refuse(&app, fname, StatusCode::BAD_REQUEST, "bad-request", format!("{e}\n")),
    };
    if let Some((key, _)) = env
        .iter()
        .find(|(k, v)| k.is_empty() || k.contains(['=', '\0']) || v.contains('\0'))
    {
        let message = format!("query parameter `{key}` cannot be an environment variable\n");
        return refuse(&app, fname, StatusCode::BAD_REQUEST, "bad-request", message);
    }
    let stdin = match read_body(&app, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let permit = match tokio::time::timeout(app.config.queue_timeout, Arc::clone(&app.slots).acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            let mut response = refuse(
                &app,
                fname,
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "all instances are busy; retry later\n".into(),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
    };
    let input = WasiInput {
        args: Vec::new(),
        env,
        stdin: stdin.to_vec(),
        preopens: function.preopens.clone(),
    };
    let outcome = app.executor.run(&function, input, permit, app.config.grace).await;
    respond(&app, &function.name, outcome, started.elapsed())
}

/// The request body, at most `max_body_bytes` of it (413 beyond, before reading it all
/// when the client declares its length).
async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let cap = app.config.max_body_bytes;
    let too_large = || {
        refuse(app, None, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", format!("request body over {cap} bytes\n"))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    match Limited::new(body, cap).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(refuse(app, None, StatusCode::BAD_REQUEST, "bad-request", format!("reading the body: {e}\n"))),
    }
}

fn respond(app: &App, function: &str, outcome: Outcome, took: Duration) -> Response {
    let Outcome { result, cold } = outcome;
    app.metrics.latency(cold, took);
    let (status, kind, body, exit) = match result {
        Ok(execution) if execution.exit_code == 0 => (StatusCode::OK, None, execution.stdout, None),
        Ok(execution) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("exit-code"),
            execution.stdout,
            Some(execution.exit_code),
        ),
        Err(e) => {
            let status = match e.kind {
                ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, Some(e.kind.as_str()), error_body(&e), None)
        }
    };
    app.metrics.request(Some(function), status.as_u16());
    if let Some(kind) = kind {
        app.metrics.error(kind);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let content_type = if kind.is_some_and(|k| k != "exit-code") {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("x-wasm-start", HeaderValue::from_static(if cold { "cold" } else { "warm" }));
    headers.insert("x-wasm-backend", HeaderValue::from_static(app.executor.backend().name()));
    if let Some(kind) = kind {
        headers.insert("x-wasm-error", HeaderValue::from_static(kind));
    }
    if let Some(code) = exit {
        headers.insert("x-wasm-exit-code", HeaderValue::from(code));
    }
    response
}

/// The first line of the runtime's message (the rest is a backtrace).
fn error_body(e: &RuntimeError) -> Vec<u8> {
    let first = e.message.lines().next().unwrap_or("");
    format!("{}: {first}\n", e.kind).into_bytes()
}
