//! The HTML report: one self-contained page (inline CSS, inline SVG charts, a little inline
//! script; a Content-Security-Policy that forbids loading anything else) with the findings
//! grouped by level, filterable by level, category and text, each with its detail and a
//! copyable remediation; charts of the findings by category and level, the history of
//! counts (`advisor_runs`), the statements that take the most time, and index sizes
//! against their scans.

use super::{count, summary};
use crate::finding::{Finding, Level};
use crate::snapshot::{human_bytes, human_count};
use crate::suppress::Outcome;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What the page shows beside the findings (read by the extension).
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub database: String,
    /// `now()`, as text.
    pub generated_at: String,
    /// The last runs of `advisor_snapshot()`, oldest first.
    pub history: Vec<RunCounts>,
    /// The statements with the most execution time (pg_stat_statements).
    pub statements: Vec<TopStatement>,
    /// The largest indexes with their scans.
    pub indexes: Vec<IndexUse>,
}

#[derive(Clone, Debug, Default)]
pub struct RunCounts {
    pub at: String,
    pub errors: i64,
    pub warnings: i64,
    pub infos: i64,
}

#[derive(Clone, Debug, Default)]
pub struct TopStatement {
    pub query: String,
    pub calls: i64,
    pub total_ms: f64,
}

#[derive(Clone, Debug, Default)]
pub struct IndexUse {
    pub identity: String,
    pub bytes: i64,
    pub scans: i64,
}

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const LEVELS: [Level; 3] = [Level::Error, Level::Warning, Level::Info];

fn color(level: Level) -> &'static str {
    match level {
        Level::Error => "#c0392b",
        Level::Warning => "#d68910",
        Level::Info => "#2471a3",
    }
}

const STYLE: &str = r##"
:root { --fg: #1c2833; --muted: #5d6d7e; --line: #d5d8dc; --bg: #fbfcfc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.top { padding: 18px 28px; background: #17202a; color: #fff; }
header.top h1 { margin: 0 0 4px; font-size: 20px; }
header.top p { margin: 0; color: #d5d8dc; }
main { padding: 20px 28px 40px; max-width: 1280px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 120px; }
.card b { display: block; font-size: 24px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; margin-bottom: 22px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
.empty { color: var(--muted); font-style: italic; }
.filters { position: sticky; top: 0; background: var(--bg); padding: 10px 0; border-bottom: 1px solid var(--line); display: flex; gap: 14px; align-items: center; flex-wrap: wrap; z-index: 1; }
.filters input[type=search] { padding: 4px 8px; min-width: 260px; }
h2 { margin: 22px 0 8px; font-size: 17px; }
article.finding { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--muted); border-radius: 4px; margin: 8px 0; padding: 8px 12px; }
article.finding[data-level=error] { border-left-color: #c0392b; }
article.finding[data-level=warning] { border-left-color: #d68910; }
article.finding[data-level=info] { border-left-color: #2471a3; }
article.finding header { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.badge { color: #fff; border-radius: 3px; padding: 0 6px; font-size: 12px; }
.badge.error { background: #c0392b; } .badge.warning { background: #d68910; } .badge.info { background: #2471a3; }
.cat { color: var(--muted); }
.obj { font-family: ui-monospace, monospace; word-break: break-all; }
article.finding p { margin: 6px 0; white-space: pre-wrap; }
.fix { position: relative; }
.fix pre { background: #f4f6f6; border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; margin: 4px 0 0; }
.fix button { position: absolute; right: 6px; top: 6px; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
"##;

const SCRIPT: &str = r##"
(function () {
  "use strict";
  var findings = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var levels = Array.prototype.slice.call(document.querySelectorAll("input[name=level]"));
  var category = document.getElementById("category");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (params.has("level")) {
      var wanted = params.get("level").split(",");
      levels.forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    }
    if (params.has("category")) { category.value = params.get("category"); }
    if (params.has("q")) { search.value = params.get("q"); }
  }
  function apply() {
    var wanted = levels.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var cat = category.value;
    var q = search.value.trim().toLowerCase();
    var n = 0;
    findings.forEach(function (f) {
      var ok = wanted.indexOf(f.dataset.level) >= 0
        && (cat === "" || f.dataset.category === cat)
        && (q === "" || f.textContent.toLowerCase().indexOf(q) >= 0);
      f.hidden = !ok;
      if (ok) { n += 1; }
    });
    document.querySelectorAll("section.level").forEach(function (s) {
      s.hidden = s.querySelector("article.finding:not([hidden])") === null;
    });
    shown.textContent = n + " of " + findings.length + " shown";
    shown.dataset.shown = String(n);
  }
  function writeHash() {
    var params = new URLSearchParams();
    params.set("level", levels.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }).join(","));
    if (category.value !== "") { params.set("category", category.value); }
    if (search.value.trim() !== "") { params.set("q", search.value.trim()); }
    history.replaceState(null, "", "#" + params.toString());
  }
  levels.forEach(function (b) { b.addEventListener("change", function () { apply(); writeHash(); }); });
  category.addEventListener("change", function () { apply(); writeHash(); });
  search.addEventListener("input", function () { apply(); writeHash(); });
  window.addEventListener("hashchange", function () { readHash(); apply(); });
  document.querySelectorAll(".fix button").forEach(function (button) {
    button.addEventListener("click", function () {
      var code = button.parentNode.querySelector("code").textContent;
      function done(text) { button.textContent = text; setTimeout(function () { button.textContent = "Copy"; }, 1500); }
      function fallback() {
        var range = document.createRange();
        range.selectNodeContents(button.parentNode.querySelector("code"));
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        done(document.execCommand && document.execCommand("copy") ? "Copied" : "Selected: press Ctrl+C");
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code).then(function () { done("Copied"); }, fallback);
      } else {
        fallback();
      }
    });
  });
  readHash();
  apply();
})();
"##;

/// One bar: its label, and its segments as (value, color, title).
type Bar<'a> = (String, Vec<(f64, &'a str, String)>);

/// Horizontal bars scaled to the largest total; `fmt` writes a total.
fn bars(rows: &[Bar], fmt: impl Fn(f64) -> String) -> String {
    if rows.is_empty() {
        return "<p class=\"empty\">Nothing to show.</p>".into();
    }
    let (label_w, bar_w, row_h) = (230.0, 330.0, 22.0);
    let max = rows
        .iter()
        .map(|(_, s)| s.iter().map(|x| x.0).sum::<f64>())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let height = row_h * rows.len() as f64 + 6.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {height}\" width=\"100%\" role=\"img\">",
        w = label_w + bar_w + 90.0
    );
    for (i, (label, segments)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 3.0;
        let short: String = label.chars().take(34).collect();
        let short = if short.len() < label.len() {
            format!("{short}…")
        } else {
            short
        };
        let _ = write!(
            svg,
            "<text x=\"2\" y=\"{}\"><title>{}</title>{}</text>",
            y + 14.0,
            escape(label),
            escape(&short)
        );
        let mut x = label_w;
        let mut total = 0.0;
        for (value, fill, title) in segments {
            let w = value / max * bar_w;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{}</title></rect>",
                row_h - 6.0,
                escape(title)
            );
            x += w;
            total += value;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 4.0,
            y + 14.0,
            escape(&fmt(total))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn by_category(findings: &[Finding]) -> String {
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in findings {
        let i = LEVELS.iter().position(|l| *l == f.level).unwrap_or(2);
        counts.entry(f.category.as_str()).or_default()[i] += 1;
    }
    let rows: Vec<Bar> = counts
        .into_iter()
        .map(|(cat, n)| {
            let segments = LEVELS
                .iter()
                .zip(n)
                .filter(|(_, n)| *n > 0)
                .map(|(l, n)| (n as f64, color(*l), format!("{cat}: {n} {l}")))
                .collect();
            (cat.to_string(), segments)
        })
        .collect();
    bars(&rows, |t| format!("{t:.0}"))
}

fn history(runs: &[RunCounts]) -> String {
    if runs.is_empty() {
        return "<p class=\"empty\">No runs recorded yet: schedule advisor_snapshot() (advisor_schedule()) to see the counts over time.</p>".into();
    }
    let (w, h, pad) = (620.0, 170.0, 30.0);
    let max = runs
        .iter()
        .map(|r| r.errors + r.warnings + r.infos)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = (w - pad) / runs.len() as f64;
    let bar = (step * 0.7).max(1.0);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {}\" width=\"100%\" role=\"img\">",
        h + 24.0
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"12\">{max:.0}</text><line x1=\"{pad}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" stroke=\"#aab7b8\"/>"
    );
    for (i, r) in runs.iter().enumerate() {
        let x = pad + i as f64 * step;
        let mut top = h;
        for (n, level) in [
            (r.infos, Level::Info),
            (r.warnings, Level::Warning),
            (r.errors, Level::Error),
        ] {
            let bh = n as f64 / max * (h - 16.0);
            top -= bh;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{}: {n} {level}</title></rect>",
                color(level),
                escape(&r.at)
            );
        }
    }
    let first = runs.first().map(|r| r.at.as_str()).unwrap_or("");
    let last = runs.last().map(|r| r.at.as_str()).unwrap_or("");
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"{}\">{}</text><text x=\"{w}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        h + 16.0,
        escape(first),
        h + 16.0,
        escape(last)
    );
    svg
}

fn statements(top: &[TopStatement]) -> String {
    if top.is_empty() {
        return "<p class=\"empty\">No statements: pg_stat_statements is not installed here, or has seen nothing yet.</p>".into();
    }
    let rows: Vec<Bar> = top
        .iter()
        .map(|s| {
            let one_line = s.query.split_whitespace().collect::<Vec<_>>().join(" ");
            (
                one_line.clone(),
                vec![(
                    s.total_ms,
                    "#5b2c6f",
                    format!(
                        "{one_line}: {} calls, {:.0} ms",
                        human_count(s.calls),
                        s.total_ms
                    ),
                )],
            )
        })
        .collect();
    bars(&rows, |t| format!("{t:.0} ms"))
}

fn indexes(list: &[IndexUse]) -> String {
    if list.is_empty() {
        return "<p class=\"empty\">No indexes.</p>".into();
    }
    let rows: Vec<Bar> = list
        .iter()
        .map(|i| {
            let fill = if i.scans == 0 { "#c0392b" } else { "#1e8449" };
            (
                i.identity.clone(),
                vec![(
                    i.bytes as f64,
                    fill,
                    format!(
                        "{}: {}, {} scans",
                        i.identity,
                        human_bytes(i.bytes),
                        human_count(i.scans)
                    ),
                )],
            )
        })
        .collect();
    bars(&rows, |b| human_bytes(b as i64).to_string())
}

fn finding(out: &mut String, f: &Finding) {
    let _ = write!(
        out,
        "<article class=\"finding\" data-level=\"{level}\" data-category=\"{cat}\" data-rule=\"{rule}\" data-fingerprint=\"{fp}\">\
         <header><span class=\"badge {level}\">{level}</span> <code>{rule}</code> <span class=\"cat\">{cat}</span> \
         <span class=\"obj\">{obj}</span></header><p>{detail}</p>",
        level = f.level,
        cat = f.category.as_str(),
        rule = escape(f.rule),
        fp = escape(&f.fingerprint),
        obj = escape(&f.object_identity),
        detail = escape(&f.detail),
    );
    if let Some(sql) = &f.remediation {
        let _ = write!(
            out,
            "<div class=\"fix\"><button type=\"button\">Copy</button><pre><code>{}</code></pre></div>",
            escape(sql)
        );
    }
    out.push_str("</article>\n");
}

pub fn render(outcome: &Outcome, ctx: &Context) -> String {
    let f = &outcome.findings;
    let mut out =
        String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    let _ = writeln!(
        out,
        "<title>database_advisor: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&ctx.database)
    );
    let _ = writeln!(
        out,
        "<header class=\"top\"><h1>database_advisor report: {}</h1><p>{} — generated {}</p></header>\n<main>",
        escape(&ctx.database),
        escape(&summary(outcome)),
        escape(&ctx.generated_at)
    );
    out.push_str("<div class=\"cards\">");
    for level in LEVELS {
        let _ = write!(
            out,
            "<div class=\"card\" style=\"border-top: 4px solid {}\"><b>{}</b>{level}</div>",
            color(level),
            count(f, level)
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"card\"><b>{}</b>suppressed</div></div>",
        outcome.suppressed.len()
    );
    out.push_str("<div class=\"charts\">");
    for (caption, svg) in [
        ("Findings by category and level", by_category(f)),
        ("Findings over time (advisor_runs)", history(&ctx.history)),
        (
            "Statements by total execution time",
            statements(&ctx.statements),
        ),
        (
            "Largest indexes (red: never scanned)",
            indexes(&ctx.indexes),
        ),
    ] {
        let _ = write!(
            out,
            "<figure><figcaption>{caption}</figcaption>{svg}</figure>"
        );
    }
    out.push_str("</div>\n");
    let mut categories: Vec<&str> = f.iter().map(|x| x.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    out.push_str("<div class=\"filters\"><span>Show</span>");
    for level in LEVELS {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"level\" value=\"{level}\" checked> {level}</label>"
        );
    }
    out.push_str("<label>category <select id=\"category\"><option value=\"\">all</option>");
    for c in categories {
        let _ = write!(out, "<option value=\"{c}\">{c}</option>");
    }
    out.push_str(
        "</select></label><input type=\"search\" id=\"search\" placeholder=\"filter: rule, object, text\">\
         <span id=\"shown\"></span></div>\n",
    );
    if f.is_empty() {
        out.push_str("<p class=\"empty\">No findings.</p>\n");
    }
    for level in LEVELS {
        let of_level: Vec<&Finding> = f.iter().filter(|x| x.level == level).collect();
        if of_level.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<section class=\"level\" data-level=\"{level}\"><h2>{level} ({})</h2>",
            of_level.len()
        );
        for x in of_level {
            finding(&mut out, x);
        }
        out.push_str("</section>\n");
    }
    if !outcome.suppressed.is_empty() {
        out.push_str(
            "<h2>Suppressed</h2><table><tr><th>rule</th><th>object</th><th>reason</th><th>until</th></tr>",
        );
        for s in &outcome.suppressed {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"obj\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(s.finding.rule),
                escape(&s.finding.object_identity),
                escape(&s.reason),
                escape(s.until.as_deref().unwrap_or("—"))
            );
        }
        out.push_str("</table>\n");
    }
    let _ = write!(
        out,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    fn finding(rule: &'static str, level: Level, identity: &str) -> Finding {
        Finding {
            rule,
            level,
            category: Category::Security,
            object_type: "table",
            fingerprint: Finding::fingerprint_for(rule, identity, None),
            object_identity: identity.into(),
            detail: "a <b>detail</b> & more".into(),
            remediation: Some("DROP TABLE \"x</script>\";".into()),
            metadata: serde_json::json!({}),
            metadata_encoded: None,
        }
    }

    #[test]
    fn a_page_with_every_finding_escaped() {
        let outcome = Outcome {
            findings: vec![
                finding("rls_disabled_exposed_table", Level::Error, "app.\"<T>\""),
                finding("unused_index", Level::Info, "app.i"),
            ],
            suppressed: Vec::new(),
        };
        let ctx = Context {
            database: "shop & co".into(),
            history: vec![RunCounts {
                at: "2026-12-01 10:00".into(),
                errors: 1,
                warnings: 0,
                infos: 1,
            }],
            indexes: vec![IndexUse {
                identity: "app.i".into(),
                bytes: 8192,
                scans: 0,
            }],
            ..Context::default()
        };
        let html = render(&outcome, &ctx);
        assert!(html.contains("<title>database_advisor: shop &amp; co</title>"));
        assert_eq!(html.matches("<article class=\"finding\"").count(), 2);
        assert!(html.contains("data-level=\"error\" data-category=\"security\""));
        assert!(html.contains("app.&quot;&lt;T&gt;&quot;"));
        assert!(html.contains("a &lt;b&gt;detail&lt;/b&gt; &amp; more"));
        // a name cannot end the script or the code element
        assert!(!html.contains("x</script>"));
        assert!(html.contains("DROP TABLE &quot;x&lt;/script&gt;&quot;;"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("No statements"));
        assert_eq!(escape("\u{1}"), "&#x1;");
    }
}
