"""Charts drawn on the server as inline SVG: no chart library in the browser.

Each chart comes with the table of its numbers (`Chart.headers`, `Chart.rows`), built from the
same values, so the page shows both and they cannot disagree. The SVG is accessible (role="img",
<title>, <desc>), prints in black and white (series differ by fill pattern, dash and marker, not
by colour only; every bar carries its number) and is small (a few hundred bytes compressed).
Every drawn value also sits in a `data-value` attribute, which the tests compare with the table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .formatting import vn_number

INK = "#222"
# Series styles for black-and-white print: a fill (solid, hatched, white) and a line dash.
FILLS = ("solid", "hatch", "white", "dots")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass
class Chart:
    id: str
    title: str
    svg: Markup
    headers: list[str]
    rows: list[list] = field(default_factory=list)  # [label, value, value, ...] as shown
    links: list[str | None] = field(default_factory=list)  # per row, where its label leads


def _fmt(value: float | int | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{vn_number(value)}{suffix}"


def _nice_max(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def _defs(cid: str) -> str:
    return (f'<defs><pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2.5"/></pattern>'
            f'<pattern id="{cid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
            f'<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.2" '
            f'fill="{INK}"/></pattern></defs>')


def _fill(cid: str, i: int) -> str:
    kind = FILLS[i % len(FILLS)]
    if kind == "solid":
        return f'fill="{INK}"'
    if kind == "white":
        return f'fill="#fff" stroke="{INK}"'
    return f'fill="url(#{cid}-{kind})" stroke="{INK}"'


def _open(cid: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
            f'viewBox="0 0 {width} {height}" width="100%" '
            f'aria-labelledby="{cid}-t {cid}-d" font-family="sans-serif" font-size="12">',
            f'<title id="{cid}-t">{escape(title)}</title>',
            f'<desc id="{cid}-d">{escape(desc)}</desc>', _defs(cid)]


def _legend(cid: str, names: list[str], x: float, y: float, lines: bool = False,
            wrap: float = 10_000) -> list[str]:
    out, pos = [], x
    for i, name in enumerate(names):
        if pos + 7 * len(name) + (22 if lines else 14) > wrap:  # next line
            pos, y = x, y + 16
        if lines:
            dash = DASHES[i % len(DASHES)]
            out.append(f'<line x1="{pos}" y1="{y - 4}" x2="{pos + 18}" y2="{y - 4}" stroke="{INK}" '
                       f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
            out.append(_marker(i, pos + 9, y - 4))
            pos += 22
        else:
            out.append(f'<rect x="{pos}" y="{y - 9}" width="10" height="10" {_fill(cid, i)}/>')
            pos += 14
        out.append(f'<text x="{pos}" y="{y}">{escape(name)}</text>')
        pos += 6.5 * len(name) + 14
    return out


def _marker(i: int, x: float, y: float, value: str = "") -> str:
    data = f' data-value="{value}"' if value != "" else ""
    kind = MARKERS[i % len(MARKERS)]
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#fff" stroke="{INK}"{data}/>'
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{INK}"{data}/>'
    if kind == "triangle":
        return (f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y + 3:.1f}L{x - 4:.1f} {y + 3:.1f}Z" '
                f'fill="{INK}"{data}/>')
    return (f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y:.1f}L{x:.1f} {y + 4:.1f}L{x - 4:.1f} '
            f'{y:.1f}Z" fill="#fff" stroke="{INK}"{data}/>')


def _axis(left: float, top: float, width: float, height: float, top_value: float) -> list[str]:
    out = []
    for k in range(5):
        y = top + height - height * k / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" '
                   f'stroke="#bbb" stroke-width="0.5"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{_fmt(top_value * k / 4)}</text>')
    return out


def line_chart(cid: str, title: str, x_labels: list[str],
               series: list[tuple[str, list[int | None]]]) -> Chart:
    """A trend: one line per series over `x_labels` (months "mm/yyyy": drawn as the month,
    with the year under the first one and under each January); None leaves a gap."""
    width, height, left, top, right, bottom = 480, 250, 40, 44, 14, 38
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = _nice_max(max(values, default=0))
    step = plot_w / max(len(x_labels) - 1, 1)
    desc = "; ".join(f"{name}: " + ", ".join(f"{x} {_fmt(v)}" for x, v in zip(x_labels, vs))
                     for name, vs in series)
    out = _open(cid, title, desc, width, height)
    out += _legend(cid, [name for name, _ in series], 8, 14, lines=True, wrap=width)
    out += _axis(left, top, plot_w, plot_h, top_value)
    for j, label in enumerate(x_labels):
        month, _, year = label.partition("/")
        x = left + j * step
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 15}" text-anchor="middle">'
                   f'{escape(month)}</text>')
        if year and (j == 0 or month == "01"):
            out.append(f'<text x="{x:.1f}" y="{height - bottom + 30}" text-anchor="middle" '
                       f'font-size="10">{escape(year)}</text>')
    for i, (name, vs) in enumerate(series):
        dash = DASHES[i % len(DASHES)]
        points = [(left + j * step, top + plot_h - plot_h * v / top_value, v)
                  for j, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.8"'
                       f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}>'
                       f'<title>{escape(name)}</title></polyline>')
        for x, y, v in points:
            out.append(_marker(i, x, y, str(v)))
        if points:  # the latest value written beside the line
            x, y, v = points[-1]
            out.append(f'<text x="{x - 6:.1f}" y="{y - 6:.1f}" text-anchor="end" '
                       f'font-weight="bold">{_fmt(v)}</text>')
    out.append("</svg>")
    rows = [[label] + [_fmt(vs[j]) for _, vs in series] for j, label in enumerate(x_labels)]
    return Chart(cid, title, Markup("".join(out)), ["Tháng"] + [n for n, _ in series], rows)


def bar_chart(cid: str, title: str, categories: list[str],
              series: list[tuple[str, list[int | None]]], first_header: str = "") -> Chart:
    """Grouped vertical bars: per category, one bar per series, its number above it."""
    width, height, left, top, right, bottom = 480, 250, 40, 36, 8, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = _nice_max(max(values, default=0))
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(26.0, (group_w - 8) / max(len(series), 1))
    desc = "; ".join(f"{c}: " + ", ".join(f"{name} {_fmt(vs[j])}" for name, vs in series)
                     for j, c in enumerate(categories))
    out = _open(cid, title, desc, width, height)
    out += _legend(cid, [name for name, _ in series], 8, 14, wrap=width)
    out += _axis(left, top, plot_w, plot_h, top_value)
    for j, category in enumerate(categories):
        x0 = left + j * group_w + (group_w - bar_w * len(series)) / 2
        out.append(f'<text x="{left + (j + 0.5) * group_w:.1f}" y="{height - bottom + 16}" '
                   f'text-anchor="middle">{escape(category)}</text>')
        for i, (name, vs) in enumerate(series):
            v = vs[j]
            if v is None:
                continue
            h = plot_h * v / top_value
            x, y = x0 + i * bar_w, top + plot_h - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                       f'{_fill(cid, i)} data-value="{v}"><title>{escape(category)}, '
                       f'{escape(name)}: {_fmt(v)}</title></rect>')
            out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" '
                       f'text-anchor="middle" font-size="10">{_fmt(v)}</text>')
    out.append("</svg>")
    rows = [[c] + [_fmt(vs[j]) for _, vs in series] for j, c in enumerate(categories)]
    return Chart(cid, title, Markup("".join(out)), [first_header] + [n for n, _ in series], rows)


def hbar_chart(cid: str, title: str, items: list[tuple[str, float | None, str | None]],
               value_header: str, suffix: str = "", label_header: str = "") -> Chart:
    """Horizontal bars, one per item (label, value, link or None): a composition or a ranking.
    With a link, the bar and its label are one <a>: clicking drills down."""
    row_h, left, right, top = 24, 150, 56, 6
    width = 420
    height = top * 2 + row_h * max(len(items), 1)
    plot_w = width - left - right
    top_value = max((v for _, v, _ in items if v is not None), default=0) or 1
    desc = "; ".join(f"{label}: {_fmt(v, suffix)}" for label, v, _ in items)
    out = _open(cid, title, desc, width, height)
    for j, (label, v, href) in enumerate(items):
        y = top + j * row_h
        short = label if len(label) <= 22 else label[:21] + "…"
        parts = [f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>']
        if v is not None:
            w = max(plot_w * v / top_value, 1 if v else 0)
            parts.append(f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                         f'{_fill(cid, 0 if href is None else 1)} data-value="{v}">'
                         f'<title>{escape(label)}: {_fmt(v, suffix)}</title></rect>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}">{_fmt(v, suffix)}</text>')
        else:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" fill="#555">chưa có số liệu</text>')
        if href:
            out.append(f'<a href="{escape(href)}" class="drill">{"".join(parts)}</a>')
        else:
            out += parts
    out.append("</svg>")
    rows = [[label, _fmt(v, suffix)] for label, v, _ in items]
    return Chart(cid, title, Markup("".join(out)), [label_header, value_header], rows,
                 [href for _, _, href in items])
