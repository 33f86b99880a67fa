//! Charts drawn by the host as inline SVG (no script, nothing fetched): a line or bar
//! chart of one or more series over labelled points, with a y axis of round ticks, a
//! few x labels, a `<title>` on the chart and on every point (the value a pointer shows),
//! a legend, and the same figures as a table under a `<details>` (what a screen reader
//! or a copy wants). Every text goes through maud, so names and labels are escaped.
//! Colours are SVG presentation attributes, which the console's CSP (no inline styles)
//! allows.

use maud::{html, Markup};
use std::fmt::Write as _;

/// Width of the drawing, in SVG user units (the SVG scales to its box).
const W: f64 = 640.0;
/// Height of the drawing.
const H: f64 = 220.0;
/// Room left of the plot for the y tick labels.
const LEFT: f64 = 52.0;
/// Room right of the plot.
const RIGHT: f64 = 16.0;
/// Room above the plot.
const TOP: f64 = 10.0;
/// Room below the plot for the x labels.
const BOTTOM: f64 = 28.0;
/// Most x labels drawn (every k-th label when there are more points).
const MAX_X_LABELS: usize = 8;
/// Series colours, in order (then again).
const PALETTE: [&str; 6] = [
    "#2456a6", "#c0641b", "#1f6b3a", "#8a3ea6", "#a12a2a", "#4a6f7d",
];

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A polyline per series with a dot per point.
    Line,
    /// Bars per point, the series side by side.
    Bar,
}

/// One named series: a value per label of its chart (`None`: no value there).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Series {
    /// Shown in the legend, the table header and each point's title.
    pub name: String,
    /// In the chart's label order.
    pub values: Vec<Option<f64>>,
}

/// A chart: title, unit of its values, labels along x and the series.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Chart {
    /// The element id (the SVG's title is `<id>-title`).
    pub id: String,
    /// The chart's title (its accessible name).
    pub title: String,
    /// Unit of the values, shown after the title (e.g. "players").
    pub unit: String,
    /// Line or bar.
    pub kind: Kind,
    /// Whole-number values: ticks are at least 1 apart.
    pub whole: bool,
    /// One label per point, in order.
    pub labels: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
}

/// A round step for about `count` ticks over `0..span`: 1, 2 or 5 times a power of ten.
pub(super) fn nice_step(span: f64, count: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) || count == 0 {
        return 1.0;
    }
    let raw = span / count as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// The y ticks from 0 up to the first round value at or above `max` (about four
/// steps); `[0, 1]` when `max` is 0 or less. With `whole`, steps are at least 1.
pub(super) fn ticks(max: f64, whole: bool) -> Vec<f64> {
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0, 1.0];
    }
    let mut step = nice_step(max, 4);
    if whole {
        step = step.max(1.0).round();
    }
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// The y coordinate of `v` on a plot whose top tick is `top`.
pub(super) fn y_of(v: f64, top: f64) -> f64 {
    let plot = H - TOP - BOTTOM;
    let share = if top > 0.0 {
        (v / top).clamp(0.0, 1.0)
    } else {
        0.0
    };
    TOP + plot - share * plot
}

/// The x coordinate of point `i` of `n` on a line chart (ends on the plot's edges; a
/// single point in the middle).
pub(super) fn x_of(i: usize, n: usize) -> f64 {
    let plot = W - LEFT - RIGHT;
    if n <= 1 {
        LEFT + plot / 2.0
    } else {
        LEFT + plot * i as f64 / (n - 1) as f64
    }
}

/// The x centre of slot `i` of `n` on a bar chart.
fn slot_centre(i: usize, n: usize) -> f64 {
    let slot = (W - LEFT - RIGHT) / n.max(1) as f64;
    LEFT + slot * (i as f64 + 0.5)
}

/// A value as a label: whole numbers without decimals, others with up to two; 10 000
/// and more as `12.5k`, a million and more as `1.2M`.
pub(super) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let mut s = format!("{x:.2}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if s == "-0" {
        s = "0".into();
    }
    s + suffix
}

/// Which labels are drawn: every k-th so that at most [`MAX_X_LABELS`] are, the last
/// one always.
pub(super) fn shown_labels(n: usize) -> Vec<usize> {
    if n == 0 {
        return vec![];
    }
    let k = n.div_ceil(MAX_X_LABELS);
    let mut out: Vec<usize> = (0..n).step_by(k).collect();
    if out.last() != Some(&(n - 1)) {
        if n - 1 - out.last().copied().unwrap_or(0) < k {
            out.pop();
        }
        out.push(n - 1);
    }
    out
}

impl Chart {
    /// The largest value of any series (0 without values).
    fn max(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(0.0, |m, v| if *v > m { *v } else { m })
    }

    /// Whether there is anything to draw: a label and a value other than 0.
    pub(super) fn has_data(&self) -> bool {
        !self.labels.is_empty()
            && self
                .series
                .iter()
                .any(|s| s.values.iter().flatten().any(|v| *v != 0.0))
    }

    /// The anchor of x label `i` of `n`: a line chart's end labels sit on the plot's
    /// edges, so they extend inwards; every other label is centred.
    fn anchor(&self, i: usize, n: usize) -> &'static str {
        match self.kind {
            Kind::Line if n > 1 && i == 0 => "start",
            Kind::Line if n > 1 && i == n - 1 => "end",
            _ => "middle",
        }
    }

    /// The SVG path of a line series: a move to each point after a gap, a line to the
    /// next ones.
    fn path(&self, values: &[Option<f64>], top: f64) -> String {
        let n = self.labels.len();
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate().take(n) {
            match v {
                Some(v) => {
                    let cmd = if pen_down { 'L' } else { 'M' };
                    let _ = write!(d, "{cmd}{:.1},{:.1} ", x_of(i, n), y_of(*v, top));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        d.trim_end().to_string()
    }

    /// The chart as a `<figure>`: heading, SVG (or "no data yet"), legend and table.
    pub(super) fn render(&self) -> Markup {
        let title_id = format!("{}-title", self.id);
        html! {
            figure.chart id=(self.id) {
                figcaption { (self.title) @if !self.unit.is_empty() { span.muted { " (" (self.unit) ")" } } }
                @if self.has_data() {
                    (self.svg(&title_id))
                    @if self.series.len() > 1 {
                        ul.legend {
                            @for (k, s) in self.series.iter().enumerate() {
                                li {
                                    svg.swatch viewBox="0 0 10 10" width="10" height="10" aria-hidden="true" {
                                        rect width="10" height="10" fill=(PALETTE[k % PALETTE.len()]) {}
                                    }
                                    " " (s.name)
                                }
                            }
                        }
                    }
                    (self.table())
                } @else {
                    p.muted.empty { "no data yet" }
                }
            }
        }
    }

    fn svg(&self, title_id: &str) -> Markup {
        let top_ticks = ticks(self.max(), self.whole);
        let top = top_ticks.last().copied().unwrap_or(1.0);
        let n = self.labels.len();
        let bottom = H - BOTTOM;
        let slot = (W - LEFT - RIGHT) / n.max(1) as f64;
        let groups = self.series.len().max(1) as f64;
        let bar_w = (slot * 0.8 / groups).max(1.0);
        html! {
            svg.chart viewBox=(format!("0 0 {W} {H}")) role="img" aria-labelledby=(title_id)
                data-kind=(if self.kind == Kind::Line { "line" } else { "bar" }) {
                title id=(title_id) { (self.title) }
                g.axis {
                    @for t in &top_ticks {
                        line x1=(LEFT) x2=(W - RIGHT) y1=(fmt1(y_of(*t, top))) y2=(fmt1(y_of(*t, top)))
                            stroke="#d8dde3" stroke-width="1" {}
                        text x=(LEFT - 6.0) y=(fmt1(y_of(*t, top) + 4.0)) text-anchor="end"
                            font-size="11" fill="#5d6773" { (fmt_num(*t)) }
                    }
                    @for i in shown_labels(n) {
                        text x=(fmt1(if self.kind == Kind::Line { x_of(i, n) } else { slot_centre(i, n) }))
                            y=(fmt1(bottom + 18.0)) text-anchor=(self.anchor(i, n)) font-size="11" fill="#5d6773" {
                            (self.labels[i])
                        }
                    }
                }
                @for (k, s) in self.series.iter().enumerate() {
                    @let colour = PALETTE[k % PALETTE.len()];
                    g.series data-series=(s.name) {
                        @match self.kind {
                            Kind::Line => {
                                path d=(self.path(&s.values, top)) fill="none" stroke=(colour) stroke-width="2" {}
                                @for (i, v) in s.values.iter().enumerate().take(n) {
                                    @if let Some(v) = v {
                                        circle.point cx=(fmt1(x_of(i, n))) cy=(fmt1(y_of(*v, top))) r="3" fill=(colour) {
                                            title { (self.labels[i]) " · " (s.name) ": " (fmt_num(*v)) }
                                        }
                                    }
                                }
                            }
                            Kind::Bar => {
                                @for (i, v) in s.values.iter().enumerate().take(n) {
                                    @if let Some(v) = v {
                                        @let x = slot_centre(i, n) - slot * 0.4 + bar_w * k as f64;
                                        @let y = y_of(*v, top);
                                        rect.point x=(fmt1(x)) y=(fmt1(y)) width=(fmt1(bar_w))
                                            height=(fmt1(bottom - y)) fill=(colour) {
                                            title { (self.labels[i]) " · " (s.name) ": " (fmt_num(*v)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn table(&self) -> Markup {
        html! {
            details {
                summary { "Table" }
                table {
                    tr {
                        th { "" }
                        @for s in &self.series { th.num { (s.name) } }
                    }
                    @for (i, label) in self.labels.iter().enumerate() {
                        tr {
                            td { (label) }
                            @for s in &self.series {
                                td.num {
                                    @match s.values.get(i).copied().flatten() {
                                        Some(v) => (fmt_num(v)),
                                        None => "-",
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A coordinate with one decimal.
fn fmt1(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: Kind, values: Vec<Option<f64>>) -> Chart {
        Chart {
            id: "c".into(),
            title: "Players <online>".into(),
            unit: "players".into(),
            kind,
            whole: true,
            labels: (0..values.len()).map(|i| format!("d{i}")).collect(),
            series: vec![Series {
                name: "a&b".into(),
                values,
            }],
        }
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(10.0, 4), 5.0);
        assert_eq!(nice_step(100.0, 4), 50.0);
        assert_eq!(nice_step(7.0, 4), 2.0);
        assert_eq!(nice_step(0.3, 4), 0.1);
        assert_eq!(nice_step(0.0, 4), 1.0);
        assert_eq!(nice_step(f64::NAN, 4), 1.0);
    }

    #[test]
    fn ticks_cover_the_max_from_zero() {
        assert_eq!(ticks(10.0, true), vec![0.0, 5.0, 10.0]);
        assert_eq!(ticks(11.0, true), vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(ticks(1.0, true), vec![0.0, 1.0]);
        assert_eq!(ticks(3.0, true), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(ticks(0.0, true), vec![0.0, 1.0]);
        assert_eq!(ticks(1.0, false), vec![0.0, 0.5, 1.0]);
        assert_eq!(ticks(1234.0, true), vec![0.0, 500.0, 1000.0, 1500.0]);
        for max in [0.7, 3.0, 42.0, 999.0, 12345.0] {
            let t = ticks(max, false);
            assert!(*t.last().unwrap() >= max && t.len() <= 6, "{max}: {t:?}");
        }
    }

    #[test]
    fn values_scale_into_the_plot() {
        let bottom = H - BOTTOM;
        assert_eq!(y_of(0.0, 10.0), bottom);
        assert_eq!(y_of(10.0, 10.0), TOP);
        assert_eq!(y_of(5.0, 10.0), (TOP + bottom) / 2.0);
        assert_eq!(y_of(20.0, 10.0), TOP, "clamped");
        assert_eq!(y_of(3.0, 0.0), bottom);
        assert_eq!(x_of(0, 3), LEFT);
        assert_eq!(x_of(2, 3), W - RIGHT);
        assert_eq!(x_of(0, 1), LEFT + (W - LEFT - RIGHT) / 2.0);
    }

    #[test]
    fn numbers_and_labels() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(5.0), "5");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.333), "0.33");
        assert_eq!(fmt_num(12_500.0), "12.5k");
        assert_eq!(fmt_num(3_000_000.0), "3M");
        assert_eq!(shown_labels(0), Vec::<usize>::new());
        assert_eq!(shown_labels(3), vec![0, 1, 2]);
        let l = shown_labels(30);
        assert!(
            l.len() <= MAX_X_LABELS + 1 && l[0] == 0 && *l.last().unwrap() == 29,
            "{l:?}"
        );
        let l = shown_labels(24);
        assert!(l.len() <= MAX_X_LABELS && *l.last().unwrap() == 23, "{l:?}");
    }

    #[test]
    fn a_line_chart_has_a_dot_and_title_per_value_and_escapes_text() {
        let c = chart(Kind::Line, vec![Some(1.0), None, Some(4.0), Some(2.0)]);
        let html = c.render().into_string();
        assert_eq!(html.matches("<circle").count(), 3);
        assert_eq!(html.matches("<path").count(), 1);
        assert!(html.contains("Players &lt;online&gt;"), "{html}");
        assert!(html.contains("a&amp;b: 4"), "{html}");
        assert!(!html.contains("<online>"));
        assert!(html.contains("aria-labelledby=\"c-title\""));
        // A gap starts a new stroke.
        let d = c.path(&c.series[0].values, 4.0);
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        // The table lists every label, the gap as "-".
        assert!(
            html.contains("<td>d1</td><td class=\"num\">-</td>"),
            "{html}"
        );
    }

    #[test]
    fn a_bar_chart_has_a_bar_per_value_down_to_the_axis() {
        let c = chart(Kind::Bar, vec![Some(2.0), Some(0.0), Some(4.0)]);
        let html = c.render().into_string();
        assert_eq!(html.matches("<rect class=\"point\"").count(), 3);
        let bottom = H - BOTTOM;
        // The 4 bar reaches the top tick (4); the 2 bar half as high.
        assert!(
            html.contains(&format!("height=\"{:.1}\"", bottom - TOP)),
            "{html}"
        );
        assert!(
            html.contains(&format!("height=\"{:.1}\"", (bottom - TOP) / 2.0)),
            "{html}"
        );
    }

    #[test]
    fn no_values_show_no_data_yet() {
        for c in [
            chart(Kind::Line, vec![]),
            chart(Kind::Bar, vec![Some(0.0), None]),
        ] {
            let html = c.render().into_string();
            assert!(html.contains("no data yet"), "{html}");
            assert!(!html.contains("<svg"), "{html}");
        }
    }
}
