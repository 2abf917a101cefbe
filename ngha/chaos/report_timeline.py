"""A run's probe samples merged into segments of equal outcome, and drawn as a static SVG
timeline: one row per probe path, the run's events as vertical markers, an axis in seconds.

Everything drawn is bounded by the picture's width, not by the number of samples: a
20-minute run has ~6000 samples per path, and a flapping path must neither blow up the page
nor hide a single failed request."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

# Probes sample every 200 ms; a silence of 5 samples means the probe itself stalled (the
# client was busy or gone), which the timeline shows as "no samples", not as success.
GAP_SECONDS = 1.0

OK_COLOUR = "#2e9e44"
FAIL_COLOUR = "#d62728"
FLAPPING_COLOUR = "#f29b9b"  # failures and successes interleaved closer than a pixel
NO_SAMPLES_COLOUR = "#e4e4e4"
FAULT_COLOUR = "#6a3d9a"
EVENT_COLOUR = "#444444"

WIDTH = 640
LEFT = 96  # room for the path names
PLOT = WIDTH - LEFT - 18  # and room for the last tick's label
LANES = 3  # lines of event labels above the rows
LANE_HEIGHT = 13
ROW_HEIGHT = 16
ROW_GAP = 6
CHAR_WIDTH = 5.6  # at font-size 10: close enough to keep labels from overlapping
LABEL_CHARS = 44
MIN_FAIL_PX = 1.5  # one failed request stays visible at any scale
# Drawn as an outage (full red) when at least this share of its requests failed: a lucky
# request in the middle of an outage does not make it look like flapping.
OUTAGE_SHARE = 0.9
# A failure at least this wide is drawn on its own: merged with the sub-pixel flapping next
# to it, a solid outage would be drawn as flapping.
ALONE_PX = 2.0
NICE_STEPS = (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 90, 120, 150, 180, 240, 300, 600, 900, 1200,
              1800, 3600, 7200)
MIN_TICKS, MAX_TICKS = 4, 10


@dataclass(frozen=True)
class Segment:
    """Consecutive requests of one outcome: first start, last end, how many."""

    start: float
    end: float
    ok: bool
    requests: int

    def as_json(self) -> list:
        return [round(self.start, 3), round(self.end, 3), int(self.ok), self.requests]


def merge_samples(samples: Iterable[Sequence]) -> list[Segment]:
    """[t_start, t_end, ok] samples, in any order, as segments of equal outcome; a
    silence longer than GAP_SECONDS starts a new segment even when the outcome is the same."""
    segments: list[Segment] = []
    for start, end, ok in sorted(samples, key=lambda s: (s[0], s[1])):
        ok = bool(ok)
        last = segments[-1] if segments else None
        if last and last.ok == ok and start <= last.end + GAP_SECONDS:
            segments[-1] = Segment(last.start, max(last.end, end), ok, last.requests + 1)
        else:
            segments.append(Segment(start, end, ok, 1))
    return segments


def extent(segments_by_path: dict[str, list[Segment]], events: list[dict]) -> float:
    """The last second a run has anything to show."""
    ends = [s[-1].end for s in segments_by_path.values() if s]
    ends += [e["t"] for e in events]
    return max(ends, default=0.0)


@dataclass
class _Rect:
    x0: float
    x1: float
    failed: int
    succeeded: int
    start: float
    end: float
    alone: bool = False  # a failure wide enough to be drawn as it is, merged with nothing


def timeline_svg(paths: list[str], segments_by_path: dict[str, list[Segment]],
                 events: list[dict], seconds: float, caption: str) -> str:
    """The SVG of one run, `seconds` wide (shared by every run of a scenario, so that
    side-by-side timelines compare at a glance), rounded up to the axis' next tick."""
    seconds = max(seconds, 1.0)  # a run with neither samples nor events still gets an axis
    step = _tick_step(seconds)
    seconds = math.ceil(seconds / step - 1e-9) * step
    rows_top = 6 + LANES * LANE_HEIGHT
    rows_bottom = rows_top + max(len(paths), 1) * (ROW_HEIGHT + ROW_GAP) - ROW_GAP
    height = rows_bottom + 30
    parts = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
             f'{height}" width="100%" font-size="10" role="img"><title>{escape(caption)}</title>']
    for i, path in enumerate(paths):
        y = rows_top + i * (ROW_HEIGHT + ROW_GAP)
        parts.append(_row(path, segments_by_path.get(path, []), y, seconds))
    if not paths:
        parts.append(f'<text x="{LEFT}" y="{rows_top + 12}" fill="#555">no probe samples'
                     "</text>")
    parts.append(_axis(rows_bottom + 4, seconds, step))
    parts.append(_events(events, rows_bottom, seconds))
    parts.append("</svg>")
    return "".join(parts)


def _x(t: float, seconds: float) -> float:
    return LEFT + min(max(t, 0.0), seconds) / seconds * PLOT


def _row(path: str, segments: list[Segment], y: int, seconds: float) -> str:
    name = path if len(path) <= 15 else path[:14] + "…"
    out = [f'<g class="row"><text x="{LEFT - 6}" y="{y + 12}" text-anchor="end" font-size="11">'
           f'{escape(name)}<title>{escape(path)}</title></text>'
           f'<rect x="{LEFT}" y="{y}" width="{PLOT}" height="{ROW_HEIGHT}" '
           f'fill="{NO_SAMPLES_COLOUR}"><title>{escape(path)}: no samples</title></rect>']
    spans = _drawn_spans(segments)
    for r in _coalesce(spans, seconds, failures_only=False):
        out.append(_rect(r, y, "ok", OK_COLOUR, f"{path}: {_span_text(r)}"))
    for r in _coalesce(spans, seconds, failures_only=True):
        if r.failed >= OUTAGE_SHARE * (r.failed + r.succeeded):
            out.append(_rect(r, y, "fail", FAIL_COLOUR, f"{path}: {_span_text(r)}"))
        else:
            out.append(_rect(r, y, "flapping", FLAPPING_COLOUR, f"{path}: {_span_text(r)}"))
    out.append("</g>")
    return "".join(out)


def _drawn_spans(segments: list[Segment]) -> list[tuple[float, float, Segment]]:
    """Each segment lasts until the next one starts (a request that fails marks the time
    from its own start), unless the probe fell silent in between."""
    spans = []
    for seg, nxt in zip(segments, segments[1:] + [None]):
        end = nxt.start if nxt and nxt.start <= seg.end + GAP_SECONDS else seg.end
        spans.append((seg.start, max(end, seg.start), seg))
    return spans


def _coalesce(spans, seconds: float, failures_only: bool) -> list[_Rect]:
    """Rectangles at most one per pixel: the green layer covers every span with samples
    (red is drawn over it); the red layer widens a lone failure to MIN_FAIL_PX and merges
    narrow failures closer than a pixel, counting the successes in between (a flapping
    path)."""
    rects: list[_Rect] = []
    pending_ok = 0  # successes since the last red rectangle, counted if it merges onward
    for start, end, seg in spans:
        if failures_only and seg.ok:
            pending_ok += seg.requests
            continue
        x0, x1 = _x(start, seconds), _x(end, seconds)
        alone = failures_only and x1 - x0 >= ALONE_PX
        if failures_only:
            x1 = max(x1, x0 + MIN_FAIL_PX)
        failed = 0 if seg.ok else seg.requests
        succeeded = seg.requests if seg.ok else 0
        last = rects[-1] if rects else None
        if last and x0 - last.x1 < 1.0 and not (alone or last.alone):
            last.x1 = max(last.x1, x1)
            last.failed += failed
            last.succeeded += succeeded + pending_ok
            last.end = max(last.end, end)
        else:
            rects.append(_Rect(x0, x1, failed, succeeded, start, end, alone))
        pending_ok = 0
    return rects


def _rect(r: _Rect, y: int, kind: str, colour: str, title: str) -> str:
    return (f'<rect class="{kind}" x="{r.x0:.1f}" y="{y}" width="{r.x1 - r.x0:.1f}" '
            f'height="{ROW_HEIGHT}" fill="{colour}"><title>{escape(title)}</title></rect>')


def _span_text(r: _Rect) -> str:
    total = r.failed + r.succeeded
    when = f"{r.start:.1f}–{r.end:.1f} s"
    if r.failed == 0:
        return f"{when}, {total} requests succeeded"
    if r.succeeded == 0:
        return f"{when}, {total} requests failed"
    return f"{when}, {r.failed} of {total} requests failed"


def _tick_step(seconds: float) -> float:
    """The step whose last tick wastes the least room after `seconds` (the larger step
    when two tie), with MIN_TICKS to MAX_TICKS intervals."""
    fitting = ([s for s in NICE_STEPS if MIN_TICKS <= math.ceil(seconds / s) <= MAX_TICKS]
               or [s for s in NICE_STEPS if seconds / s <= MAX_TICKS] or [NICE_STEPS[-1]])
    return min(fitting, key=lambda s: (math.ceil(seconds / s - 1e-9) * s, -s))


def _axis(y: int, seconds: float, step: float) -> str:
    out = [f'<g class="axis" stroke="#888"><line x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT}" '
           f'y2="{y}"/>']
    n = 0
    while n * step <= seconds + 1e-9:
        t = n * step
        x = _x(t, seconds)
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}"/>'
                   f'<text x="{x:.1f}" y="{y + 15}" text-anchor="middle" stroke="none" '
                   f'fill="#333">{t:g} s</text>')
        n += 1
    out.append("</g>")
    return "".join(out)


def _events(events: list[dict], rows_bottom: int, seconds: float) -> str:
    """Vertical markers, numbered as in the event list under the timeline; labels take
    the first free lane above the rows, or only their number when all lanes are taken."""
    lanes: list[list[tuple[float, float]]] = [[] for _ in range(LANES)]
    out = ['<g class="events">']
    for n, event in enumerate(sorted(events, key=lambda e: e["t"]), start=1):
        x = _x(event["t"], seconds)
        full = f"{n} {event['label']}"
        fault = event["label"].lower().startswith("fault")
        colour = FAULT_COLOUR if fault else EVENT_COLOUR
        placed = None
        for text in (full if len(full) <= LABEL_CHARS else full[:LABEL_CHARS - 1] + "…", str(n)):
            placed = _place(lanes, x, len(text) * CHAR_WIDTH)
            if placed:
                break
        top = 6 + LANES * LANE_HEIGHT - 2
        label = ""
        if placed:
            lane, x0, anchor_end = placed
            top = 6 + lane * LANE_HEIGHT
            tx = x - 3 if anchor_end else x + 3
            anchor = ' text-anchor="end"' if anchor_end else ""
            label = (f'<text x="{tx:.1f}" y="{top + 9}" fill="{colour}"{anchor}>'
                     f'{escape(text)}</text>')
        dash = "" if fault else ' stroke-dasharray="3 2"'
        title = f"{event['t']:.1f} s: {event['label']}"
        out.append(f'<g class="event"><title>{escape(title)}</title>'
                   f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{rows_bottom + 2}" '
                   f'stroke="{colour}" stroke-width="{1.5 if fault else 1}"{dash}/>{label}</g>')
    out.append("</g>")
    return "".join(out)


def _place(lanes, x: float, width: float):
    """(lane, left edge, anchored at its end) for a label of `width` at marker `x`."""
    anchor_end = x + 3 + width > WIDTH
    x0 = x - 3 - width if anchor_end else x + 3
    for i, taken in enumerate(lanes):
        if all(x0 + width + 4 <= a or x0 >= b + 4 for a, b in taken):
            taken.append((x0, x0 + width))
            return i, x0, anchor_end
    return None
