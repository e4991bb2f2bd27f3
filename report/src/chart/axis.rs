//! Value axes: the display unit chosen from the data, linear or logarithmic scale, round
//! tick marks, and the numbers on them.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::Ranged;
use wasmbench_data::Unit;

use super::{LogScale, AUTO_LOG_RATIO};

/// The unit a value axis shows, chosen from the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DisplayUnit {
    pub factor: f64,
    pub suffix: &'static str,
}

impl DisplayUnit {
    /// The largest unit in which `max` (in `unit`) is at least 1.
    pub fn for_values(unit: Unit, max: f64) -> Self {
        let pick = |table: &[(f64, &'static str)]| {
            let (factor, suffix) = table
                .iter()
                .rev()
                .find(|(f, _)| max >= *f)
                .unwrap_or(&table[0]);
            DisplayUnit { factor: *factor, suffix }
        };
        match unit {
            Unit::Nanoseconds => pick(&[(1.0, "ns"), (1e3, "µs"), (1e6, "ms"), (1e9, "s")]),
            Unit::Bytes => pick(&[(1.0, "bytes"), (1024.0, "KiB"), (1048576.0, "MiB"), (1073741824.0, "GiB")]),
            Unit::PerSecond => DisplayUnit { factor: 1.0, suffix: "requests/s" },
            Unit::Instructions => pick(&[(1.0, "instructions"), (1e3, "k instructions"), (1e6, "M instructions"), (1e9, "G instructions")]),
            Unit::PerRequest => DisplayUnit { factor: 1.0, suffix: "per request" },
        }
    }
}

/// A value axis (linear from 0, or log10) with round tick marks, in a display unit.
#[derive(Debug, Clone)]
pub(crate) struct ValueAxis {
    pub log: bool,
    pub unit: DisplayUnit,
    /// Axis range in plotting coordinates (display units, log10 of them when `log`).
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl ValueAxis {
    /// An axis covering `values` (in the measurement unit; non-positive ones ignored for
    /// the log decision).
    pub fn new(values: &[f64], unit: Unit, log: LogScale) -> Self {
        Self::with_threshold(values, unit, log, AUTO_LOG_RATIO)
    }

    /// Like [`ValueAxis::new`], going logarithmic (when automatic) past `ratio`.
    pub fn with_threshold(values: &[f64], unit: Unit, log: LogScale, ratio: f64) -> Self {
        let (min, max) = positive_span(values);
        let use_log = Self::wants_log(min, max, log, ratio);
        // On a log axis the unit suits the middle of the range, so that tick labels stay
        // short at both ends (0.1 ms … 2000 ms rather than 1e-4 s … 2 s).
        let typical = if use_log { (min * max).sqrt() } else { max };
        Self::build(DisplayUnit::for_values(unit, typical), use_log, min, max)
    }

    /// An axis of plain numbers, not scaled to a unit (e.g. amounts of money); its
    /// description names no unit.
    pub fn plain(values: &[f64], log: LogScale) -> Self {
        let (min, max) = positive_span(values);
        let use_log = Self::wants_log(min, max, log, AUTO_LOG_RATIO);
        Self::build(DisplayUnit { factor: 1.0, suffix: "" }, use_log, min, max)
    }

    fn wants_log(min: f64, max: f64, log: LogScale, ratio: f64) -> bool {
        let usable = max > 0.0 && min.is_finite() && min > 0.0;
        usable
            && match log {
                LogScale::Always => true,
                LogScale::Never => false,
                LogScale::Auto => max / min > ratio,
            }
    }

    fn build(unit: DisplayUnit, use_log: bool, min: f64, max: f64) -> Self {
        let (max, min) = (max / unit.factor, min / unit.factor);
        if use_log {
            // Ends on 1-2-5 values just outside the data; ticks at 1-2-5 values, or only at
            // powers of ten when the axis spans more than three decades.
            let (lo_exp, hi_exp) = ((min * 0.9).log10().floor() as i32, (max * 1.1).log10().ceil() as i32);
            let candidates: Vec<(f64, bool)> = (lo_exp..=hi_exp)
                .flat_map(|e| [1.0, 2.0, 5.0].map(|m: f64| (m * 10f64.powi(e), m == 1.0)))
                .collect();
            let lo = candidates.iter().rev().map(|c| c.0).find(|v| *v <= min * 0.9).unwrap_or(10f64.powi(lo_exp));
            let hi = candidates.iter().map(|c| c.0).find(|v| *v >= max * 1.1).unwrap_or(10f64.powi(hi_exp)).max(lo * 2.0);
            let decades = (hi / lo).log10();
            let ticks = candidates
                .iter()
                .filter(|(v, power)| (lo..=hi).contains(v) && (decades <= 3.0 || *power))
                .map(|(v, _)| v.log10())
                .collect();
            ValueAxis { log: true, unit, lo: lo.log10(), hi: hi.log10(), ticks }
        } else {
            let top = if max > 0.0 { max * 1.1 } else { 1.0 };
            let step = nice_step(top / 6.0);
            let hi = (top / step).ceil() * step;
            let ticks = (0..=((hi / step).round() as i64)).map(|i| i as f64 * step).collect();
            ValueAxis { log: false, unit, lo: 0.0, hi, ticks }
        }
    }

    /// Plotting coordinate of a value in the measurement unit (clamped into the axis).
    pub fn pos(&self, v: f64) -> f64 {
        let d = v / self.unit.factor;
        if self.log {
            if d > 0.0 { d.log10().clamp(self.lo, self.hi) } else { self.lo }
        } else {
            d.clamp(self.lo, self.hi)
        }
    }

    /// The origin of bars.
    pub fn base(&self) -> f64 {
        self.lo
    }

    pub fn range(&self) -> Ticked {
        Ticked { lo: self.lo, hi: self.hi, ticks: self.ticks.clone() }
    }

    /// Tick label for a plotting coordinate.
    pub fn tick_label(&self, p: &f64) -> String {
        let v = if self.log { 10f64.powf(*p) } else { *p };
        number(v)
    }

    /// Axis description, e.g. `cold start (ms, log scale)`.
    pub fn desc(&self, what: &str) -> String {
        if self.log {
            format!("{what} ({}, log scale)", self.unit.suffix)
        } else {
            format!("{what} ({})", self.unit.suffix)
        }
    }
}

/// Smallest and largest positive finite value (`INFINITY`, `0` when there is none).
fn positive_span(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A linear f64 coordinate whose tick marks are exactly the given points.
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Ticked {
    /// A linear axis from a round value at or below `lo` to one at or above `hi` (either
    /// may be negative), with a tick at every multiple of a 1-2-5 step, about six in all.
    pub fn covering(lo: f64, hi: f64) -> Self {
        let span = if hi > lo { hi - lo } else { 1.0 };
        let step = nice_step(span / 6.0);
        let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
        let last = last.max(first + 1);
        let ticks = (first..=last).map(|i| i as f64 * step).collect();
        Ticked { lo: first as f64 * step, hi: last as f64 * step, ticks }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = if self.hi > self.lo { self.hi - self.lo } else { 1.0 };
        let t = (value - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p)
}

/// A number with at most three significant digits and no trailing zeros.
pub(crate) fn number(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_numbers() {
        assert_eq!(DisplayUnit::for_values(Unit::Nanoseconds, 2.5e7).suffix, "ms");
        assert_eq!(DisplayUnit::for_values(Unit::Nanoseconds, 500.0).suffix, "ns");
        assert_eq!(DisplayUnit::for_values(Unit::Bytes, 3.0 * 1048576.0).suffix, "MiB");
        assert_eq!(number(1500.0), "1500");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(13.0), 20.0);
    }

    #[test]
    fn covering_axes_reach_round_values_on_both_sides_of_zero() {
        let t = Ticked::covering(-11.0, 27.0);
        assert_eq!((t.lo, t.hi), (-20.0, 30.0));
        assert_eq!(t.ticks, [-20.0, -10.0, 0.0, 10.0, 20.0, 30.0]);
        let flat = Ticked::covering(0.0, 0.0);
        assert!(flat.hi > flat.lo);
    }

    #[test]
    fn axes_go_logarithmic_when_values_span_orders_of_magnitude() {
        let narrow = ValueAxis::new(&[1e6, 3e6], Unit::Nanoseconds, LogScale::Auto);
        assert!(!narrow.log);
        assert_eq!(narrow.desc("execute"), "execute (ms)");
        let wide = ValueAxis::new(&[1e5, 2e9], Unit::Nanoseconds, LogScale::Auto);
        assert!(wide.log);
        assert_eq!(wide.desc("execute"), "execute (ms, log scale)");
        // 1e5 ns = 0.1 ms: the axis starts at the 1-2-5 value below.
        assert_eq!(wide.tick_label(&wide.range().range().start), "0.05");
        assert!(!ValueAxis::new(&[1e5, 2e9], Unit::Nanoseconds, LogScale::Never).log);
        assert!(ValueAxis::new(&[1e6, 3e6], Unit::Nanoseconds, LogScale::Always).log);
        // Positions clamp into the axis and never produce NaN.
        assert_eq!(wide.pos(0.0), wide.base());
    }
}
