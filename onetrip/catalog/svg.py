"""A package's dependency graph drawn as inline SVG, on the server, without JavaScript.

Items are boxes in columns, left to right: the first column starts at once,
each later column waits for something in an earlier one. Arrows point from
an item to the items waiting for it; the critical path is drawn in the brand
colour. Every box links to its item's guide, so the drawing is a labelled
group (not an image) for assistive technology; the page lists the same steps
as text beside it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .graph import layers
from .selectors import PackageView

NODE_W, NODE_H = 170, 66
GAP_X, GAP_Y = 40, 14
PAD = 6
FONT = 13
LINE = 16
WRAP_UNITS = 11.5  # em-widths of text a box line holds
OPENING = "（(《“「【"
CLOSING = "）)》”」】、，。；："


def _width(ch: str) -> float:
    return 1.0 if ord(ch) > 0x2E80 else 0.56


def wrap(text: str, units: float = WRAP_UNITS, lines: int = 2) -> list[str]:
    """Break `text` into at most `lines` lines of `units` em, the last one ellipsised."""
    out: list[str] = []
    current, used = "", 0.0
    for ch in text:
        w = _width(ch)
        if used + w > units and ch not in CLOSING:  # closing marks stay with what they close
            carry = ""
            if current and current[-1] in OPENING:  # never end a line on an opening bracket
                current, carry = current[:-1], current[-1]
            out.append(current)
            current, used = carry, sum(_width(c) for c in carry)
            if len(out) == lines:
                break
        current += ch
        used += w
    else:
        if current:
            out.append(current)
        return out
    last = out[-1]
    while last and sum(_width(c) for c in last) + 1 > units:
        last = last[:-1]
    out[-1] = last + "…"
    return out


def _spread(wanted: list[float], *, low: float, high: float) -> list[float]:
    """Box tops as close to `wanted` (in order) as boxes that must not overlap allow."""
    step = NODE_H + GAP_Y
    tops: list[float] = []
    for target in wanted:
        tops.append(max(target, low, tops[-1] + step if tops else low))
    for i in range(len(tops) - 1, -1, -1):  # pull back anything pushed past the bottom
        limit = high if i == len(tops) - 1 else tops[i + 1] - step
        tops[i] = max(min(tops[i], limit), low + i * step)
    return tops


def _edge(x1: float, y1: float, x2: float, y2: float, *, critical: bool) -> str:
    mid = (x1 + x2) / 2
    colour = "#b3261e" if critical else "#8a949e"
    return (
        f'<path class="edge{" critical" if critical else ""}" d="M{x1:.0f},{y1:.0f} '
        f'C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2 - 1:.0f},{y2:.0f}" fill="none" '
        f'stroke="{colour}" stroke-width="{2.5 if critical else 1.4}" '
        f'marker-end="url(#{"arrow-critical" if critical else "arrow"})"/>'
    )


def _terminal(x: int, y: int, first: str, second: str) -> str:
    """The intake and delivery ends of the graph: not items, so drawn as pills."""
    return (
        f'<g class="terminal"><rect x="{x}" y="{y}" width="{END_W}" height="{END_H}" '
        f'rx="{END_H // 2}" fill="#1b1f24"/>'
        f'<text x="{x + END_W // 2}" y="{y + 20}" text-anchor="middle" fill="#ffffff" '
        f'font-weight="700">{escape(first)}</text>'
        f'<text x="{x + END_W // 2}" y="{y + 37}" text-anchor="middle" fill="#ffffff" '
        f'font-size="12">{escape(second)}</text></g>'
    )


END_W, END_H = 88, 48


def package_graph(view: PackageView) -> SafeString:
    codes = [item.code for item in view.items]
    by_code = {item.code: item for item in view.items}
    edges = [(requires, item) for item, requires in view.dependencies]
    columns = layers(codes, edges)
    tallest = max((len(c) for c in columns), default=0)
    height = max(PAD * 2 + tallest * NODE_H + max(tallest - 1, 0) * GAP_Y, END_H + 2 * PAD)
    first_x = PAD + END_W + GAP_X
    width = first_x + len(columns) * (NODE_W + GAP_X) + END_W + PAD
    preds: dict[str, list[str]] = {code: [] for code in codes}
    for before, after in edges:
        preds[after].append(before)
    where: dict[str, tuple[int, int]] = {}
    for col_no, column in enumerate(columns):
        x = first_x + col_no * (NODE_W + GAP_X)
        if col_no == 0:
            column_height = len(column) * NODE_H + (len(column) - 1) * GAP_Y
            top = PAD + (height - 2 * PAD - column_height) // 2
            tops = [top + row * (NODE_H + GAP_Y) for row in range(len(column))]
        else:
            # Level with what each waits for, so arrows run nearly straight and the
            # arrows of earlier columns' last items pass above or below, not behind.
            wanted = [sum(where[p][1] for p in preds[c]) / len(preds[c]) for c in column]
            tops = _spread(wanted, low=PAD, high=height - PAD - NODE_H)
        for code, top in zip(column, tops, strict=True):
            where[code] = (x, round(top))
    path = list(view.figures.critical_path.path)
    critical_edges = set(zip(path, path[1:], strict=False))
    critical_nodes = set(path)
    has_dependents = {before for before, _after in edges}
    waits = {after for _before, after in edges}
    end_y = (height - END_H) // 2
    start_x, end_x = PAD, width - PAD - END_W

    title = _("Dependencies between the items of %(name)s") % {"name": view.package.name}
    if view.dependencies:
        desc = _("Items in the same column run in parallel; an arrow means the item it points "
                 "to waits for the other. The critical path is highlighted.")
    else:
        desc = _("All items run in parallel.")
    arrow = ('<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
             'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
             '<path d="M0,0 L10,5 L0,10 z" fill="{fill}"/></marker>')
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="package-graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="group" '
        f'aria-labelledby="graph-title graph-desc" font-size="{FONT}">',
        f'<title id="graph-title">{escape(title)}</title>'
        f'<desc id="graph-desc">{escape(desc)}</desc>',
        "<defs>" + arrow.format(id="arrow", fill="#8a949e")
        + arrow.format(id="arrow-critical", fill="#b3261e") + "</defs>",
    ]
    for code in codes:
        x, y = where[code]
        mid_y = y + NODE_H / 2
        if code not in waits:
            critical = bool(path) and code == path[0]
            parts.append(_edge(start_x + END_W, end_y + END_H / 2, x, mid_y, critical=critical))
        if code not in has_dependents:
            critical = bool(path) and code == path[-1]
            parts.append(_edge(x + NODE_W, mid_y, end_x, end_y + END_H / 2, critical=critical))
    for before, after in edges:
        x1, y1 = where[before]
        x2, y2 = where[after]
        parts.append(_edge(x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2,
                           critical=(before, after) in critical_edges))
    parts.append(_terminal(start_x, end_y, _("One window"), _("apply once")))
    limit = ngettext("%(n)d working day", "%(n)d working days",
                     view.package.committed_limit) % {"n": view.package.committed_limit}
    parts.append(_terminal(end_x, end_y, _("Results"), limit))
    for code in codes:
        item = by_code[code]
        x, y = where[code]
        critical = code in critical_nodes
        days = ngettext("%(n)d working day", "%(n)d working days", item.committed_limit) % {
            "n": item.committed_limit
        }
        lines = wrap(item.name)
        meta = f"{item.department.label} · {days}"
        url = reverse("catalog:item", args=[code])
        text_top = y + (NODE_H - (len(lines) + 1) * LINE) // 2 + FONT
        tspans = "".join(
            f'<tspan x="{x + 10}" y="{text_top + i * LINE}" font-weight="600">'
            f'{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<a href="{escape(url)}" class="node{" critical" if critical else ""}">'
            f'<title>{escape(item.name)}（{escape(item.department.name)}，{escape(days)}）</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" '
            f'fill="{"#fdf1f0" if critical else "#ffffff"}" '
            f'stroke="{"#b3261e" if critical else "#8a949e"}" '
            f'stroke-width="{2.5 if critical else 1.2}"/>'
            f'<text fill="#1b1f24">{tspans}'
            f'<tspan x="{x + 10}" y="{text_top + len(lines) * LINE}" font-size="12" '
            f'fill="#505a64">{escape(wrap(meta, WRAP_UNITS + 1.5, 1)[0])}</tspan></text></a>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of data above is escaped
