//! Benchmark runs kept in an embedded SQLite database, for trend tracking.
//!
//! A history database is one SQLite file. [`Store::add`] keeps a whole results document
//! ([`Results`]) in it, with one row per measured (cell, mode, phase) holding the median and
//! its 95% confidence interval; [`Store::trend`] reads those medians back as series over the
//! runs, [`Store::list`] lists the runs and [`Store::documents`] gives the documents back
//! whole (raw samples included), oldest first.
//!
//! # What is stored
//!
//! - Table `runs`, one row per run: `run_id` (primary key), `added_at` (when it was added,
//!   UTC), the run's `timestamp`, `git_commit`, `hostname` and `cpu_model`, its machine
//!   `fingerprint` (JSON), `sentinel_native_ns` (the median native probe of the drift
//!   sentinel, when the run had one), counts of `cells` and `failed` cells, `complete`,
//!   `source` (the file it was added from) and `document` (the whole results JSON).
//! - Table `medians`, one row per measurement of a successful cell: `run_id` (foreign key to
//!   `runs`), `backend`, `workload`, `language`, `mode`, `phase` (the long-format label, as
//!   [`wasmbench_data::Measurement::phase_label`] writes it: `rate-c4`, `instance-rss-k100`),
//!   `unit`, `median`, `ci_low`, `ci_high` (the bootstrap 95% interval of the median) and
//!   `n`, indexed by cell, mode and phase for trend queries.
//!
//! A run's id is the first 16 hex digits of the SHA-256 of its document as serde_json writes
//! it back from the parsed [`Results`], so the same run gets the same id whatever the
//! formatting of the file it came from, and adding it again changes nothing.
//!
//! Runs are in chronological order by their `environment.timestamp` (compared as text: the
//! harness writes RFC 3339 in UTC, `2026-01-02T03:04:05Z`), then by when they were added.
//!
//! # Schema version and foreign files
//!
//! The file carries SQLite's `application_id` [`APPLICATION_ID`] (the ASCII of `WBHI`) and
//! `user_version` [`HISTORY_SCHEMA_VERSION`] (today 1), and uses SQLite's default rollback
//! journal. [`Store::open`] creates the file (and its folder) when it does not exist. An
//! existing file is inspected first — its first 100 bytes read directly, then its header
//! and table list through a read-only connection — and refused, with an error naming the
//! file and saying why, without a byte of it written and without a file created beside it,
//! when it is
//!
//! - not an SQLite database at all (text, a damaged header), or shorter than its header
//!   says (truncated), or found corrupt while its table list is read;
//! - the database of another application: another `application_id`, or none (0) with
//!   tables in it (or a `user_version`);
//! - in WAL journal mode (which SQLite would open by creating `-wal` and `-shm` files);
//! - a history database of a newer schema version ([`HistoryError::TooNew`]), of an unknown
//!   older one, or one missing its tables.
//!
//! Only then is it opened read-write. Two cases are taken as they are:
//!
//! - An existing file of zero bytes, or an SQLite database with no application id, no
//!   `user_version` and no table at all, holds nothing to lose: it is taken as a new history
//!   database and the schema is created in it.
//! - A file whose header carries the history application id and which has an unfinished
//!   write beside it (a hot `-journal` left by a crash) cannot be read before SQLite rolls
//!   that write back, which takes a read-write connection: it is opened read-write (SQLite
//!   restores it to its last committed state) and then inspected as above. The same
//!   situation in another application's file is refused, left for that application.
//!
//! Corruption deeper in a file than its header and its table list is not looked for at
//! opening (that would read the whole file); SQLite reports it when a query reaches it, as
//! an error naming the file.

mod add;
mod inspect;
mod list;
mod schema;
mod store;
mod trend;

use std::path::{Path, PathBuf};

pub use add::{run_id, Added};
pub use list::RunInfo;
pub use schema::{APPLICATION_ID, HISTORY_SCHEMA_VERSION};
pub use store::Store;
pub use trend::{TrendPoint, TrendQuery, TrendSeries};

/// The result types this crate stores and gives back.
pub use wasmbench_data::{CellId, Results};

/// Error of a history database. Every variant that concerns the file names it.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file exists but is not a wasmbench history database; it was left untouched.
    #[error("{}: not a wasmbench history database: {reason}; the file was left untouched", path.display())]
    NotHistory { path: PathBuf, reason: String },
    /// The file is a history database of a newer schema than this wasmbench reads.
    #[error(
        "{}: history database of schema version {found}, newer than this wasmbench reads (version {supported}); use a newer wasmbench. The file was left untouched",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// Creating the database's folder, or looking at the file, failed.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("{}: {action}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },
    /// A document stored in the database can no longer be read as results.
    #[error("{}: stored run {run_id}: {source}", path.display())]
    Document {
        path: PathBuf,
        run_id: String,
        source: wasmbench_data::DataError,
    },
    /// A results document could not be serialised to JSON.
    #[error("serialising the results document: {0}")]
    Serialize(#[source] serde_json::Error),
    /// A trend metric is not `MODE/PHASE`.
    #[error("metric {0:?} is not MODE/PHASE (e.g. warm/execute, cold/total, */execute)")]
    Metric(String),
}

impl HistoryError {
    /// A closure mapping an SQLite error while doing `action` on the database at `path`.
    pub(crate) fn sqlite<'a>(
        path: &'a Path,
        action: &'static str,
    ) -> impl FnOnce(rusqlite::Error) -> HistoryError + 'a {
        move |source| HistoryError::Sqlite {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture;
