//! `--format html`: one self-contained page for people who will not read a terminal: per cluster a
//! summary, an expiry timeline of the next 400 days (inline SVG), the findings in a table that
//! sorts and filters, the waivers with their end dates, and the compliance verdicts.
//!
//! Self-contained and safe to open anywhere: no external script, style, font or image; a strict
//! Content-Security-Policy (`default-src 'none'`) that allows exactly the page's own inline style
//! and script by their SHA-256; the script adds no markup (it only reorders rows and sets
//! `hidden`), and every value from the scan is escaped for HTML text or attributes. The script
//! reads its state from the address's fragment (`#q=CERT002&level=error&sort=expiry`), so a
//! filtered view can be linked, and the tests drive it the same way in headless Chromium.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Emitter, Report, Reported};
use crate::compliance::ComplianceReport;
use crate::facts::model::CertificateFact;
use crate::findings::{Finding, Level, Summary};

/// HTML emitter.
pub struct Html;

/// How many days ahead the timeline shows.
pub const TIMELINE_DAYS: i64 = 400;

/// Days per bar of the timeline.
const BUCKET_DAYS: i64 = 10;

/// Above this many findings the table holds the most urgent ones ([`super::by_urgency`]) and
/// says how many more there are: 10,000 rows are a 10 MB page a browser still handles, 100,000
/// are not. Every finding is in `--format sarif` or `json`.
pub const MAX_ROWS: usize = 5_000;

/// Clusters (or sources) shown as their own timeline row; the rest share the last row.
const TIMELINE_ROWS: usize = 20;

const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0;
  --error: #cf222e; --warning: #9a6700; --note: #0969da; --pass: #1a7f37; --head: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --error: #ff7b72; --warning: #d29922; --note: #58a6ff; --pass: #3fb950; --head: #151b23; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; padding: 1.5rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
p.meta { color: var(--muted); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; background: none; border: 0; color: inherit; cursor: pointer; padding: 0; }
th button[aria-sort="ascending"]::after { content: " \25B2"; } th button[aria-sort="descending"]::after { content: " \25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.level-error, .verdict-fail { color: var(--error); font-weight: 600; }
.level-warning, .verdict-unknown { color: var(--warning); font-weight: 600; }
.level-note { color: var(--note); font-weight: 600; }
.verdict-pass { color: var(--pass); font-weight: 600; }
.verdict-not-applicable { color: var(--muted); }
code, .place { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; word-break: break-all; }
.controls { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
.controls input { min-width: 22rem; }
.controls input, .controls select { font: inherit; padding: .25rem .4rem; }
.fix { color: var(--muted); }
svg { max-width: 100%; height: auto; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
.empty { color: var(--muted); font-style: italic; }
"#;

const SCRIPT: &str = r#"
"use strict";
(function () {
  var table = document.getElementById("findings");
  if (!table) { document.documentElement.setAttribute("data-ready", "yes"); return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var query = document.getElementById("filter-text");
  var level = document.getElementById("filter-level");
  var count = document.getElementById("shown");
  var buttons = table.querySelectorAll("th button");
  var sortKey = "", sortDir = 1;
  function readHash() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i > 0) {
        try { state[pair.slice(0, i)] = decodeURIComponent(pair.slice(i + 1).replace(/\+/g, " ")); }
        catch (e) { /* a malformed fragment is ignored */ }
      }
    });
    return state;
  }
  function apply() {
    var q = query.value.trim().toLowerCase();
    var l = level.value;
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!l || row.getAttribute("data-level") === l) &&
        (!q || row.textContent.toLowerCase().indexOf(q) !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  function value(row, key) {
    var cell = row.querySelector('td[data-key="' + key + '"]');
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-value");
    return v === null ? cell.textContent : v;
  }
  function sortBy(key, dir) {
    sortKey = key; sortDir = dir;
    var numeric = key === "expiry" || key === "level";
    rows.sort(function (a, b) {
      var x = value(a, key), y = value(b, key), c;
      if (numeric) { c = (parseFloat(x) || 0) - (parseFloat(y) || 0); }
      else { c = x < y ? -1 : x > y ? 1 : 0; }
      return c * dir || (+a.getAttribute("data-index")) - (+b.getAttribute("data-index"));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(buttons, function (b) {
      b.setAttribute("aria-sort", b.getAttribute("data-key") === key ? (dir > 0 ? "ascending" : "descending") : "none");
    });
  }
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      var key = b.getAttribute("data-key");
      sortBy(key, key === sortKey ? -sortDir : 1);
    });
  });
  query.addEventListener("input", apply);
  level.addEventListener("change", apply);
  var state = readHash();
  if (state.q) { query.value = state.q; }
  if (state.level) { level.value = state.level; }
  if (state.sort) { sortBy(state.sort, state.dir === "desc" ? -1 : 1); }
  apply();
  document.documentElement.setAttribute("data-ready", "yes");
})();
"#;

/// Escapes `text` for HTML text and double-quoted attributes; invisible and control characters
/// are shown as `\u{..}` (as in the terminal) so nothing is hidden from the reader.
fn esc(text: &str) -> String {
    let visible = crate::sanitize::terminal(text);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `'sha256-…'`, the CSP source that allows exactly `text` inline.
fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        data_encoding::BASE64.encode(&crate::facts::x509::sha256(text.as_bytes()))
    )
}

/// A level as a number that sorts worst first when descending.
fn level_rank(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warning => 2,
        Level::Note => 1,
    }
}

/// A finding's row in the cluster summary: its cluster as certificates name it (`rg/name`,
/// lowercase), else "no cluster".
fn summary_key(f: &Finding) -> String {
    f.resource
        .cluster
        .as_ref()
        .map(|c| c.label().to_lowercase())
        .unwrap_or_else(|| "no cluster".into())
}

/// A certificate's row in the summary and timeline: its cluster, else "no cluster".
fn cluster_of(c: &CertificateFact) -> String {
    c.cluster_key.clone().unwrap_or_else(|| "no cluster".into())
}

impl Emitter for Html {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut page = String::with_capacity(64 * 1024 + report.findings.len() * 700);
        let s = Summary::of(report.findings());
        let now = &report.facts.now;
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>aks-certscan report ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            csp_hash(STYLE),
            csp_hash(SCRIPT),
            esc(now)
        );
        let _ = write!(
            page,
            "<h1>aks-certscan report</h1>\n<p class=\"meta\">Evaluated at <time>{}</time> by aks-certscan {}: \
             <span class=\"level-error\">{} errors</span>, <span class=\"level-warning\">{} warnings</span>, \
             <span class=\"level-note\">{} notes</span> in {} certificates; {} waived by exceptions; {} collection errors.</p>\n",
            esc(now),
            env!("CARGO_PKG_VERSION"),
            s.error,
            s.warning,
            s.note,
            report.certificate_count,
            report.waived.len(),
            report.facts.facts.errors.len()
        );
        clusters(report, &mut page);
        timeline(report, &mut page);
        findings(report, &mut page);
        waivers(report, &mut page);
        compliance(report.compliance, &mut page);
        let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
        out.write_all(page.as_bytes())
    }
}

/// Per cluster: certificates, the soonest expiry, findings by level, waivers.
fn clusters(report: &Report<'_>, page: &mut String) {
    #[derive(Default)]
    struct Row<'a> {
        certificates: usize,
        soonest: Option<&'a CertificateFact>,
        summary: Summary,
        waived: usize,
    }
    let mut rows: BTreeMap<String, Row<'_>> = BTreeMap::new();
    for c in &report.facts.facts.certificates {
        let row = rows.entry(cluster_of(c)).or_default();
        row.certificates += 1;
        if row.soonest.is_none_or(|s| c.not_after_unix < s.not_after_unix) {
            row.soonest = Some(c);
        }
    }
    for f in report.findings() {
        let row = rows.entry(summary_key(f)).or_default();
        match f.level {
            Level::Error => row.summary.error += 1,
            Level::Warning => row.summary.warning += 1,
            Level::Note => row.summary.note += 1,
        }
    }
    for w in report.waived {
        rows.entry(summary_key(&w.finding)).or_default().waived += 1;
    }
    page.push_str("<h2 id=\"clusters\">Clusters</h2>\n");
    if rows.is_empty() {
        page.push_str("<p class=\"empty\">Nothing was collected.</p>\n");
        return;
    }
    page.push_str(
        "<table id=\"cluster-summary\">\n<thead><tr><th>Cluster</th><th class=\"num\">Certificates</th>\
         <th>Soonest expiry</th><th class=\"num\">Errors</th><th class=\"num\">Warnings</th>\
         <th class=\"num\">Notes</th><th class=\"num\">Waived</th></tr></thead>\n<tbody>\n",
    );
    for (name, row) in &rows {
        let soonest = row
            .soonest
            .map(|c| {
                let class = if c.remaining_days < 0.0 {
                    "level-error"
                } else if c.remaining_days < 30.0 {
                    "level-warning"
                } else {
                    ""
                };
                format!(
                    "<span class=\"{class}\">{} ({:.0} days)</span><br><span class=\"place\">{}</span>",
                    esc(&c.not_after),
                    c.remaining_days,
                    esc(&c.display_name)
                )
            })
            .unwrap_or_else(|| "<span class=\"empty\">no certificate</span>".into());
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{soonest}</td><td class=\"num level-error\">{}</td>\
             <td class=\"num level-warning\">{}</td><td class=\"num level-note\">{}</td><td class=\"num\">{}</td></tr>",
            esc(name),
            row.certificates,
            row.summary.error,
            row.summary.warning,
            row.summary.note,
            row.waived
        );
    }
    page.push_str("</tbody>\n</table>\n");
}

/// The next [`TIMELINE_DAYS`] days: per cluster a row of bars, one per [`BUCKET_DAYS`] days,
/// each as tall as the number of certificates that expire then (already expired ones in a first
/// bar), with a tooltip naming the dates and the count.
fn timeline(report: &Report<'_>, page: &mut String) {
    const BUCKETS: usize = (TIMELINE_DAYS / BUCKET_DAYS) as usize;
    let Some(now) = crate::clock::Instant::parse(&report.facts.now).ok().map(|i| i.0) else {
        return;
    };
    // Bucket 0: expired; 1..=BUCKETS: the days ahead.
    let mut rows: BTreeMap<String, [usize; BUCKETS + 1]> = BTreeMap::new();
    for c in &report.facts.facts.certificates {
        let days = (c.not_after_unix - now).div_euclid(86_400);
        let bucket = if days < 0 {
            0
        } else if days < TIMELINE_DAYS {
            1 + (days / BUCKET_DAYS) as usize
        } else {
            continue;
        };
        rows.entry(cluster_of(c)).or_insert([0; BUCKETS + 1])[bucket] += 1;
    }
    page.push_str("<h2 id=\"timeline\">Expiry timeline, next 400 days</h2>\n");
    if rows.is_empty() {
        page.push_str("<p class=\"empty\">No certificate expires in the next 400 days.</p>\n");
        return;
    }
    // The busiest rows keep their own row; the rest are summed into one.
    let mut ordered: Vec<(String, [usize; BUCKETS + 1])> = rows.into_iter().collect();
    ordered.sort_by(|(an, a), (bn, b)| b.iter().sum::<usize>().cmp(&a.iter().sum()).then(an.cmp(bn)));
    if ordered.len() > TIMELINE_ROWS {
        let rest: Vec<_> = ordered.split_off(TIMELINE_ROWS - 1);
        let mut sum = [0; BUCKETS + 1];
        for (_, counts) in &rest {
            for (s, c) in sum.iter_mut().zip(counts) {
                *s += c;
            }
        }
        ordered.push((format!("{} more clusters and sources", rest.len()), sum));
    }
    let label_width = 220.0;
    let bar = 16.0;
    let row_height = 34.0;
    let width = label_width + bar * (BUCKETS + 1) as f64 + 40.0;
    let height = 30.0 + row_height * ordered.len() as f64;
    let _ = writeln!(
        page,
        "<svg id=\"expiry-timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Certificates expiring per 10 days, per cluster\">"
    );
    // Axis: the expired bar, then a label every 50 days.
    let _ = writeln!(
        page,
        "<text x=\"{}\" y=\"12\" text-anchor=\"end\">expired</text>",
        label_width + bar - 2.0
    );
    for day in (0..=TIMELINE_DAYS).step_by(50) {
        let x = label_width + bar * (1.0 + day as f64 / BUCKET_DAYS as f64);
        let (label, anchor) = if day == 0 {
            ("today".to_string(), "start")
        } else {
            (date(now + day * 86_400), "middle")
        };
        let _ = writeln!(
            page,
            "<text x=\"{x}\" y=\"12\" text-anchor=\"{anchor}\">{}</text><line x1=\"{x}\" y1=\"16\" x2=\"{x}\" y2=\"{height}\" stroke=\"#8c959f\" stroke-width=\"0.5\"/>",
            esc(&label)
        );
    }
    for (i, (name, counts)) in ordered.iter().enumerate() {
        let top = 22.0 + row_height * i as f64;
        let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let _ = writeln!(
            page,
            "<text x=\"0\" y=\"{}\">{}</text>",
            top + row_height / 2.0 + 4.0,
            esc(&shorten(name, 34))
        );
        for (bucket, &count) in counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let h = ((row_height - 6.0) * count as f64 / max).max(2.0);
            let x = label_width + bar * bucket as f64 + 1.0;
            let y = top + (row_height - 4.0) - h;
            let (colour, when) = if bucket == 0 {
                ("#cf222e", "already expired".to_string())
            } else {
                let from = (bucket as i64 - 1) * BUCKET_DAYS;
                let colour = if from < 30 {
                    "#cf222e"
                } else if from < 90 {
                    "#bf8700"
                } else {
                    "#0969da"
                };
                let start = date(now + from * 86_400);
                let end = date(now + (from + BUCKET_DAYS - 1) * 86_400);
                (colour, format!("expire {start} to {end}"))
            };
            let _ = writeln!(
                page,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"{colour}\"><title>{}: {count} certificate{} {when}</title></rect>",
                bar - 2.0,
                esc(name),
                if count == 1 { "" } else { "s" }
            );
        }
    }
    page.push_str("</svg>\n");
}

/// The UTC date of Unix seconds (`2026-12-03`).
fn date(secs: i64) -> String {
    let time = crate::clock::format_unix(secs);
    time.split('T').next().unwrap_or(&time).to_string()
}

/// `text` cut to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// The findings, one row each, sortable by any column and filterable by text and level.
fn findings(report: &Report<'_>, page: &mut String) {
    let total = report.findings.len();
    let rows: Vec<&Reported> = if total > MAX_ROWS {
        let mut urgent = super::by_urgency(report.findings);
        urgent.truncate(MAX_ROWS);
        urgent
    } else {
        report.findings.iter().collect()
    };
    let listed = rows.len();
    let _ = write!(
        page,
        "<h2 id=\"findings-title\">Findings</h2>\n<div class=\"controls\">\
         <label>Filter <input id=\"filter-text\" type=\"search\" placeholder=\"rule, cluster, certificate, message...\"></label>\
         <label>Level <select id=\"filter-level\"><option value=\"\">all</option><option value=\"error\">error</option>\
         <option value=\"warning\">warning</option><option value=\"note\">note</option></select></label>\
         <span><span id=\"shown\">{listed}</span> of {listed} shown</span></div>\n"
    );
    if listed < total {
        let _ = writeln!(
            page,
            "<p class=\"meta\" id=\"rows-capped\">The {listed} most urgent of {total} findings (errors first, least time left first); every one is in <code>--format sarif</code> or <code>--format json</code>.</p>"
        );
    }
    if total == 0 {
        page.push_str("<p class=\"empty\">No findings.</p>\n");
    }
    page.push_str(
        "<table id=\"findings\">\n<thead><tr>\
         <th><button type=\"button\" data-key=\"level\" aria-sort=\"none\">Level</button></th>\
         <th><button type=\"button\" data-key=\"rule\" aria-sort=\"none\">Rule</button></th>\
         <th><button type=\"button\" data-key=\"cluster\" aria-sort=\"none\">Cluster or source</button></th>\
         <th><button type=\"button\" data-key=\"message\" aria-sort=\"none\">Finding</button></th>\
         <th><button type=\"button\" data-key=\"expiry\" aria-sort=\"none\">Days left</button></th>\
         </tr></thead>\n<tbody>\n",
    );
    for (index, reported) in rows.into_iter().enumerate() {
        finding_row(report, reported, index, page);
    }
    page.push_str("</tbody>\n</table>\n");
}

fn finding_row(report: &Report<'_>, reported: &Reported, index: usize, page: &mut String) {
    let f = &reported.finding;
    let days = f.evidence.get("remaining_days").and_then(|v| v.as_f64());
    let places: Vec<String> = report
        .locations_of(f)
        .iter()
        .map(|l| {
            let line = l.line.map(|n| format!(":{n}")).unwrap_or_default();
            let object = l.object.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
            format!(
                "<div class=\"place\">{}</div>",
                esc(&format!("{}{line}{object}", l.path))
            )
        })
        .collect();
    let state = reported
        .baseline
        .map(|b| format!(" <em>[{}]</em>", b.as_str()))
        .unwrap_or_default();
    let caution = f
        .warning
        .as_deref()
        .map(|w| format!("<div class=\"fix\"><strong>Caution:</strong> {}</div>", esc(w)))
        .unwrap_or_default();
    let _ = writeln!(
        page,
        "<tr data-index=\"{index}\" data-level=\"{level}\">\
         <td data-key=\"level\" data-value=\"{rank}\" class=\"level-{level}\">{level}</td>\
         <td data-key=\"rule\"><code>{id}</code><br>{name}</td>\
         <td data-key=\"cluster\">{group}</td>\
         <td data-key=\"message\">{message}{state}{places}<div class=\"fix\"><strong>Fix:</strong> {fix}</div>{caution}</td>\
         <td data-key=\"expiry\" data-value=\"{sort_days}\" class=\"num\">{days_text}</td></tr>",
        level = f.level.as_str(),
        rank = level_rank(f.level),
        id = esc(&f.rule_id),
        name = esc(&f.rule_name),
        group = esc(&report.group_of(f)),
        message = esc(&f.message),
        places = places.join(""),
        fix = esc(&f.remediation),
        // Findings without a certificate sort after every certificate.
        sort_days = days.map(|d| format!("{d}")).unwrap_or_else(|| "1e12".into()),
        days_text = days.map(|d| format!("{d:.0}")).unwrap_or_default(),
    );
}

/// The waivers applied, with their end dates.
fn waivers(report: &Report<'_>, page: &mut String) {
    page.push_str("<h2 id=\"waivers\">Waived by exceptions</h2>\n");
    if report.waived.is_empty() {
        page.push_str("<p class=\"empty\">No finding was waived.</p>\n");
        return;
    }
    page.push_str(
        "<table id=\"waived\">\n<thead><tr><th>Rule</th><th>Resource</th><th>Until</th><th>Reason</th><th>Exception</th></tr></thead>\n<tbody>\n",
    );
    for w in report.waived {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td><time>{}</time></td><td>{}</td><td class=\"place\">{}:{}</td></tr>",
            esc(&w.finding.rule_id),
            esc(&w.finding.resource.name),
            esc(&w.expires),
            esc(&w.reason),
            esc(&w.file),
            w.line
        );
    }
    page.push_str("</tbody>\n</table>\n");
}

/// Per framework: the counts of verdicts and each control's verdict.
fn compliance(reports: &[ComplianceReport], page: &mut String) {
    page.push_str("<h2 id=\"compliance\">Compliance</h2>\n");
    if reports.is_empty() {
        page.push_str("<p class=\"empty\">No framework was evaluated.</p>\n");
        return;
    }
    for r in reports {
        let t = &r.totals;
        let _ = writeln!(
            page,
            "<h3>{} <small>({})</small></h3>\n<p class=\"meta\">{} pass, {} fail, {} unknown, {} not applicable. \
             A pass means examined and nothing failed; <code>aks-certscan compliance --framework {}</code> gives the evidence.</p>",
            esc(&r.framework.name),
            esc(&r.framework.version),
            t.pass,
            t.fail,
            t.unknown,
            t.not_applicable,
            esc(&r.framework.id)
        );
        page.push_str(
            "<table class=\"compliance\">\n<thead><tr><th>Control</th><th>Title</th><th>Verdict</th>\
             <th>Rules</th><th class=\"num\">Examined</th><th class=\"num\">Failed</th><th class=\"num\">Unknown</th></tr></thead>\n<tbody>\n",
        );
        for c in &r.controls {
            let verdict = c.verdict.as_str();
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"verdict-{verdict}\">{verdict}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&c.id),
                esc(&c.title),
                esc(&c.rules.join(", ")),
                c.examined,
                c.failed,
                c.unknown
            );
        }
        page.push_str("</tbody>\n</table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_text_and_attributes_and_shows_controls() {
        assert_eq!(
            esc("<script>\"x\"&'y'</script>\u{1b}[31m"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;\\u{1b}[31m"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_page_s_own_style_and_script() {
        // The hash of a changed script would not match: CSP blocks any other inline code.
        let hash = csp_hash(SCRIPT);
        assert!(hash.starts_with("'sha256-") && hash.ends_with("='"));
        assert_ne!(csp_hash(SCRIPT), csp_hash(&format!("{SCRIPT} ")));
        // The script never builds markup from data.
        assert!(!SCRIPT.contains("innerHTML") && !SCRIPT.contains("eval(") && !SCRIPT.contains("document.write"));
    }

    #[test]
    fn long_names_are_shortened_on_a_character_boundary() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
