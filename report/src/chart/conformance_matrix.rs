//! The conformance matrix: one coloured square per (test, backend) — pass, fail, error, or
//! a failure the backend's expectations list — tests down, backends across; long test
//! lists are split into side-by-side panels.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{notice, png, Area, DrawResult, FONT};
use crate::matrix::{Matrix, Verdict};
use crate::{Chart, ReportError};

pub const FILE_NAME: &str = "conformance.png";

const TEXT_PX: u32 = 13;
/// Most tests in one panel before the list is split (up to [`MAX_PANELS`] panels).
const PANEL_ROWS: usize = 34;
const MAX_PANELS: usize = 3;
const LEGEND_PX: i32 = 34;

const PASS: RGBColor = RGBColor(89, 161, 79);
const FAIL: RGBColor = RGBColor(225, 87, 89);
const ERROR: RGBColor = RGBColor(120, 94, 140);
const KNOWN: RGBColor = RGBColor(237, 201, 72);
const MISSING: RGBColor = RGBColor(225, 225, 225);

pub fn render(matrix: &Matrix) -> Result<Chart, ReportError> {
    let unexpected = matrix.unexpected().count();
    let title = format!(
        "WASI conformance: {} tests × {} backends ({unexpected} unexpected)",
        matrix.tests.len(),
        matrix.backends.len()
    );
    let caption = "One square per test and backend: green passes, red fails (exit code or stdout differ), \
                   purple could not run (unlinkable, trap, timeout), yellow is a failure the backend's \
                   expectations list."
        .to_string();
    png(FILE_NAME.to_string(), title, caption, |area| {
        if matrix.tests.is_empty() || matrix.backends.is_empty() {
            return notice(area, "No tests or no backends: nothing to show.");
        }
        draw(area, matrix)
    })
}

fn colour(matrix: &Matrix, test: &str, backend: &str) -> RGBColor {
    match matrix.get(test, backend) {
        None => MISSING,
        Some(r) if r.result == Verdict::Pass => PASS,
        Some(r) if r.known => KNOWN,
        Some(r) if r.result == Verdict::Fail => FAIL,
        Some(_) => ERROR,
    }
}

fn text(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
}

fn draw(area: &Area, matrix: &Matrix) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let panels = matrix.tests.len().div_ceil(PANEL_ROWS).clamp(1, MAX_PANELS);
    let per_panel = matrix.tests.len().div_ceil(panels);
    let longest_backend = matrix.backends.iter().map(|b| b.chars().count()).max().unwrap_or(4) as i32;
    let header = (longest_backend * 8 + 12).min(170);
    let longest_test = matrix.tests.iter().map(|t| t.chars().count()).max().unwrap_or(4) as i32;
    let label = longest_test * (TEXT_PX as i32 * 58 / 100) + 14;
    let panel_w = w / panels as i32;
    let cols = matrix.backends.len() as i32;
    let col_w = ((panel_w - label - 12) / cols).clamp(4, 40);
    let row_h = ((h - header - LEGEND_PX - 8) / per_panel as i32).clamp(3, 26);
    for (p, tests) in matrix.tests.chunks(per_panel).enumerate() {
        let x0 = p as i32 * panel_w + 6;
        for (c, backend) in matrix.backends.iter().enumerate() {
            let x = x0 + label + c as i32 * col_w + col_w / 2;
            let style = TextStyle::from((FONT, TEXT_PX).into_font())
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(backend.clone(), (x, header - 6), style))?;
        }
        for (r, test) in tests.iter().enumerate() {
            let y = header + r as i32 * row_h;
            area.draw(&Text::new(test.clone(), (x0, y + row_h / 2), text(TEXT_PX)))?;
            for (c, backend) in matrix.backends.iter().enumerate() {
                let x = x0 + label + c as i32 * col_w;
                let fill = colour(matrix, test, backend).filled();
                area.draw(&Rectangle::new([(x + 1, y + 1), (x + col_w - 1, y + row_h - 1)], fill))?;
            }
        }
    }
    legend(area, h - LEGEND_PX / 2)
}

fn legend(area: &Area, y: i32) -> DrawResult {
    let entries = [("pass", PASS), ("fail", FAIL), ("error", ERROR), ("known failure", KNOWN), ("not run", MISSING)];
    let mut x = 12;
    for (name, c) in entries {
        area.draw(&Rectangle::new([(x, y - 8), (x + 16, y + 8)], c.filled()))?;
        area.draw(&Text::new(name.to_string(), (x + 22, y), text(TEXT_PX + 2)))?;
        x += 40 + name.len() as i32 * 9;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_fixture_matrix() {
        let chart = render(&crate::matrix::fixture_matrix()).expect("render");
        assert_eq!(chart.file_name, FILE_NAME);
        assert!(chart.title.contains("3 tests × 2 backends (1 unexpected)"), "{}", chart.title);
        assert!(chart.png.starts_with(&[0x89, b'P', b'N', b'G']));
        if let Some(dir) = std::env::var_os("WASMBENCH_CHART_DIR") {
            crate::write_atomically(&std::path::Path::new(&dir).join(FILE_NAME), &chart.png).expect("write chart");
        }
    }

    #[test]
    fn an_empty_matrix_says_so() {
        let chart = render(&Matrix::default()).expect("render");
        assert!(chart.title.contains("0 tests"));
    }
}
