//! Adding a run: its id, its row in `runs` and one row in `medians` per measurement, in one
//! transaction; a run already present is left as it is.

use rusqlite::{params, Transaction};
use sha2::{Digest, Sha256};
use wasmbench_data::{Results, Sentinel};

use crate::store::Store;
use crate::HistoryError;

/// What [`Store::add`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The run's id: the first 16 hex digits of the SHA-256 of its document.
    pub run_id: String,
    /// False when the run was already in the database (nothing was written).
    pub inserted: bool,
}

/// The document as stored (serde_json's compact form of the parsed results) and its run id.
fn canonical(results: &Results) -> Result<(String, String), HistoryError> {
    let document = serde_json::to_string(results).map_err(HistoryError::Serialize)?;
    let digest = Sha256::digest(document.as_bytes());
    let run_id = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Ok((document, run_id))
}

/// The run id [`Store::add`] gives `results`.
pub fn run_id(results: &Results) -> Result<String, HistoryError> {
    Ok(canonical(results)?.1)
}

impl Store {
    /// Add a run, read from the file `source` (recorded as given). Adding a run that is
    /// already in the database writes nothing and answers `inserted: false`.
    pub fn add(&mut self, results: &Results, source: &str) -> Result<Added, HistoryError> {
        let (document, run_id) = canonical(results)?;
        let path = &self.path;
        let tx = self
            .conn
            .transaction()
            .map_err(HistoryError::sqlite(path, "starting a transaction"))?;
        let inserted = insert_run(&tx, results, &run_id, source, &document)
            .map_err(HistoryError::sqlite(path, "adding a run"))?;
        if inserted {
            insert_medians(&tx, results, &run_id)
                .map_err(HistoryError::sqlite(path, "adding a run's medians"))?;
        }
        tx.commit()
            .map_err(HistoryError::sqlite(path, "committing a run"))?;
        Ok(Added { run_id, inserted })
    }
}

/// Insert the run's row unless its id is present; whether it was inserted.
fn insert_run(
    tx: &Transaction,
    results: &Results,
    run_id: &str,
    source: &str,
    document: &str,
) -> rusqlite::Result<bool> {
    let env = &results.environment;
    // a part of the document, which serialised: this cannot fail
    let fingerprint = env
        .fingerprint
        .as_ref()
        .and_then(|f| serde_json::to_string(f).ok());
    let sentinel = results
        .sentinel
        .as_ref()
        .and_then(Sentinel::median_native_ns);
    let failed = results.cells.iter().filter(|c| c.error.is_some()).count();
    let changed = tx.execute(
        "INSERT INTO runs (run_id, added_at, timestamp, git_commit, hostname, cpu_model, fingerprint,
             sentinel_native_ns, cells, failed, complete, source, document)
         VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (run_id) DO NOTHING",
        params![
            run_id,
            env.timestamp,
            env.git_commit,
            env.hostname,
            env.cpu_model,
            fingerprint,
            sentinel,
            i64::try_from(results.cells.len()).unwrap_or(i64::MAX),
            i64::try_from(failed).unwrap_or(i64::MAX),
            results.complete,
            source,
            document,
        ],
    )?;
    Ok(changed > 0)
}

/// One row per measurement of every cell that did not fail.
fn insert_medians(tx: &Transaction, results: &Results, run_id: &str) -> rusqlite::Result<()> {
    let mut insert = tx.prepare(
        "INSERT INTO medians (run_id, backend, workload, language, mode, phase, unit, median, ci_low, ci_high, n)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for cell in results.cells.iter().filter(|c| c.error.is_none()) {
        for m in &cell.measurements {
            let s = &m.summary;
            insert.execute(params![
                run_id,
                cell.id.backend,
                cell.id.workload,
                cell.id.language,
                m.mode.as_str(),
                m.phase_label(),
                m.unit.as_str(),
                s.median,
                s.median_ci95[0],
                s.median_ci95[1],
                i64::try_from(s.n).unwrap_or(i64::MAX),
            ])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{run, store};

    #[test]
    fn three_runs_are_added_with_their_medians() {
        let (_dir, mut store) = store();
        for (i, at) in [
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
            "2026-01-03T00:00:00Z",
        ]
        .into_iter()
        .enumerate()
        {
            let added = store
                .add(&run(at, 100.0 + i as f64), "results.json")
                .expect("add");
            assert!(added.inserted);
            assert_eq!(added.run_id.len(), 16);
            assert!(
                added.run_id.chars().all(|c| c.is_ascii_hexdigit()),
                "{}",
                added.run_id
            );
        }
        let count = |sql: &str| {
            store
                .conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .expect("count")
        };
        assert_eq!(count("SELECT count(*) FROM runs"), 3);
        // per run: fib warm/execute, fib cold/total, fib throughput/rate-c4, hello warm/execute; the failed cell none
        assert_eq!(count("SELECT count(*) FROM medians"), 12);
        assert_eq!(
            count("SELECT count(*) FROM medians WHERE phase = 'rate-c4'"),
            3
        );
        let (cells, failed, complete): (i64, i64, bool) = store
            .conn
            .query_row(
                "SELECT cells, failed, complete FROM runs LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("row");
        assert_eq!((cells, failed, complete), (3, 1, true));
    }

    #[test]
    fn adding_a_run_twice_inserts_nothing() {
        let (_dir, mut store) = store();
        let first = store
            .add(&run("2026-01-01T00:00:00Z", 100.0), "a.json")
            .expect("add");
        let again = store
            .add(&run("2026-01-01T00:00:00Z", 100.0), "b.json")
            .expect("add again");
        assert!(first.inserted && !again.inserted);
        assert_eq!(first.run_id, again.run_id);
        let medians: i64 = store
            .conn
            .query_row("SELECT count(*) FROM medians", [], |r| r.get(0))
            .expect("count");
        assert_eq!(medians, 4);
        let source: String = store
            .conn
            .query_row("SELECT source FROM runs", [], |r| r.get(0))
            .expect("source");
        assert_eq!(source, "a.json", "the first add is kept");
    }

    #[test]
    fn the_run_id_does_not_depend_on_the_file_formatting() {
        let results = run("2026-01-01T00:00:00Z", 100.0);
        let pretty = serde_json::to_string_pretty(&results).expect("pretty");
        let parsed = Results::from_json(&pretty).expect("parse");
        assert_eq!(run_id(&parsed).expect("id"), run_id(&results).expect("id"));
        let other = run("2026-01-01T00:00:00Z", 101.0);
        assert_ne!(run_id(&other).expect("id"), run_id(&results).expect("id"));
    }

    #[test]
    fn the_run_row_records_environment_sentinel_and_document() {
        let (_dir, mut store) = store();
        let results = run("2026-01-01T00:00:00Z", 100.0);
        store.add(&results, "results/x/results.json").expect("add");
        let row: (String, Option<String>, Option<f64>, String, String) = store
            .conn
            .query_row(
                "SELECT hostname, fingerprint, sentinel_native_ns, document, added_at FROM runs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("row");
        assert_eq!(row.0, "host");
        assert!(row
            .1
            .expect("fingerprint")
            .contains("\"cpu_vendor\":\"AuthenticAMD\""));
        assert_eq!(row.2, Some(1000.0), "median of the probes 900, 1000, 1300");
        assert_eq!(
            Results::from_json(&row.3).expect("stored document"),
            results
        );
        assert!(row.4.ends_with('Z') && row.4.len() == 24, "{}", row.4);
    }
}
