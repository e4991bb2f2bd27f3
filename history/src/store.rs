//! Opening a history database: creating a new one, or using an existing file once
//! [`inspect`](crate::inspect) has found it to be one.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::inspect::{inspect, reinspect, Found};
use crate::{schema, HistoryError};

/// An open history database.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Store {
    /// Open the history database at `path`, creating it (and its folder) when the file does
    /// not exist. An existing file is inspected read-only first and refused, unmodified,
    /// unless it is a history database of this schema version or blank (see the crate docs).
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        let mut found = match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(HistoryError::NotHistory {
                    path: path.to_path_buf(),
                    reason: "it is a folder".into(),
                })
            }
            Ok(meta) => inspect(path, meta.len())?,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                create_parent(path)?;
                Found::Blank
            }
            Err(source) => {
                return Err(HistoryError::Io {
                    path: path.to_path_buf(),
                    action: "looking at the file",
                    source,
                })
            }
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)
            .map_err(HistoryError::sqlite(path, "opening"))?;
        if found == Found::Interrupted {
            found = reinspect(&conn, path)?;
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(HistoryError::sqlite(path, "enabling foreign keys"))?;
        if found == Found::Blank {
            schema::create(&mut conn)
                .map_err(HistoryError::sqlite(path, "creating the history schema"))?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn create_parent(path: &Path) -> Result<(), HistoryError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: path.to_path_buf(),
                action: "creating its folder",
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::run;

    #[test]
    fn a_new_database_is_created_with_its_folder_and_reopened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a/b/history.db");
        let mut store = Store::open(&path).expect("create");
        let pragma = |store: &Store, name| {
            store
                .conn
                .pragma_query_value(None, name, |r| r.get::<_, i64>(0))
                .expect(name)
        };
        assert_eq!(
            (
                pragma(&store, "application_id"),
                pragma(&store, "user_version")
            ),
            (0x5742_4849, 1)
        );
        assert_eq!(pragma(&store, "foreign_keys"), 1);
        assert_eq!(store.path(), path);
        store
            .add(&run("2026-01-01T00:00:00Z", 1.0), "r.json")
            .expect("add");
        drop(store);
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.list().expect("list").len(), 1);
        assert_eq!(pragma(&store, "foreign_keys"), 1);
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Store::open(dir.path()).expect_err("a folder");
        assert!(
            matches!(&err, HistoryError::NotHistory { reason, .. } if reason == "it is a folder"),
            "{err}"
        );
    }

    #[test]
    fn medians_cannot_outlive_their_run() {
        let (_dir, store) = crate::fixture::store();
        let orphan = store.conn.execute(
            "INSERT INTO medians (run_id, backend, workload, language, mode, phase, unit, median, ci_low, ci_high, n)
             VALUES ('nope', 'b', 'w', 'c', 'warm', 'execute', 'ns', 1, 1, 1, 1)",
            [],
        );
        assert!(orphan.is_err(), "foreign key enforced");
    }
}
