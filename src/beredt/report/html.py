"""The report as one self-contained HTML page: inline CSS, base64 PNGs, plotly.js inlined.

The page carries both languages: every text is a pair of ``<span lang="nb">``/``<span
lang="en">`` elements and the switch in the header shows one of them (the ``--lang`` choice
first). Plotly charts are redrawn with the other language's labels on a switch. Every table cell
carries its machine value in ``data-v`` (the JSON of the cell in ``results.json``) and every key
figure its value, so the page can be checked against the results mechanically.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from beredt.views.fmt import LANGS, format_value
from beredt.views.i18n import Text, plain, section_title, t
from beredt.views.model import Figure, Kpi, Report, Section, Table

_LANG_NAMES = {"nb": "Norsk bokmål", "en": "English"}

CSS = """
:root { --ink:#1d2733; --muted:#5b6776; --line:#d8dee6; --accent:#1f4e79; --warn:#9c2a00;
  --bg:#f6f8fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
html[data-lang="nb"] [lang="en"], html[data-lang="en"] [lang="nb"] { display:none !important; }
body { margin:0; color:var(--ink); background:var(--bg); line-height:1.45; }
header.top { background:var(--accent); color:#fff; padding:18px 28px 14px; }
header.top h1 { margin:0 0 4px; font-size:1.6rem; }
header.top .sub { opacity:.9; }
.langswitch { float:right; }
.langswitch button { background:transparent; color:#fff; border:1px solid #fff8; padding:4px 10px;
  margin-left:4px; border-radius:4px; cursor:pointer; font-size:.85rem; }
.langswitch button[aria-pressed="true"] { background:#fff; color:var(--accent); }
.wrap { display:flex; align-items:flex-start; }
nav.toc { position:sticky; top:0; width:220px; flex:none; padding:18px 12px 18px 20px;
  font-size:.9rem; max-height:100vh; overflow:auto; }
nav.toc ol { padding-left:18px; margin:6px 0; }
nav.toc a { color:var(--accent); text-decoration:none; }
nav.toc .na { color:var(--muted); }
main { flex:1; min-width:0; padding:10px 28px 40px 10px; }
section.sec { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 22px;
  margin:14px 0; }
section.sec h2 { margin:0 0 8px; font-size:1.25rem; color:var(--accent); }
section.sec h3 { font-size:1rem; margin:18px 0 6px; }
.banner { background:#fff4e5; border:1px solid #f0c36d; padding:8px 14px; margin:14px 0;
  border-radius:6px; }
p.na { color:var(--warn); font-style:italic; }
.kpis { display:grid; grid-template-columns:repeat(auto-fill,minmax(210px,1fr)); gap:10px;
  margin:10px 0; }
.kpi { border:1px solid var(--line); border-radius:6px; padding:10px 12px; background:#fbfcfd; }
.kpi .v { font-size:1.45rem; font-weight:650; color:var(--accent); }
.kpi .l { font-size:.85rem; color:var(--muted); }
.tablewrap { max-height:460px; overflow:auto; border:1px solid var(--line); border-radius:4px; }
table.data { border-collapse:collapse; font-size:.82rem; width:100%; }
table.data th { position:sticky; top:0; background:#eef2f6; text-align:left; padding:4px 8px;
  border-bottom:1px solid var(--line); white-space:nowrap; }
table.data td { padding:3px 8px; border-bottom:1px solid #eef0f3; vertical-align:top; }
table.data td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
table.data td.d { white-space:nowrap; }
table.data td.t { min-width:12em; }
table.data tr:hover td { background:#f5f9ff; }
.tnote, .caption, figcaption { color:var(--muted); font-size:.85rem; }
figure { margin:12px 0; }
figure img { max-width:100%; height:auto; }
.plotly-chart { width:100%; min-height:420px; }
footer { color:var(--muted); font-size:.8rem; padding:10px 28px 30px; }
@media print { nav.toc, .langswitch { display:none; } .tablewrap { max-height:none; } }
"""

SCRIPT = """
(function () {
  var root = document.documentElement;
  function drawChart(el, lang) {
    var spec = JSON.parse(document.getElementById(el.dataset.spec + '-' + lang).textContent);
    var config = {responsive: true, displaylogo: false};
    return Plotly.react(el, spec.data, spec.layout, config).then(function () {
      el.dataset.rendered = 'true';
      el.dataset.renderedLang = lang;
    });
  }
  function setLang(lang) {
    root.dataset.lang = lang;
    root.lang = lang;
    document.querySelectorAll('[data-set-lang]').forEach(function (b) {
      b.setAttribute('aria-pressed', b.dataset.setLang === lang ? 'true' : 'false');
    });
    if (window.Plotly) {
      document.querySelectorAll('.plotly-chart').forEach(function (el) { drawChart(el, lang); });
    }
  }
  document.querySelectorAll('[data-set-lang]').forEach(function (b) {
    b.addEventListener('click', function () { setLang(b.dataset.setLang); });
  });
  setLang(root.dataset.lang);
})();
"""


def esc(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text), quote=True)


def bi(text: Text, tag: str = "span", attrs: str = "") -> str:
    """Both languages of a text, each in its own element (one shows at a time)."""
    if len({text[lang] for lang in LANGS}) == 1:
        return (
            f"<{tag}{attrs}>{esc(text[LANGS[0]])}</{tag}>" if tag != "span" else esc(text[LANGS[0]])
        )
    return "".join(f'<{tag}{attrs} lang="{lang}">{esc(text[lang])}</{tag}>' for lang in LANGS)


def _cell_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


_NUMERIC = {"int", "float", "float1", "float2", "float3", "money", "pct", "days", "ddd", "score"}


#: Text columns that hold sentences: kept wide enough to read.
_LONG_TEXT = frozenset(
    {"description", "drivers", "note", "reason", "source", "url", "name", "substance"}
)


def _is_identifier(key: str) -> bool:
    """Codes that must not break across lines (notice ids, ATC codes, scenario keys)."""
    return key.endswith("_id") or key in ("atc_code", "scenario", "reservation_id")


def render_table(section_key: str, table: Table, currency: str) -> str:
    """A table with bilingual headers and per-language number formats; cells carry ``data-v``."""
    parts = [f'<h3 data-table-title="{esc(table.key)}">{bi(table.title)}</h3>']
    if table.note:
        parts.append(f'<p class="tnote">{bi(table.note)}</p>')
    if not table.rows:
        parts.append(
            f'<table class="data" data-table="{esc(section_key)}.{esc(table.key)}" '
            f'data-rows="0"></table><p class="tnote">{bi(t("empty_table"))}</p>'
        )
        return "\n".join(parts)
    head = "".join(f'<th data-col="{esc(c.key)}">{bi(c.header)}</th>' for c in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = row[column.key]
            shown = {lang: format_value(value, column.kind, lang, currency) for lang in LANGS}
            css = ' class="n"' if column.kind in _NUMERIC else ""
            if column.kind in ("date", "year") or _is_identifier(column.key):
                css = ' class="d"'
            elif column.kind == "text" and column.key in _LONG_TEXT:
                css = ' class="t"'
            cells.append(f"<td{css} data-v='{esc(_cell_json(value))}'>{bi(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts.append(
        f'<div class="tablewrap"><table class="data" data-table="{esc(section_key)}.'
        f'{esc(table.key)}" data-rows="{len(table.rows)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return "\n".join(parts)


def render_kpi(kpi: Kpi, currency: str) -> str:
    """A key-figure tile with its machine value in ``data-v``."""
    shown = {lang: kpi.shown(lang, currency) for lang in LANGS}
    detail = f'<div class="l">{bi(kpi.detail)}</div>' if kpi.detail else ""
    return (
        f'<div class="kpi" data-kpi="{esc(kpi.key)}" data-v=\'{esc(_cell_json(kpi.value))}\'>'
        f'<div class="v">{bi(shown)}</div><div class="l">{bi(kpi.label)}</div>{detail}</div>'
    )


def _json_script(element_id: str, text: str) -> str:
    # "</" would end the script element early; JSON allows the escaped form.
    safe = text.replace("</", "<\\/")
    return f'<script type="application/json" id="{esc(element_id)}">{safe}</script>'


def render_figure(section_key: str, figure: Figure) -> str:
    """A PNG (one image per language) or a plotly chart (drawn by the page script)."""
    ident = f"fig-{section_key}-{figure.key}"
    caption = f"<figcaption>{bi(figure.caption)}</figcaption>"
    if figure.png is not None:
        images = "".join(
            f'<img lang="{lang}" alt="{esc(figure.caption[lang])}" '
            f'src="data:image/png;base64,{base64.b64encode(figure.png[lang]).decode("ascii")}">'
            for lang in LANGS
        )
        return (
            f'<figure id="{ident}" data-figure="{esc(section_key)}.{esc(figure.key)}" '
            f'data-kind="png">{images}{caption}</figure>'
        )
    assert figure.plotly is not None
    specs = "".join(_json_script(f"{ident}-spec-{lang}", figure.plotly[lang]) for lang in LANGS)
    return (
        f'<figure id="{ident}" data-figure="{esc(section_key)}.{esc(figure.key)}" '
        f'data-kind="plotly"><div class="plotly-chart" data-spec="{ident}-spec"></div>'
        f"{specs}{caption}</figure>"
    )


def render_section(section: Section, currency: str) -> str:
    """One section: title, then (if available) texts, key figures, figures and tables."""
    title = section_title(section.key)
    parts = [
        f'<section class="sec" id="sec-{esc(section.key)}" data-section="{esc(section.key)}" '
        f'data-available="{"true" if section.available else "false"}">',
        f"<h2>{bi(title)}</h2>",
    ]
    if not section.available:
        reason = plain(section.reason or "", section.reason or "")
        parts.append(f'<p class="na">{bi(t("not_available_reason", reason=reason))}</p>')
        parts.append("</section>")
        return "\n".join(parts)
    parts.extend(f"<p>{bi(p)}</p>" for p in section.paragraphs)
    if section.kpis:
        parts.append(
            '<div class="kpis">' + "".join(render_kpi(k, currency) for k in section.kpis) + "</div>"
        )
    parts.extend(render_figure(section.key, f) for f in section.figures)
    parts.extend(render_table(section.key, tab, currency) for tab in section.tables)
    parts.append("</section>")
    return "\n".join(parts)


def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly package (inlined: no CDN, no network)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def render_report(report: Report, lang: str) -> str:
    """The whole page, showing `lang` first."""
    meta = report.meta
    currency = str(meta.get("currency", ""))
    uses_plotly = any(f.kind == "plotly" for s in report.sections for f in s.figures)
    title = t("report_title")
    data_title = {"nb": str(meta.get("title_nb") or ""), "en": str(meta.get("title") or "")}
    subtitle = t(
        "report_subtitle",
        title=data_title,
        country=meta.get("country") or "",
        as_of=meta.get("as_of") or "",
    )
    toc = "".join(
        f'<li class="{"" if s.available else "na"}"><a href="#sec-{esc(s.key)}">'
        f"{bi(section_title(s.key))}</a></li>"
        for s in report.sections
    )
    switch = "".join(
        f'<button type="button" data-set-lang="{code}" aria-pressed="{str(code == lang).lower()}">'
        f"{esc(name)}</button>"
        for code, name in _LANG_NAMES.items()
    )
    banner = (
        f'<div class="banner" data-banner="illustrative">{bi(t("illustrative"))}</div>'
        if meta.get("illustrative")
        else ""
    )
    footer = t(
        "generated_by",
        version=meta.get("software_version", ""),
        fingerprint=str(meta.get("fingerprint", ""))[:16],
        seed=meta.get("seed"),
    )
    sections = "\n".join(render_section(s, currency) for s in report.sections)
    plotly_tag = f"<script>{plotly_js()}</script>" if uses_plotly else ""
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}" data-lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title[lang])} — {esc(data_title[lang])}</title>
<style>{CSS}</style>
{plotly_tag}
</head>
<body>
<header class="top">
<div class="langswitch" role="group" aria-label="{esc(t("language")[lang])}">{switch}</div>
<h1>{bi(title)}</h1>
<div class="sub">{bi(subtitle)}</div>
</header>
<div class="wrap">
<nav class="toc"><strong>{bi(t("contents"))}</strong><ol>{toc}</ol></nav>
<main>
{banner}
<p class="caption">{bi(t("download_hint"))}</p>
{sections}
</main>
</div>
<footer>{bi(footer)}</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""
