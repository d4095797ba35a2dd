"""The table as a page: the pivot (every cell with its source figure and offsets on hover, cells with a
failed check in red) and one chart per program, small multiples across the table's columns.

Charts are matplotlib PNGs embedded as base64, so the page is one file. Their labels are ASCII
(D1, D2 … for the columns, (a), (b) … for the panels) because a machine without a CJK font would
draw the Chinese as empty boxes; the page around each chart gives the Chinese names.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd

_STYLE = """
body{font-family:sans-serif;margin:2em;color:#222} h2{margin-top:2em}
table.pivot{border-collapse:collapse;font-size:13px} table.pivot td,table.pivot th{border:1px solid #ccc;padding:2px 6px}
table.pivot td.num{text-align:right;font-variant-numeric:tabular-nums} td.flag{background:#fdd}
table.legend td{padding:0 8px;font-size:13px} .chart{display:inline-block;vertical-align:top;margin:0 1em 1.5em 0}
.chart figcaption{font-size:13px;max-width:60em} .muted{color:#777}
"""


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _short(value: float, _pos=None) -> str:
    """3 significant digits and an ASCII magnitude: 2.59k, 44.2M (a chart label, not data)."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def _panel_letter(i: int) -> str:
    return f"({chr(ord('a') + i)})" if i < 26 else f"({i + 1})"


def _cell_notes(sources: pd.DataFrame) -> dict[tuple, tuple[str, bool]]:
    """(program_id, kind, unit, column) -> (hover text: the facts and their offsets, any failed check)."""
    notes: dict[tuple, tuple[str, bool]] = {}
    for key, group in sources.groupby(["program_id", "kind", "unit", "column"], sort=False):
        lines, flagged = [], False
        for _, s in group.iterrows():
            mark = "→ " if s["used"] else "   "
            lines.append(f"{mark}{s['program']} {s['figure']} ({s['doc']} {s['figure_start']}-{s['figure_end']})"
                         + (f" ⚠ {s['checks']}" if s["checks"] else ""))
            flagged |= bool(s["used"] and s["checks"])
        notes[key] = ("\n".join(lines), flagged)
    return notes


def pivot_html(table: pd.DataFrame, sources: pd.DataFrame) -> str:
    notes = _cell_notes(sources)
    head = "<tr><th>program</th><th>id</th><th>kind</th><th>unit</th>" + "".join(
        f"<th>{html.escape(str(c))}</th>" for c in table.columns) + "</tr>"
    rows = []
    for (pid, name, kind, unit), values in table.iterrows():
        cells = []
        for column, value in values.items():
            note, flagged = notes.get((pid, kind, unit, column), ("", False))
            cls = "num flag" if flagged else "num"
            cells.append(f'<td class="{cls}" title="{html.escape(note)}">{_fmt(value)}</td>')
        rows.append(f"<tr><td>{html.escape(name)}</td><td class=muted>{html.escape(pid)}</td><td>{kind}</td>"
                    f"<td>{html.escape(unit)}</td>{''.join(cells)}</tr>")
    return f'<table class="pivot">{head}{"".join(rows)}</table>'


def program_chart(series: Sequence[tuple[str, str, list[float | None], list[bool]]], columns: int) -> str:
    """A row of small bar charts (one a kind and unit) across the columns D1…Dn, as a base64 PNG.

    series: (kind, unit, a value or None per column, a failed check per column)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, axes = plt.subplots(1, len(series), figsize=(0.5 + max(2.2, 0.45 * columns) * len(series), 2.3),
                             squeeze=False)
    for i, (ax, (kind, _unit, values, flags)) in enumerate(zip(axes[0], series, strict=True)):
        xs = [x for x, v in enumerate(values) if v is not None]
        ys = [values[x] for x in xs]
        colours = ["#d9534f" if flags[x] else "#4a7ab5" for x in xs]
        bars = ax.bar(xs, ys, color=colours)
        for bar, x in zip(bars, xs, strict=True):
            if flags[x]:
                bar.set_hatch("//")
        ax.bar_label(bars, labels=[_short(y) for y in ys], fontsize=6, padding=1)
        ax.set_xticks(range(columns), [f"D{x + 1}" for x in range(columns)], fontsize=7)
        ax.set_xlim(-0.6, columns - 0.4)
        ax.yaxis.set_major_formatter(FuncFormatter(_short))
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(f"{_panel_letter(i)} {kind}", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(y=0.18)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def charts_html(table: pd.DataFrame, sources: pd.DataFrame) -> str:
    notes = _cell_notes(sources)
    columns = list(table.columns)
    parts = []
    for pid in dict.fromkeys(table.index.get_level_values("program_id")):
        block = table.xs(pid, level="program_id", drop_level=False)
        name = block.index.get_level_values("program_name")[0]
        series, captions = [], []
        for i, ((_, _, kind, unit), values) in enumerate(block.iterrows()):
            series.append((kind, unit, [float(v) if v is not None else None for v in values],
                           [notes.get((pid, kind, unit, c), ("", False))[1] for c in columns]))
            captions.append(f"{_panel_letter(i)} {kind}, {html.escape(unit or 'no unit')}")
        png = program_chart(series, len(columns))
        parts.append(f'<figure class="chart"><img alt="{html.escape(name)}" src="data:image/png;base64,{png}">'
                     f"<figcaption><b>{html.escape(name)}</b> <span class=muted>{html.escape(pid)}</span>: "
                     f"{'; '.join(captions)}</figcaption></figure>")
    return "".join(parts)


def write_page(path: Path, table: pd.DataFrame, sources: pd.DataFrame, by: Sequence[str],
               unmatched: list[dict], title: str = "minzheng table") -> Path:
    columns = list(table.columns)
    legend = "".join(f"<tr><td>D{i + 1}</td><td>{html.escape(str(c))}</td></tr>" for i, c in enumerate(columns))
    flagged = int((sources["used"] & sources["checks"].astype(bool)).sum())
    missing = "".join(f"<li>{html.escape(u['program'])} ({u['facts']}×; nearest: {html.escape(u['nearest_name'] or '-')}"
                      f" {u['score'] if u['score'] is not None else ''})</li>" for u in unmatched)
    page = (f"<!doctype html><html lang=zh><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{len(table)} rows (program, kind, unit) × {len(columns)} columns by {html.escape(' / '.join(by))}; "
            f"{int(sources['used'].sum())} facts give the cells, {flagged} of them with a failed check "
            f"(red; hover a cell for its facts and their offsets).</p>"
            f"<table class=legend>{legend}</table><h2>Table</h2>{pivot_html(table, sources)}"
            f"<h2>One chart per program</h2><p class=muted>Bars across the columns D1…D{len(columns)}; hatched red: "
            f"a value with a failed check.</p>{charts_html(table, sources)}"
            + (f"<h2>Programs not on the taxonomy</h2><ul>{missing}</ul>" if unmatched else "")
            + "</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
