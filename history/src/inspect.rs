//! Whether an existing file is a history database, found without writing to it: its first
//! bytes read directly, then its header and table list through a read-only connection.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use rusqlite::{ffi, Connection, ErrorCode, OpenFlags};

use crate::schema::{APPLICATION_ID, HISTORY_SCHEMA_VERSION, TABLES};
use crate::HistoryError;

/// What inspecting an existing file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing to lose: zero bytes, or an SQLite database without id, version or tables.
    Blank,
    /// A history database of this schema version.
    History,
    /// A file with the history application id and an unfinished write (a hot journal beside
    /// it), which only a read-write connection can roll back: inspect it again after that.
    Interrupted,
}

/// Tell whether the existing file at `path`, of `len` bytes, may be used, or refuse it.
pub(crate) fn inspect(path: &Path, len: u64) -> Result<Found, HistoryError> {
    if len == 0 {
        return Ok(Found::Blank);
    }
    let first = first_bytes(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(HistoryError::sqlite(path, "opening it read-only"))?;
    match Header::read(&conn) {
        Ok(header) => judge(path, &header, len),
        Err(rusqlite::Error::SqliteFailure(
            ffi::Error {
                extended_code: ffi::SQLITE_READONLY_ROLLBACK,
                ..
            },
            _,
        )) => {
            if first.application_id == APPLICATION_ID {
                return Ok(Found::Interrupted);
            }
            let id = describe_id(first.application_id);
            Err(not_history(path, format!("an SQLite database of another application ({id}) with an unfinished write (a hot journal beside it), left for that application to recover")))
        }
        Err(e) => Err(read_error(path, e)),
    }
}

/// Inspect again through the read-write connection `conn`, which rolled back an unfinished
/// write when it read the header.
pub(crate) fn reinspect(conn: &Connection, path: &Path) -> Result<Found, HistoryError> {
    let header = Header::read(conn).map_err(|e| read_error(path, e))?;
    let len = fs::metadata(path)
        .map_err(|source| HistoryError::Io {
            path: path.to_path_buf(),
            action: "looking at the file",
            source,
        })?
        .len();
    judge(path, &header, len)
}

fn not_history(path: &Path, reason: String) -> HistoryError {
    HistoryError::NotHistory {
        path: path.to_path_buf(),
        reason,
    }
}

fn read_error(path: &Path, e: rusqlite::Error) -> HistoryError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_history(path, format!("not an SQLite database ({e})")),
        Some(ErrorCode::DatabaseCorrupt) => {
            not_history(path, format!("a corrupt SQLite database ({e})"))
        }
        _ => HistoryError::Sqlite {
            path: path.to_path_buf(),
            action: "reading its header",
            source: e,
        },
    }
}

/// What the first 100 bytes of the file, SQLite's header, say before SQLite opens it.
struct FirstBytes {
    application_id: i32,
}

/// Read SQLite's header directly: refuse a file that is not SQLite (SQLite itself takes a
/// short file for an empty database) or is in WAL mode (which SQLite would open by creating
/// `-wal` and `-shm` files beside it, even read-only).
fn first_bytes(path: &Path) -> Result<FirstBytes, HistoryError> {
    let mut bytes = Vec::with_capacity(100);
    File::open(path)
        .and_then(|file| file.take(100).read_to_end(&mut bytes))
        .map_err(|source| HistoryError::Io {
            path: path.to_path_buf(),
            action: "reading its header",
            source,
        })?;
    let header: &[u8; 100] = match bytes.as_slice().try_into() {
        Ok(header) if bytes.starts_with(b"SQLite format 3\0") => header,
        _ => {
            return Err(not_history(
                path,
                "not an SQLite database (it does not begin with SQLite's header)".into(),
            ))
        }
    };
    let application_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if header[18] == 2 || header[19] == 2 {
        let id = describe_id(application_id);
        return Err(not_history(
            path,
            format!(
                "an SQLite database in WAL journal mode ({id}), which a history database never is"
            ),
        ));
    }
    Ok(FirstBytes { application_id })
}

/// What the header and the table list of an SQLite file say.
struct Header {
    application_id: i32,
    user_version: i64,
    page_count: u64,
    page_size: u64,
    tables: Vec<String>,
}

impl Header {
    fn read(conn: &Connection) -> rusqlite::Result<Header> {
        let pragma_i64 =
            |name: &str| conn.pragma_query_value(None, name, |row| row.get::<_, i64>(0));
        let mut tables =
            conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?;
        let tables = tables
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Header {
            application_id: conn.pragma_query_value(None, "application_id", |row| row.get(0))?,
            user_version: pragma_i64("user_version")?,
            page_count: u64::try_from(pragma_i64("page_count")?).unwrap_or(0),
            page_size: u64::try_from(pragma_i64("page_size")?).unwrap_or(0),
            tables,
        })
    }
}

/// Whether a file of `len` bytes with this header may be used, or why not.
fn judge(path: &Path, header: &Header, len: u64) -> Result<Found, HistoryError> {
    let expected = header.page_count.saturating_mul(header.page_size);
    if expected != len {
        let (pages, size) = (header.page_count, header.page_size);
        return Err(not_history(path, format!("truncated or damaged: its header says {pages} pages of {size} bytes ({expected} bytes), the file has {len} bytes")));
    }
    let (id, version) = (header.application_id, header.user_version);
    if id == 0 && version == 0 && header.tables.is_empty() {
        return Ok(Found::Blank);
    }
    if id != APPLICATION_ID {
        return Err(not_history(
            path,
            format!(
                "an SQLite database of another application ({})",
                describe_foreign(header)
            ),
        ));
    }
    if version > HISTORY_SCHEMA_VERSION {
        return Err(HistoryError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: HISTORY_SCHEMA_VERSION,
        });
    }
    if version != HISTORY_SCHEMA_VERSION {
        return Err(not_history(path, format!("history schema version {version} is not one this wasmbench knows (it reads {HISTORY_SCHEMA_VERSION})")));
    }
    let missing: Vec<&str> = TABLES
        .into_iter()
        .filter(|t| !header.tables.iter().any(|have| have == t))
        .collect();
    if !missing.is_empty() {
        return Err(not_history(
            path,
            format!(
                "a history database without its table(s) {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(Found::History)
}

/// `no application id`, or `application id 0x… "…", not 0x57424849 "WBHI"`.
fn describe_id(id: i32) -> String {
    if id == 0 {
        return "no application id".into();
    }
    let ascii: String = id
        .to_be_bytes()
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
        .collect();
    format!("application id {id:#010x} \"{ascii}\", not {APPLICATION_ID:#010x} \"WBHI\"")
}

/// The application id and the tables (or the version) of a foreign database.
fn describe_foreign(header: &Header) -> String {
    let id = describe_id(header.application_id);
    let mut tables = header
        .tables
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if header.tables.len() > 5 {
        tables.push_str(", …");
    }
    match (tables.is_empty(), header.user_version) {
        (true, 0) => id,
        (true, v) => format!("{id}; user_version {v}"),
        (false, _) => format!("{id}; tables: {tables}"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::fixture::run;
    use crate::Store;

    /// The names in `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let names = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned());
        let mut names: Vec<String> = names.collect();
        names.sort();
        names
    }

    /// Open `path`, expect a refusal naming the file, and check that neither the file nor
    /// its folder changed.
    fn refused(path: &Path) -> HistoryError {
        let folder = path.parent().expect("folder");
        let (bytes, names) = (fs::read(path).expect("read"), listing(folder));
        let err = Store::open(path).expect_err("refused");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "names the file: {err}"
        );
        assert_eq!(
            fs::read(path).expect("read again"),
            bytes,
            "the file is unchanged"
        );
        assert_eq!(
            listing(folder),
            names,
            "no file created or removed beside it"
        );
        err
    }

    fn reason(err: HistoryError) -> String {
        match err {
            HistoryError::NotHistory { reason, .. } => reason,
            other => panic!("expected NotHistory, got {other:?}"),
        }
    }

    /// An SQLite database made by `sql`, as another program would.
    fn sqlite_file(dir: &Path, sql: &str) -> PathBuf {
        let path = dir.join("other.db");
        Connection::open(&path)
            .expect("create")
            .execute_batch(sql)
            .expect("sql");
        path
    }

    /// A history database holding one run.
    fn history_file(dir: &Path) -> PathBuf {
        let path = dir.join("history.db");
        Store::open(&path)
            .expect("create")
            .add(&run("2026-01-01T00:00:00Z", 1.0), "r.json")
            .expect("add");
        path
    }

    #[test]
    fn a_text_file_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("results.csv");
        for text in ["backend,workload\nwasmtime,fib\n".repeat(200), "x".into()] {
            fs::write(&path, text).expect("write");
            let why = reason(refused(&path));
            assert!(why.starts_with("not an SQLite database"), "{why}");
        }
        let err = refused(&path);
        assert!(err.to_string().ends_with("not a wasmbench history database: not an SQLite database (it does not begin with SQLite's header); the file was left untouched"), "{err}");
    }

    #[test]
    fn a_truncated_or_damaged_history_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = history_file(dir.path());
        let whole = fs::read(&path).expect("read");
        fs::write(&path, &whole[..whole.len() - 1]).expect("truncate");
        let why = reason(refused(&path));
        assert_eq!(why, format!("truncated or damaged: its header says {} pages of 4096 bytes ({} bytes), the file has {} bytes", whole.len() / 4096, whole.len(), whole.len() - 1));
        // SQLite finds these pages missing as it reads the table list
        for len in [whole.len() / 2, 4096, 50] {
            fs::write(&path, &whole[..len]).expect("truncate");
            let why = reason(refused(&path));
            let known = [
                "truncated",
                "a corrupt SQLite database",
                "not an SQLite database",
            ];
            assert!(
                known.iter().any(|k| why.starts_with(k)),
                "{len} bytes: {why}"
            );
        }
        let mut damaged = whole.clone();
        damaged[..16].copy_from_slice(b"SQLite format 2\0");
        fs::write(&path, &damaged).expect("damage");
        assert!(reason(refused(&path)).starts_with("not an SQLite database"));
        let mut damaged = whole;
        damaged[16..18].copy_from_slice(&[0x03, 0x00]); // page size 768: not a power of two
        fs::write(&path, &damaged).expect("damage");
        assert!(reason(refused(&path)).starts_with("not an SQLite database"));
    }

    #[test]
    fn another_applications_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = sqlite_file(
            dir.path(),
            "PRAGMA application_id = 1179406419; CREATE TABLE runs (x);",
        );
        let why = reason(refused(&path));
        assert_eq!(why, "an SQLite database of another application (application id 0x464c5053 \"FLPS\", not 0x57424849 \"WBHI\"; tables: runs)");
        fs::remove_file(&path).expect("remove");
        let path = sqlite_file(dir.path(), "CREATE TABLE notes (x); CREATE TABLE tags (y);");
        assert_eq!(
            reason(refused(&path)),
            "an SQLite database of another application (no application id; tables: notes, tags)"
        );
        fs::remove_file(&path).expect("remove");
        let path = sqlite_file(dir.path(), "PRAGMA user_version = 7;");
        assert_eq!(
            reason(refused(&path)),
            "an SQLite database of another application (no application id; user_version 7)"
        );
    }

    #[test]
    fn a_wal_database_is_refused_without_files_created_beside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = sqlite_file(
            dir.path(),
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);",
        );
        assert_eq!(reason(refused(&path)), "an SQLite database in WAL journal mode (no application id), which a history database never is");
    }

    #[test]
    fn a_newer_schema_version_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = history_file(dir.path());
        Connection::open(&path)
            .expect("open")
            .pragma_update(None, "user_version", 2)
            .expect("bump");
        let err = refused(&path);
        assert!(
            matches!(
                err,
                HistoryError::TooNew {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(
                "history database of schema version 2, newer than this wasmbench reads (version 1)"
            ),
            "{err}"
        );
        Connection::open(&path)
            .expect("open")
            .pragma_update(None, "user_version", 0)
            .expect("zero");
        assert_eq!(
            reason(refused(&path)),
            "history schema version 0 is not one this wasmbench knows (it reads 1)"
        );
    }

    #[test]
    fn a_history_database_without_its_tables_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = history_file(dir.path());
        Connection::open(&path)
            .expect("open")
            .execute_batch("DROP TABLE medians;")
            .expect("drop");
        assert_eq!(
            reason(refused(&path)),
            "a history database without its table(s) medians"
        );
    }

    #[test]
    fn a_zero_byte_file_or_a_blank_sqlite_database_is_taken_as_new() {
        let dir = tempfile::tempdir().expect("temp dir");
        let empty = dir.path().join("empty.db");
        fs::write(&empty, b"").expect("touch");
        let blank = sqlite_file(dir.path(), "CREATE TABLE t (x); DROP TABLE t;");
        assert!(fs::metadata(&blank).expect("blank").len() > 0);
        for path in [empty, blank] {
            let mut store = Store::open(&path).expect("taken as new");
            store
                .add(&run("2026-01-01T00:00:00Z", 1.0), "r.json")
                .expect("add");
            drop(store);
            assert_eq!(
                Store::open(&path)
                    .expect("reopen")
                    .list()
                    .expect("list")
                    .len(),
                1,
                "{}",
                path.display()
            );
        }
    }

    /// Copy `db` and its hot journal (a write in progress, spilled to the file) to `to`.
    fn interrupted_copy(db: &Path, write: &str, to: &Path) {
        let conn = Connection::open(db).expect("open");
        conn.execute_batch(&format!("PRAGMA cache_size = 2; BEGIN; {write}"))
            .expect("write");
        fs::copy(db, to).expect("copy");
        let journal = |p: &Path| PathBuf::from(format!("{}-journal", p.display()));
        fs::copy(journal(db), journal(to)).expect("copy journal");
    }

    #[test]
    fn an_interrupted_write_to_a_history_database_is_rolled_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = history_file(dir.path());
        let copy = dir.path().join("copy.db");
        let columns = "added_at, timestamp, git_commit, hostname, cpu_model, fingerprint, sentinel_native_ns, cells, failed, complete, source";
        let write = format!("INSERT INTO runs SELECT run_id || 'x', {columns}, document || zeroblob(100000) FROM runs;");
        interrupted_copy(&path, &write, &copy);
        let len = fs::metadata(&copy).expect("copy").len();
        assert_eq!(
            inspect(&copy, len).expect("inspect"),
            Found::Interrupted,
            "SQLite needs to roll the journal back"
        );
        let store = Store::open(&copy).expect("recovered");
        assert_eq!(
            store.list().expect("list").len(),
            1,
            "the unfinished write is gone"
        );
        assert!(!dir.path().join("copy.db-journal").exists());
    }

    #[test]
    fn an_interrupted_write_to_another_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = sqlite_file(dir.path(), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
        let copy = dir.path().join("copy.db");
        interrupted_copy(
            &path,
            "INSERT INTO t SELECT zeroblob(100000) FROM t;",
            &copy,
        );
        assert!(dir.path().join("copy.db-journal").exists());
        let why = reason(refused(&copy));
        assert!(
            why.contains("another application (no application id) with an unfinished write"),
            "{why}"
        );
    }
}
