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
pub use self::json::JsonExporter;
pub use self::markdown::{markdown, MarkdownExporter};
