//! wasmbench's serverless gateway and its load generator.
//!
//! [`Gateway`] serves `GET|POST /fn/{name}`: the function `name` of the [`Registry`] runs
//! in a fresh instance per request on one backend of `wasmbench-runtimes` — query
//! parameters become WASI environment variables, the request body its stdin, its stdout
//! the response body — with an execution deadline, memory, stdout and body caps, and a
//! cap on instances running at once (see [`server`] for the status codes).
//! [`load::run`] is an open-loop load generator that measures it end to end.

pub mod executor;
pub mod load;
pub mod metrics;
pub mod registry;
pub mod server;

pub use registry::{Registry, RegistryError};
pub use server::{Config, Gateway, GatewayError};

/// Raise this process's soft limit on open files to its hard limit (a gateway holds a
/// socket per connection); returns the new soft limit.
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(limit.rlim_cur)
}
