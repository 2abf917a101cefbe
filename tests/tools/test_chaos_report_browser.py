"""The chaos report opened in a real browser (Debian's headless Chromium): the timelines
are drawn (green and red where the probes say, legacy's outage longer than next-gen's),
the escaping holds in a real HTML parser, and the embedded JSON parses."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from lxml import html as lxml_html

from ngha.chaos.report import render_report
from ngha.chaos.report_timeline import FAIL_COLOUR, OK_COLOUR
from tests.unit.test_chaos_report import EVIL, synthetic_run
from tests.unit.test_chaos_report_matrix import matrix_cell

pytestmark = pytest.mark.tools

# No network at all: the machine has none, and a report must not need any.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb"]
# Wide enough for two timelines side by side; tall enough for the header, the summary and
# the first scenario's timelines (the PNG is decoded in Python: no taller than needed).
WIDTH, HEIGHT = 1400, 1000


def chromium() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed, and installing it needs root "
                    "(`make test` as root installs it)")
    pytest.fail("chromium is not installed: `make test` installs it "
                "(scripts/apt-install.sh chromium)")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    legacy = synthetic_run(profile="legacy", seconds=120.0, outages={
        "db_write": (10.0, 70.0), "db_read": (10.0, 70.0), "rpc": (10.0, 40.0)})
    nextgen = synthetic_run(profile="nextgen", seconds=120.0, events=[
        {"t": 10.0, "label": f"fault: {EVIL}"}, {"t": 30.0, "label": "cluster healthy"}])
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report([legacy, nextgen], ["results.json"]))
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           *args], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def console_lines(tmp_path: Path, page: Path) -> tuple[list[str], str]:
    """What the page wrote to the browser's console (errors, uncaught exceptions), and
    the DOM after its scripts ran."""
    proc = run_chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom",
                        page.as_uri())
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line], proc.stdout


@pytest.fixture(scope="module")
def matrix_report(tmp_path_factory) -> Path:
    cells = [matrix_cell(s, f, p, down=(20.0, 80.0 if p == "legacy" else 45.0),
                         restarts=2 if p == "legacy" else 0)
             for f in ("galera-restart", "rabbitmq-restart") for s in ("keystone", "nova")
             for p in ("legacy", "nextgen")]
    path = tmp_path_factory.mktemp("matrix") / "report.html"
    path.write_text(render_report(cells + [synthetic_run()], ["matrix.json"]))
    return path


def test_the_console_check_sees_a_page_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>undefinedFunction()</script></body></html>")
    lines, _ = console_lines(tmp_path, bad)
    assert any("Uncaught ReferenceError" in line for line in lines), lines


def test_the_matrix_opens_with_no_console_error_and_is_visible(matrix_report, tmp_path):
    lines, dom_text = console_lines(tmp_path, matrix_report)
    assert lines == []
    dom = lxml_html.fromstring(dom_text)
    table = dom.xpath("//table[@class='matrix']")[0]
    assert [td.get("class") for td in table.xpath(".//td")] == ["pass"] * 8
    assert len(dom.xpath("//section[@class='matrix-fault']//svg[@class='timeline']")) == 8
    assert dom.get_element_by_id("ngha-download").text == "Save the 9 embedded results as JSON"
    # drawn at the top of the page: the cells' green is on screen without scrolling
    shot = tmp_path / "matrix.png"
    run_chromium(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}",
                 matrix_report.as_uri())
    _, _, pixels = decode_png(shot.read_bytes())
    cell_green = _near("#dff3e3", tolerance=4)
    assert sum(p in cell_green for row in pixels[:HEIGHT // 2] for p in row) > 8 * 400


def test_the_timelines_render_green_and_red_where_the_probes_say(report, tmp_path):
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}",
                 report.as_uri())
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    green, red = _near(OK_COLOUR), _near(FAIL_COLOUR)
    half = width // 2  # legacy on the left, next-gen on the right
    # timeline rows: image rows with a long run of green in both halves (the legend's
    # swatches are small); 4 probe paths of ~16 pixels each
    rows = [y for y in range(height) if _longest_run(pixels[y][:half], green) >= 150
            and _longest_run(pixels[y][half:], green) >= 150]
    assert len(rows) >= 4 * 14, f"only {len(rows)} pixel rows of timeline in both halves"
    left = right = 0
    for y in rows:
        xs = [x for x, p in enumerate(pixels[y]) if p in red]
        left += sum(x < half for x in xs)
        right += sum(x >= half for x in xs)
        if xs:  # every outage starts after 10 s of success on the same row
            side = [x for x, p in enumerate(pixels[y]) if p in green
                    and (x < half) == (xs[0] < half)]
            assert side and side[0] < xs[0]
    assert right > 0, "next-gen's outage is not drawn"
    # legacy's outages are 60 s, 60 s and 30 s against next-gen's 14.6, 14.6 and 3.2 (the
    # event markers drawn over the red take a few pixels)
    assert left / right == pytest.approx(150 / 32.4, rel=0.2), (left, right)


def test_the_browser_builds_the_svg_and_keeps_labels_as_text(report, tmp_path):
    dom = lxml_html.fromstring(run_chromium(tmp_path, "--dump-dom", report.as_uri()).stdout)
    svgs = dom.xpath("//svg[@class='timeline']")
    assert len(svgs) == 2
    for svg in svgs:
        assert len(svg.xpath("./g[@class='row']")) == 4
        assert len(svg.xpath(".//rect[@class='fail']")) == 3
        assert svg.xpath("./g[@class='axis']/text")[-1].text == "120 s"
    assert len(dom.xpath("//script")) == 2, "a label's </script> broke out of the page"
    events = dom.xpath("//ol[@class='events']")[1].xpath("./li")
    assert events[0].text_content() == f"10.0 s fault: {EVIL}"
    # the page's own script ran and parsed the embedded JSON
    assert dom.get_element_by_id("ngha-download").text == "Save the 2 embedded results as JSON"


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """8-bit RGB or RGBA, non-interlaced (what Chromium writes) as rows of (r, g, b)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        _unfilter(kind, line, previous, channels)
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    """Undo one scanline's PNG filter in place (0 none, 1 sub, 2 up, 3 average, 4 Paeth)."""
    if kind == 2:
        line[:] = bytes((x + b) & 0xFF for x, b in zip(line, prev))
    elif kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 3:
        for i in range(len(line)):
            line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _near(colour: str, tolerance: int = 12) -> frozenset:
    """Every pixel value within `tolerance` of `colour` per channel (a set: fast to test)."""
    r, g, b = _rgb(colour)
    span = range(-tolerance, tolerance + 1)
    return frozenset((r + i, g + j, b + k) for i in span for j in span for k in span)


def _longest_run(row, colours: frozenset) -> int:
    best = run = 0
    for pixel in row:
        run = run + 1 if pixel in colours else 0
        best = max(best, run)
    return best
