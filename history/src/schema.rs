//! The database schema: its identity (application id, version), its tables, and creating it.

use rusqlite::{Connection, TransactionBehavior};

/// SQLite `application_id` of a wasmbench history database: the ASCII of `WBHI`.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"WBHI");

/// Version of the database schema, kept in SQLite's `user_version`. Bump it on any change an
/// older reader would misread; a database of a newer version is refused.
pub const HISTORY_SCHEMA_VERSION: i64 = 1;

/// The tables of this schema version, sorted.
pub(crate) const TABLES: [&str; 2] = ["medians", "runs"];

const SCHEMA: &str = "
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY NOT NULL,
    added_at TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    git_commit TEXT,
    hostname TEXT NOT NULL,
    cpu_model TEXT NOT NULL,
    fingerprint TEXT,
    sentinel_native_ns REAL,
    cells INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    source TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX runs_chronological ON runs (timestamp, added_at);
CREATE TABLE medians (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    backend TEXT NOT NULL,
    workload TEXT NOT NULL,
    language TEXT NOT NULL,
    mode TEXT NOT NULL,
    phase TEXT NOT NULL,
    unit TEXT NOT NULL,
    median REAL,
    ci_low REAL,
    ci_high REAL,
    n INTEGER NOT NULL
);
CREATE INDEX medians_trend ON medians (backend, workload, language, mode, phase, run_id);
CREATE INDEX medians_run ON medians (run_id);
";

/// Create the tables and set the application id and the version, in one transaction.
pub(crate) fn create(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", HISTORY_SCHEMA_VERSION)?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_has_its_identity_and_tables() {
        let mut conn = Connection::open_in_memory().expect("memory database");
        create(&mut conn).expect("create");
        let pragma = |name| {
            conn.pragma_query_value(None, name, |r| r.get::<_, i64>(0))
                .expect(name)
        };
        assert_eq!(
            (pragma("application_id"), pragma("user_version")),
            (0x5742_4849, 1)
        );
        let mut names = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        let names: Vec<String> = names
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("names");
        assert_eq!(names, TABLES);
    }
}
