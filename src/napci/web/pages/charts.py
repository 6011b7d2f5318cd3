"""The pictures' geometry, computed on the server from a page's data.

Pure functions of the JSON data a page renders (its twin): each returns the
coordinates, sizes and colours an inline SVG template draws. Nothing here
knows about requests or translation; labels are added by the templates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

__all__ = [
    "HEAT_STEPS",
    "bars",
    "gantt",
    "heat_class",
    "heat_colour",
    "line_chart",
    "network",
    "overlap_bars",
    "timeline",
]

#: The heat scale: trust 0 (distrust) through amber to 1 (trust).
_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (127, 29, 29)),
    (0.2, (185, 28, 28)),
    (0.3, (234, 88, 12)),
    (0.4, (245, 158, 11)),
    (0.5, (234, 204, 21)),
    (0.6, (163, 190, 60)),
    (0.7, (74, 160, 74)),
    (1.0, (21, 101, 52)),
)
#: The CSS classes ``heat-0`` ... ``heat-20`` (steps of 0.05).
HEAT_STEPS = 20


def _rgb(value: float) -> tuple[int, int, int]:
    v = min(1.0, max(0.0, value))
    for (x0, c0), (x1, c1) in pairwise(_STOPS):
        if v <= x1:
            t = 0.0 if x1 == x0 else (v - x0) / (x1 - x0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return r, g, b
    return _STOPS[-1][1]


def heat_colour(value: float | None) -> str:
    """The colour of a trust value (grey when there is none)."""
    if value is None:
        return "#d4d4d8"
    r, g, b = _rgb(value)
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_ink(value: float | None) -> str:
    """Black or white: whichever reads better on ``heat_colour(value)``."""
    if value is None:
        return "#18181b"
    r, g, b = _rgb(value)
    luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    return "#18181b" if luminance > 0.5 else "#ffffff"


def heat_class(value: float | None) -> str:
    """The CSS class of a heat-map cell (``heat-none`` without a value)."""
    if value is None:
        return "heat-none"
    return f"heat-{round(min(1.0, max(0.0, value)) * HEAT_STEPS)}"


def heat_css() -> str:
    """The CSS of the heat classes (kept in static/napci.css)."""
    lines = [".heat-none { background: #e4e4e7; color: #18181b; }"]
    for step in range(HEAT_STEPS + 1):
        value = step / HEAT_STEPS
        lines.append(
            f".heat-{step} {{ background: {heat_colour(value)}; "
            f"color: {heat_ink(value)}; }}"
        )
    return "\n".join(lines)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def line_chart(
    points: Sequence[dict[str, Any]],
    references: Sequence[dict[str, Any]] = (),
    *,
    width: int = 1000,
    height: int = 300,
) -> dict[str, Any]:
    """A time series (``date``, ``value`` in 0..1 or None) as SVG geometry.

    A None value breaks the line. ``references`` are horizontal lines
    (``value``, ``kind``) such as a threshold.
    """
    left, right, top, bottom = 48, 16, 16, 32
    plot_w, plot_h = width - left - right, height - top - bottom
    days = [_day(p["date"]) for p in points]
    if not days:
        return {"width": width, "height": height, "empty": True}
    first, last = min(days), max(days)
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return round(left + plot_w * (day - first).days / span, 1)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - min(1.0, max(0.0, value))), 1)

    segments: list[str] = []
    current: list[str] = []
    dots = []
    for point, day in zip(points, days, strict=True):
        value = point["value"]
        if value is None:
            if current:
                segments.append(" ".join(current))
                current = []
            continue
        current.append(f"{'M' if not current else 'L'}{x(day)},{y(value)}")
        dots.append({"x": x(day), "y": y(value), "date": point["date"], "value": value})
    if current:
        segments.append(" ".join(current))
    area = ""
    if dots:
        area = (
            f"M{dots[0]['x']},{y(0)} "
            + " ".join(f"L{d['x']},{d['y']}" for d in dots)
            + f" L{dots[-1]['x']},{y(0)} Z"
        )
    years = [
        {"year": year, "x": x(date(year, 1, 1))}
        for year in range(first.year + 1, last.year + 1)
    ]
    step = max(1, math.ceil(len(years) / 12))
    return {
        "width": width,
        "height": height,
        "empty": False,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": top + plot_h,
        "paths": segments,
        "area": area,
        "dots": dots,
        "x_ticks": years[::step],
        "y_ticks": [{"value": v, "y": y(v)} for v in (0.0, 0.25, 0.5, 0.75, 1.0)],
        "references": [{**r, "y": y(r["value"])} for r in references],
        "last": dots[-1] if dots else None,
    }


def network(
    codes: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    base_rate: float,
    kinds: dict[str, str],
    *,
    size: int = 440,
) -> dict[str, Any]:
    """Actors on a circle; an edge per pair, its width and colour its trust."""
    centre = size / 2
    radius = size / 2 - 78
    n = len(codes)
    nodes = []
    for i, code in enumerate(codes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, n)
        cx, cy = math.cos(angle), math.sin(angle)
        nodes.append(
            {
                "code": code,
                "kind": kinds.get(code, "participant"),
                "x": round(centre + radius * cx, 1),
                "y": round(centre + radius * cy, 1),
                "lx": round(centre + (radius + 26) * cx, 1),
                "ly": round(centre + (radius + 26) * cy + 4, 1),
                "anchor": "middle" if abs(cx) < 0.3 else ("start" if cx > 0 else "end"),
            }
        )
    edges: list[dict[str, Any]] = []
    for i in range(n):
        for j in range(i + 1, n):
            value = matrix[i][j]
            if value is None:
                continue
            lift = max(0.0, value - base_rate) / max(1e-9, 1 - base_rate)
            edges.append(
                {
                    "a": codes[i],
                    "b": codes[j],
                    "value": value,
                    "x1": nodes[i]["x"],
                    "y1": nodes[i]["y"],
                    "x2": nodes[j]["x"],
                    "y2": nodes[j]["y"],
                    "width": round(1 + 11 * lift, 2),
                    "colour": heat_colour(value),
                    "opacity": round(0.35 + 0.65 * min(1.0, lift * 3), 2),
                }
            )
    edges.sort(key=lambda e: e["value"])
    return {"size": size, "nodes": nodes, "edges": edges}


def timeline(
    meetings: Sequence[dict[str, Any]],
    lanes: Sequence[str],
    *,
    width: int = 860,
    lane_height: int = 34,
    today_iso: str | None = None,
) -> dict[str, Any]:
    """Meetings on a time axis, one lane per track.

    Years without meetings shrink to a narrow break, so a record with a gap
    of years still shows each year's meetings apart.
    """
    left, right, top = 150, 16, 28
    today = None if today_iso is None else _day(today_iso)
    days = [_day(m["starts_on"]) for m in meetings]
    if today is not None:
        days.append(today)
    years = sorted({d.year for d in days})
    if not years:
        return {"width": width, "height": top + 40, "empty": True}
    breaks = sum(1 for a, b in pairwise(years) if b - a > 1)
    gap = 22
    plot_w = width - left - right
    year_w = (plot_w - breaks * gap) / len(years)
    starts: dict[int, float] = {}
    spans = []
    cursor = float(left)
    previous: int | None = None
    gaps = []
    for year in years:
        if previous is not None and year - previous > 1:
            gaps.append({"x": round(cursor + gap / 2, 1), "from": previous + 1})
            cursor += gap
        starts[year] = cursor
        spans.append({"year": year, "x": round(cursor, 1), "w": round(year_w, 1)})
        cursor += year_w
        previous = year

    def x(day: date) -> float:
        length = 366 if day.year % 4 == 0 else 365
        offset = (day.timetuple().tm_yday - 1) / length
        return round(starts[day.year] + year_w * offset, 1)

    lane_y = {code: top + lane_height * (i + 0.5) for i, code in enumerate(lanes)}
    radius = {"working": 4.5, "senior-official": 6.0, "ministerial": 7.5, "summit": 9.0}
    marks = []
    taken: dict[tuple[str, float], int] = {}
    for meeting, day in zip(meetings, days, strict=False):
        tracks = meeting["tracks"] or [""]
        for track in tracks:
            if track not in lane_y:
                continue
            mx = x(day)
            key = (track, round(mx / 6))
            nudge = taken.get(key, 0)
            taken[key] = nudge + 1
            marks.append(
                {
                    "meeting": meeting["meeting"],
                    "track": track,
                    "x": mx,
                    "y": round(lane_y[track] + (nudge % 3 - 1) * 7 * (nudge > 0), 1),
                    "r": radius.get(meeting["rank"], 4.5),
                    "status": meeting["status"],
                    "layer": meeting["layer"],
                    "rank": meeting["rank"],
                    "date": meeting["starts_on"],
                }
            )
    height = top + lane_height * len(lanes) + 12
    return {
        "width": width,
        "height": height,
        "empty": False,
        "left": left,
        "right": width - right,
        "top": top,
        "years": spans,
        "gaps": gaps,
        "lanes": [{"code": c, "y": round(y, 1)} for c, y in lane_y.items()],
        "marks": marks,
        "today": None if today is None else x(today),
    }


def bars(values: dict[str, int], *, height: int = 52) -> dict[str, Any]:
    """A small bar chart of counts per label (meetings per year)."""
    width = max(60, 40 * len(values))
    if not values:
        return {"width": width, "height": height, "bars": []}
    top = max(values.values()) or 1
    slot = width / len(values)
    out = []
    for i, (label, count) in enumerate(values.items()):
        h = round((height - 26) * count / top, 1)
        out.append(
            {
                "label": label,
                "count": count,
                "x": round(i * slot + slot * 0.15, 1),
                "w": round(slot * 0.7, 1),
                "y": round(height - 13 - h, 1),
                "h": h,
                "tx": round(i * slot + slot / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": out}


def overlap_bars(
    candidates: Sequence[dict[str, Any]], *, width: int = 420
) -> dict[str, Any]:
    """Horizontal bars: each candidate mechanism's member overlap (0..1)."""
    left, row = 120, 26
    plot = width - left - 50
    out = [
        {
            "acronym": c["acronym"],
            "overlap": c["overlap"],
            "y": 6 + i * row,
            "w": round(plot * c["overlap"], 1),
        }
        for i, c in enumerate(candidates)
    ]
    return {
        "width": width,
        "height": 12 + row * len(out),
        "left": left,
        "plot": plot,
        "bars": out,
    }


def gantt(
    commitments: Sequence[dict[str, Any]], today_iso: str, *, width: int = 760
) -> dict[str, Any]:
    """Commitments as bars from the day made to the day due, with today."""
    today = _day(today_iso)
    left, right, row, top = 170, 16, 24, 22
    if not commitments:
        return {"width": width, "height": 0, "rows": [], "empty": True}
    days = [_day(c["made_on"]) for c in commitments]
    days += [_day(c["due_on"]) for c in commitments]
    days.append(today)
    first, last = min(days), max(days)
    first -= timedelta(days=7)
    last += timedelta(days=7)
    span = max(1, (last - first).days)
    plot = width - left - right

    def x(day: date) -> float:
        return round(left + plot * (day - first).days / span, 1)

    rows = []
    for i, c in enumerate(commitments):
        x0, x1 = x(_day(c["made_on"])), x(_day(c["due_on"]))
        rows.append(
            {
                "commitment": c["commitment"],
                "code": c["code"],
                "status": c["status"],
                "y": top + i * row,
                "x": x0,
                "w": max(3.0, round(x1 - x0, 1)),
                "due_x": x1,
            }
        )
    months = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        if cursor >= first:
            months.append({"label": cursor.isoformat()[:7], "x": x(cursor)})
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    step = max(1, math.ceil(len(months) / 8))
    return {
        "width": width,
        "height": top + row * len(rows) + 6,
        "rows": rows,
        "left": left,
        "right": width - right,
        "today": x(today),
        "ticks": months[::step],
        "empty": False,
    }
