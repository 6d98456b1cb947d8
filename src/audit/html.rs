//! The report as one self-contained HTML page: no external assets, charts drawn as inline SVG,
//! written to meet WCAG 2.2 AA (the guidance requires it for user-facing output).
//!
//! Last stage of `audit report` (`Report ─► html`). What makes it accessible, and is checked
//! by `tests/audit_report.rs` with axe-core in headless Chromium:
//! - language, title, landmarks (`header`, `nav`, `main`, `footer`), a skip link, one `h1`
//!   and ordered headings;
//! - every chart is an `img` with a title and a description, and its numbers are also in a
//!   table beside it; colour never carries meaning alone (statuses are words, chart series
//!   have a legend and the table);
//! - text contrast at least 4.5:1 and chart colours at least 3:1 against the background;
//! - tables with captions and header cells; wide tables scroll in a focusable region;
//! - visible focus, and layout that reflows at 320 CSS pixels.

use super::report::{Counts, FlagStatus, Report};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Series colours: each at least 3:1 against white (WCAG 1.4.11) and 4.5:1 for their labels.
const SERIES: [(&str, &str); 4] = [
    ("Deny", "#a4262c"),
    ("Ask", "#8a4b00"),
    ("Allow", "#1d6b2f"),
    ("No opinion", "#505a5f"),
];

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn values(c: &Counts) -> [u64; 4] {
    [c.deny, c.ask, c.allow, c.other]
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #0b0c0c; background: #fff; }
a { color: #1d4f91; }
a:focus, [tabindex]:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: 0 0 0 6px #0b0c0c; }
.skip { position: absolute; left: -9999px; }
.skip:focus { position: static; display: inline-block; padding: .5rem; background: #ffdd00; color: #0b0c0c; }
header, main, footer, nav { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 4px solid #0b0c0c; padding-bottom: .5rem; }
h1 { font-size: 2rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1.5rem; margin: 2rem 0 .5rem; border-top: 1px solid #b1b4b6; padding-top: 1rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .5rem; }
dl.summary div { border: 1px solid #b1b4b6; padding: .5rem; }
dl.summary dt { font-size: .875rem; color: #484949; }
dl.summary dd { margin: 0; font-size: 1.5rem; font-weight: 700; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .9375rem; }
caption { text-align: left; font-weight: 700; padding: .25rem 0; }
th, td { text-align: left; padding: .375rem .5rem; border-bottom: 1px solid #b1b4b6; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.subject { word-break: break-all; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .875rem; }
.status { display: inline-block; padding: .125rem .5rem; font-weight: 700; border: 2px solid currentColor; }
.status-clear { color: #1d6b2f; }
.status-blocked { color: #8a4b00; }
.status-raised { color: #fff; background: #a4262c; border-color: #a4262c; }
figure { margin: 1rem 0; }
figcaption { font-weight: 700; margin-bottom: .25rem; }
svg { max-width: 100%; height: auto; display: block; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .25rem 0; }
.legend span { display: inline-block; width: 1rem; height: 1rem; vertical-align: -.15rem; margin-right: .25rem; border: 1px solid #0b0c0c; }
footer { margin-top: 2rem; padding-bottom: 2rem; color: #484949; font-size: .875rem; }
@media print { nav, .skip { display: none; } }
"#;

fn legend(s: &mut String) {
    s.push_str("<ul class=\"legend\">");
    for (name, colour) in SERIES {
        let _ = write!(
            s,
            "<li><span style=\"background:{colour}\"></span>{name}</li>"
        );
    }
    s.push_str("</ul>");
}

/// A stacked column chart: one column per key.
fn columns(s: &mut String, id: &str, title: &str, desc: &str, data: &BTreeMap<String, Counts>) {
    let n = data.len().max(1);
    let max = data.values().map(Counts::total).max().unwrap_or(0).max(1);
    let (w, h, left, bottom, top) = (720.0_f64, 260.0_f64, 48.0, 56.0, 12.0);
    let plot_h = h - bottom - top;
    let step = (w - left - 8.0) / n as f64;
    let bar = (step * 0.7).min(48.0);
    let _ = write!(
        s,
        "<figure><figcaption id=\"{id}-cap\">{}</figcaption>",
        esc(title)
    );
    legend(s);
    let _ = write!(
        s,
        "<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
    // Axis and scale: 0 and max.
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#0b0c0c\"/><line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#0b0c0c\"/>",
        h - bottom,
        w - 4.0,
        y = h - bottom
    );
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#0b0c0c\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#0b0c0c\">0</text>",
        left - 4.0,
        top + 10.0,
        left - 4.0,
        h - bottom
    );
    let label_every = (n / 12).max(1);
    for (i, (k, c)) in data.iter().enumerate() {
        let x = left + step * i as f64 + (step - bar) / 2.0;
        let mut y = h - bottom;
        for (v, (name, colour)) in values(c).into_iter().zip(SERIES) {
            if v == 0 {
                continue;
            }
            let bh = plot_h * v as f64 / max as f64;
            y -= bh;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"><title>{}: {v} {}</title></rect>",
                esc(k),
                name.to_lowercase()
            );
        }
        if i % label_every == 0 {
            let lx = x + bar / 2.0;
            let ly = h - bottom + 14.0;
            let _ = write!(
                s,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"11\" fill=\"#0b0c0c\" text-anchor=\"end\" transform=\"rotate(-35 {lx:.1} {ly:.1})\">{}</text>",
                esc(k)
            );
        }
    }
    s.push_str("</svg></figure>");
}

/// A horizontal stacked bar chart: one bar per key.
fn bars(s: &mut String, id: &str, title: &str, desc: &str, data: &BTreeMap<String, Counts>) {
    let max = data.values().map(Counts::total).max().unwrap_or(0).max(1);
    let (w, row, left) = (720.0_f64, 26.0_f64, 150.0_f64);
    let h = row * data.len().max(1) as f64 + 8.0;
    let plot_w = w - left - 60.0;
    let _ = write!(
        s,
        "<figure><figcaption id=\"{id}-cap\">{}</figcaption>",
        esc(title)
    );
    legend(s);
    let _ = write!(
        s,
        "<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
    for (i, (k, c)) in data.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#0b0c0c\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + row * 0.65,
            esc(k)
        );
        let mut x = left;
        for (v, (name, colour)) in values(c).into_iter().zip(SERIES) {
            if v == 0 {
                continue;
            }
            let bw = plot_w * v as f64 / max as f64;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}: {v} {}</title></rect>",
                y + 3.0,
                row - 8.0,
                esc(k),
                name.to_lowercase()
            );
            x += bw;
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#0b0c0c\">{}</text>",
            x + 6.0,
            y + row * 0.65,
            c.total()
        );
    }
    s.push_str("</svg></figure>");
}

/// A column of a table: its heading, and whether it holds numbers (right-aligned).
type Column<'a> = (&'a str, bool);
const NUM: bool = true;
const TEXT: bool = false;

/// One cell of a row, as markup (the caller escapes what it puts in).
enum Cell {
    /// The row's header cell (`<th scope="row">`), with a class or none.
    Head(&'static str, String),
    /// A data cell (`<td>`), with a class or none.
    Data(&'static str, String),
}

fn head(html: String) -> Cell {
    Cell::Head("", html)
}

fn head_subject(html: String) -> Cell {
    Cell::Head("subject", html)
}

fn text(html: String) -> Cell {
    Cell::Data("", html)
}

fn subject(html: String) -> Cell {
    Cell::Data("subject", html)
}

fn num(n: u64) -> Cell {
    Cell::Data("num", n.to_string())
}

/// A table with a caption and column headers, in a focusable region so that keyboard users
/// can scroll a wide table (WCAG 2.1.1); `empty`, when given, is the one row shown when there
/// are no rows.
fn table(
    s: &mut String,
    label: &str,
    caption: &str,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    empty: Option<&str>,
) {
    let _ = write!(
        s,
        "<div class=\"table-wrap\" role=\"region\" aria-label=\"{}\" tabindex=\"0\"><table><caption>{}</caption><thead><tr>",
        esc(label),
        esc(caption)
    );
    for (name, numeric) in columns {
        let class = if *numeric { " class=\"num\"" } else { "" };
        let _ = write!(s, "<th scope=\"col\"{class}>{}</th>", esc(name));
    }
    s.push_str("</tr></thead><tbody>");
    let mut any = false;
    for row in rows {
        any = true;
        s.push_str("<tr>");
        for cell in row {
            let (open, close, class, html) = match cell {
                Cell::Head(class, html) => ("<th scope=\"row\"", "</th>", class, html),
                Cell::Data(class, html) => ("<td", "</td>", class, html),
            };
            s.push_str(open);
            if !class.is_empty() {
                let _ = write!(s, " class=\"{class}\"");
            }
            let _ = write!(s, ">{html}{close}");
        }
        s.push_str("</tr>");
    }
    if let (false, Some(message)) = (any, empty) {
        let _ = write!(
            s,
            "<tr><td colspan=\"{}\">{}</td></tr>",
            columns.len(),
            esc(message)
        );
    }
    s.push_str("</tbody></table></div>");
}

fn counts_table(s: &mut String, caption: &str, first: &str, data: &BTreeMap<String, Counts>) {
    let columns = [
        (first, TEXT),
        ("Deny", NUM),
        ("Ask", NUM),
        ("Allow", NUM),
        ("No opinion", NUM),
        ("Total", NUM),
    ];
    let rows = data.iter().map(|(k, c)| {
        vec![
            head(esc(k)),
            num(c.deny),
            num(c.ask),
            num(c.allow),
            num(c.other),
            num(c.total()),
        ]
    });
    table(s, caption, caption, &columns, rows, Some("No records."));
}

fn status_badge(st: FlagStatus) -> String {
    let class = match st {
        FlagStatus::Clear => "clear",
        FlagStatus::Blocked => "blocked",
        FlagStatus::Raised => "raised",
    };
    format!(
        "<span class=\"status status-{class}\">{}</span>",
        esc(st.label())
    )
}

/// Renders the report.
pub fn render(r: &Report) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let span = format!(
        "{} to {}",
        r.first_ts
            .as_deref()
            .map_or("-", |t| t.get(..10).unwrap_or(t)),
        r.last_ts
            .as_deref()
            .map_or("-", |t| t.get(..10).unwrap_or(t))
    );
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>hookguard audit report, {}</title><style>{STYLE}</style></head><body>",
        esc(&span)
    );
    s.push_str("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    let _ = write!(
        s,
        "<header><h1>hookguard audit report</h1><p>Records from {}, generated {}. Window: {} to {}.</p></header>",
        esc(&span),
        esc(&r.generated),
        esc(r.since.as_deref().unwrap_or("the start")),
        esc(r.until.as_deref().unwrap_or("the end"))
    );
    let sections = [
        ("summary", "Summary"),
        ("red-flags", "Red flags"),
        ("indicators", "Compliance indicators"),
        ("over-time", "Decisions over time"),
        ("by-control", "Decisions by control"),
        ("by-rule", "Decisions by rule"),
        ("refused", "Top refused actions"),
        ("sessions", "Sessions"),
        ("context", "Files that entered the context"),
        ("integrity", "Chain integrity"),
    ];
    s.push_str("<nav aria-label=\"Sections\"><ul>");
    for (id, name) in sections {
        let _ = write!(s, "<li><a href=\"#{id}\">{name}</a></li>");
    }
    s.push_str("</ul></nav><main id=\"main\" tabindex=\"-1\">");

    // Summary.
    let t = &r.totals;
    let _ = write!(s, "<h2 id=\"summary\">Summary</h2><dl class=\"summary\">");
    let intact = r.integrity.iter().all(|i| i.intact);
    for (k, v) in [
        ("Records", r.records.to_string()),
        ("Denied or blocked", t.deny.to_string()),
        ("Asked", t.ask.to_string()),
        ("Allowed", t.allow.to_string()),
        ("No opinion", t.other.to_string()),
        ("Sessions", r.sessions_total.to_string()),
        ("Users", r.users.to_string()),
        (
            "Chain",
            if intact {
                "Intact".into()
            } else {
                "Broken".into()
            },
        ),
    ] {
        let _ = write!(s, "<div><dt>{k}</dt><dd>{}</dd></div>", esc(&v));
    }
    s.push_str("</dl>");
    if !r.profiles.is_empty() {
        let p: Vec<String> = r
            .profiles
            .iter()
            .map(|(k, v)| format!("{} {v}", esc(k)))
            .collect();
        let _ = write!(s, "<p>Records by profile: {}.</p>", p.join(", "));
    }

    // Red flags.
    s.push_str("<h2 id=\"red-flags\">Red flags</h2><p>The guidance's red flags that require action, as far as the log can show them. &ldquo;Raised&rdquo; means something got through and should be escalated; &ldquo;attempted, all refused&rdquo; means the guard stopped every attempt.</p>");
    let rows = r.red_flags.iter().map(|f| {
        vec![
            head(esc(f.flag)),
            text(status_badge(f.status)),
            num(f.attempts),
            num(f.refused),
            num(f.not_refused),
            text(esc(f.how)),
        ]
    });
    let cols = [
        ("Red flag", TEXT),
        ("Status", TEXT),
        ("Attempts", NUM),
        ("Refused", NUM),
        ("Not refused", NUM),
        ("How it is measured", TEXT),
    ];
    table(&mut s, "Red flags", "Red flags", &cols, rows, None);

    // Indicators.
    s.push_str("<h2 id=\"indicators\">Compliance indicators</h2>");
    let rows = r.indicators.iter().map(|i| {
        vec![
            head(esc(i.indicator)),
            text(esc(i.target)),
            text(esc(&i.value)),
            text(esc(&i.detail)),
        ]
    });
    let cols = [
        ("Indicator", TEXT),
        ("Target", TEXT),
        ("Value", TEXT),
        ("Detail", TEXT),
    ];
    table(
        &mut s,
        "Compliance indicators",
        "Compliance indicators the log evidences",
        &cols,
        rows,
        None,
    );

    // Over time.
    s.push_str("<h2 id=\"over-time\">Decisions over time</h2>");
    let busiest = r
        .by_day
        .iter()
        .max_by_key(|(_, c)| c.total())
        .map(|(d, c)| format!(" The busiest day was {d} with {} decisions.", c.total()))
        .unwrap_or_default();
    columns(
        &mut s,
        "chart-days",
        "Decisions per day (UTC), stacked by kind",
        &format!(
            "{} days with records: {} denied, {} asked, {} allowed, {} with no opinion.{busiest} The table below gives every value.",
            r.by_day.len(),
            t.deny,
            t.ask,
            t.allow,
            t.other
        ),
        &r.by_day,
    );
    counts_table(&mut s, "Decisions per day (UTC)", "Day", &r.by_day);

    // By control.
    s.push_str("<h2 id=\"by-control\">Decisions by control</h2>");
    if !r.by_control.is_empty() {
        let most = r
            .by_control
            .iter()
            .max_by_key(|(_, c)| c.total())
            .map(|(k, c)| format!("{k} decided most often, {} times.", c.total()))
            .unwrap_or_default();
        bars(
            &mut s,
            "chart-controls",
            "Decisions by guidance control, stacked by kind",
            &format!(
                "{} controls decided calls. {most} The table below gives every value.",
                r.by_control.len()
            ),
            &r.by_control,
        );
    }
    counts_table(
        &mut s,
        "Decisions by guidance control",
        "Control",
        &r.by_control,
    );

    s.push_str("<h2 id=\"by-rule\">Decisions by rule</h2>");
    counts_table(&mut s, "Decisions by rule", "Rule", &r.by_rule);

    // Top refused.
    s.push_str("<h2 id=\"refused\">Top refused actions</h2>");
    let rows = r
        .top_refused
        .iter()
        .map(|x| vec![num(x.count), head(esc(&x.rule)), subject(esc(&x.subject))]);
    let cols = [("Times", NUM), ("Rule", TEXT), ("Subject", TEXT)];
    table(
        &mut s,
        "Top refused actions",
        "Most often refused (rule and subject; secrets were redacted when recorded)",
        &cols,
        rows,
        Some("Nothing was refused."),
    );

    // Sessions.
    let _ = write!(
        s,
        "<h2 id=\"sessions\">Sessions</h2><p>{} sessions in all; the latest {} are listed.</p>",
        r.sessions_total,
        r.sessions.len()
    );
    let rows = r.sessions.iter().map(|x| {
        vec![
            head_subject(esc(&x.session_id)),
            text(esc(x.user.as_deref().unwrap_or(""))),
            subject(esc(x.project.as_deref().unwrap_or(""))),
            text(esc(&x.first)),
            text(esc(&x.last)),
            num(x.counts.total()),
            num(x.counts.deny),
            num(x.counts.ask),
        ]
    });
    let cols = [
        ("Session", TEXT),
        ("User", TEXT),
        ("Project", TEXT),
        ("First", TEXT),
        ("Last", TEXT),
        ("Decisions", NUM),
        ("Denied", NUM),
        ("Asked", NUM),
    ];
    table(
        &mut s,
        "Sessions",
        "Sessions, latest first",
        &cols,
        rows,
        None,
    );

    // Context files.
    let _ = write!(
        s,
        "<h2 id=\"context\">Files that entered the context</h2><p>What was read into the model's context (PR-14): path, size and SHA-256 digest, never the content. {} files in all; the most read {} are listed.</p>",
        r.context_files_total,
        r.context_files.len()
    );
    let rows = r.context_files.iter().map(|f| {
        vec![
            head_subject(esc(&f.path)),
            num(f.reads),
            num(f.sessions),
            num(f.bytes),
            subject(esc(&f.last_sha256)),
        ]
    });
    let cols = [
        ("Path", TEXT),
        ("Reads", NUM),
        ("Sessions", NUM),
        ("Bytes", NUM),
        ("SHA-256 (last read)", TEXT),
    ];
    table(
        &mut s,
        "Files that entered the context",
        "Files read into the context, most read first",
        &cols,
        rows,
        Some("No reads recorded (PostToolUse may not be registered)."),
    );

    // Integrity.
    s.push_str("<h2 id=\"integrity\">Chain integrity</h2><ul>");
    for i in &r.integrity {
        let _ = write!(
            s,
            "<li><strong>{}</strong>: {} records in {} files: {}",
            esc(&i.log),
            i.records,
            i.files,
            if i.intact {
                "the hash chain is intact.".to_string()
            } else {
                format!(
                    "<strong>the chain is broken</strong> at {}.",
                    esc(i.first_break.as_deref().unwrap_or(""))
                )
            }
        );
        for n in &i.notes {
            let _ = write!(s, " Note: {}.", esc(n));
        }
        s.push_str("</li>");
    }
    s.push_str("</ul></main>");
    let _ = writeln!(
        s,
        "<footer><p>Generated by hookguard {} from the local audit log. Verify the chain with <code>hookguard audit verify</code>.</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_captions_header_cells_and_an_empty_row() {
        let mut s = String::new();
        let cols = [("Name <x>", TEXT), ("Count", NUM)];
        table(
            &mut s,
            "L",
            "C&D",
            &cols,
            Vec::<Vec<Cell>>::new(),
            Some("None."),
        );
        assert_eq!(
            s,
            "<div class=\"table-wrap\" role=\"region\" aria-label=\"L\" tabindex=\"0\"><table><caption>C&amp;D</caption><thead><tr><th scope=\"col\">Name &lt;x&gt;</th><th scope=\"col\" class=\"num\">Count</th></tr></thead><tbody><tr><td colspan=\"2\">None.</td></tr></tbody></table></div>"
        );
        let mut s = String::new();
        table(
            &mut s,
            "L",
            "C",
            &cols,
            [vec![head_subject("a".into()), num(3)]],
            Some("None."),
        );
        assert!(s.contains("<tbody><tr><th scope=\"row\" class=\"subject\">a</th><td class=\"num\">3</td></tr></tbody>"), "{s}");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
