//! One exporter per file.

mod bmf;
mod csv;
mod github_action;
mod html;
mod json;
mod markdown;

pub use self::bmf::{benchmark_name, BmfExporter};
pub use self::csv::CsvExporter;
pub use self::github_action::GithubActionExporter;
pub use self::html::HtmlExporter;
pub(crate) use self::html::escape;
pub use self::json::JsonExporter;
pub use self::markdown::{markdown, MarkdownExporter};

/// Pretty-printed JSON with a trailing newline.
pub(crate) fn pretty_json<T: serde::Serialize + ?Sized>(value: &T, format: &'static str) -> Result<Vec<u8>, crate::ReportError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| crate::ReportError::Serialise {
        format,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
