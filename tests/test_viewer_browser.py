"""The HTML replay opened in real headless Chromium (the system browser, driven by Playwright).

Checks what a reader sees: the page loads with no console error and no network request, the
map and its layers are there, Play moves an object, the slider at a kill time shows the
target killed, clicking an event jumps the clock. The screenshots are checked in a temporary
folder; ``OPENIADS_DOC_IMAGES=1`` writes them to docs/img/ for the README and viewer docs.
Skipped, with the reason, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openiads.viewer import write_report
from openiads.viewer.sample import sample_outcome

pytestmark = pytest.mark.browser

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
]
#: The README's and viewer docs' pictures are refreshed only on request
#: (``OPENIADS_DOC_IMAGES=1 pytest tests/test_viewer_browser.py``); otherwise the
#: screenshots are still taken and checked, into a temporary folder, so a test run never
#: changes tracked files.
DOC_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def _screenshot_path(tmp_path: Path, name: str) -> Path:
    return (DOC_IMG if os.environ.get("OPENIADS_DOC_IMAGES") == "1" else tmp_path) / name


KILLED_FILL = "#282828"


def _chromium() -> str | None:
    for path in CHROMIUM_CANDIDATES:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium")
    return found


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    exe = _chromium()
    if exe is None:
        pytest.skip("no system Chromium (install the Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package 'playwright' is not installed")
    with tempfile.TemporaryDirectory(prefix="openiads-chromium-") as profile:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                profile,
                executable_path=exe,
                args=CHROMIUM_FLAGS,
                headless=True,
                viewport={"width": 1400, "height": 850},
            )
            try:
                yield ctx
            finally:
                ctx.close()


class Page:
    """A loaded replay page with what it logged and requested."""

    def __init__(self, ctx: Any, html: Path) -> None:
        self.page = ctx.new_page()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(html.as_uri())
        self.page.wait_for_function("window.replay && window.replay.ready", timeout=60_000)

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def outcome():
    return sample_outcome(n_threats=8)


def _contour() -> dict[str, Any]:
    """A coverage contour as ``openiads coverage map --contours`` writes them."""
    from openiads.export.common import circle_latlon

    lat, lon = circle_latlon(26.2, 57.1, 40_000.0)
    line = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"level": 0.5},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        ],
    }


@pytest.fixture(scope="module")
def replay_page(browser_context, outcome, tmp_path_factory) -> Iterator[Page]:
    html = write_report(
        outcome, tmp_path_factory.mktemp("replay") / "replay.html", coverage=_contour()
    )
    page = Page(browser_context, html)
    yield page
    page.close()


def _kill_time(outcome, target: str) -> float:
    return next(float(e["t"]) for e in outcome.events_of("kill") if e["target"] == target)


def _set_slider(page: Page, t: float) -> None:
    """Move the time slider as a user would (value + input event)."""
    page.page.locator("#slider").evaluate(
        "(el, t) => { el.value = String(t); el.dispatchEvent(new Event('input', {bubbles: true})); }",
        t,
    )


def test_loads_offline_without_console_errors(replay_page):
    assert replay_page.console == []
    others = [u for u in replay_page.requests if not u.startswith(("file:", "data:"))]
    assert others == []


def test_map_and_layers_are_present(replay_page):
    p = replay_page.page
    assert p.locator(".leaflet-container").count() == 1
    assert p.locator("#map canvas").count() >= 2  # basemap and moving objects
    counts = replay_page.js("replay.counts()")
    assert counts["land"] >= 1
    assert counts["borders"] >= 1
    assert counts["sites"] == 2
    assert counts["detectRings"] == 2
    assert counts["engageRings"] == 2
    assert counts["areas"] == 2
    assert counts["coverage"] == 1
    assert counts["paths"] == 16  # 10 air objects + 6 interceptors
    overlays = p.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Engagement rings" in t for t in overlays)
    assert any("Coverage contours" in t for t in overlays)
    assert p.locator("#events .ev").count() > 10
    assert "kills" in p.locator("#stats").inner_text()


def test_play_moves_an_object(replay_page):
    _set_slider(replay_page, 200.0)
    before = replay_page.js("replay.displayed('rq4')")
    assert before["visible"]
    replay_page.page.click("#play")
    replay_page.page.wait_for_function("replay.time() > 215", timeout=20_000)
    replay_page.page.click("#play")  # pause
    assert not replay_page.js("replay.playing()")
    after = replay_page.js("replay.displayed('rq4')")
    assert after["lng"] > before["lng"]  # the drone flies east
    assert replay_page.js("replay.time()") > 215


def test_slider_at_the_kill_time_shows_the_target_killed(replay_page, outcome):
    t_kill = _kill_time(outcome, "cm-0000")
    _set_slider(replay_page, t_kill - 1.0)
    before = replay_page.js("replay.displayed('cm-0000')")
    assert before["visible"]
    assert before["state"] == "engaged"
    _set_slider(replay_page, t_kill + 0.05)
    after = replay_page.js("replay.displayed('cm-0000')")
    assert after["state"] == "killed"
    assert after["fill"] == KILLED_FILL


def test_clicking_an_event_jumps_the_clock(replay_page, outcome):
    t_kill = _kill_time(outcome, "cm-0001")
    _set_slider(replay_page, 0.0)
    replay_page.page.select_option("#evfilter", "kill")  # the list only builds rows in view
    row = replay_page.page.locator("#events .ev").filter(has_text="cm-0001")
    # The virtual list rebuilds its rows on the next animation frame: wait for it.
    row.first.wait_for(state="visible", timeout=10_000)
    assert row.count() == 1
    row.first.click()
    assert replay_page.js("replay.time()") == pytest.approx(t_kill, abs=0.01)
    assert float(replay_page.page.locator("#slider").input_value()) == pytest.approx(
        t_kill, abs=0.01
    )
    minutes, seconds = divmod(round(t_kill), 60)
    assert f"T+00:{minutes:02d}:{seconds:02d}" in replay_page.page.locator("#clock").inner_text()
    selected = replay_page.page.locator("#selected").inner_text()
    assert "cm-0001" in selected
    assert "killed" in selected
    assert replay_page.page.locator("#altchart polyline").count() == 1
    replay_page.page.select_option("#evfilter", "")
    replay_page.page.select_option("#evfilter", "")


def test_screenshot_for_the_readme(replay_page, outcome, tmp_path):
    t = _kill_time(outcome, "cm-0004") - 3.0
    _set_slider(replay_page, t)
    replay_page.js("replay.select('cm-0005')")
    shot = _screenshot_path(tmp_path, "replay.png")
    replay_page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert replay_page.console == []


def _frames_while_playing(page: Any, ms: int = 2000) -> int:
    """Animation frames the page draws during ``ms`` of play (Play pressed, then again)."""
    page.js("window.__frames = 0; (function f(){ window.__frames++; requestAnimationFrame(f); })()")
    page.page.click("#play")
    page.page.wait_for_timeout(ms)
    page.page.click("#play")
    return int(page.js("window.__frames"))


@pytest.mark.slow
def test_a_thousand_threats_play_without_freezing(browser_context, tmp_path):
    html = write_report(sample_outcome(n_threats=1000), tmp_path / "big.html")
    page = Page(browser_context, html)
    try:
        assert len(page.js("replay.objectIds()")) > 1000
        _set_slider(page, 400.0)
        assert page.js("replay.counts().shown") > 500
        # the page keeps drawing while 500+ objects move (a frozen page draws 0-1 frames)
        assert _frames_while_playing(page) >= 10
        assert page.js("replay.time()") > 400.0
        assert page.console == []
    finally:
        page.close()


ROOT = Path(__file__).resolve().parents[1]


def _engine_run(tmp_path: Path, scenario: Path, name: str) -> tuple[Path, Path]:
    """``openiads run SCENARIO --out RUN --report RUN.html`` (the lead's command calling
    :func:`openiads.viewer.write_report`); fails when the engine cannot run it."""
    import subprocess
    import sys

    run, html = tmp_path / name, tmp_path / f"{name}.html"
    cmd = [sys.executable, "-m", "openiads.cli", "run", str(scenario), "--out", str(run)]
    res = subprocess.run(
        [*cmd, "--report", str(html)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return run, html


@pytest.mark.slow
def test_hormuz_run_replays_the_shoot_down(browser_context, tmp_path):
    """The bundled 20 June 2019 vignette: the drone is shown killed at the kill event."""
    from openiads.outcome import read_run

    scenario = ROOT / "scenarios" / "hormuz-2019.yaml"
    run, html = _engine_run(tmp_path, scenario, "hormuz")
    outcome = read_run(run)
    kills = outcome.events_of("kill")
    page = Page(browser_context, html)
    try:
        assert page.console == []
        assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == []
        for kill in kills:
            target, t_kill = kill["target"], float(kill["t"])
            _set_slider(page, t_kill - 2.0)
            assert page.js("(id) => replay.displayed(id).state", target) != "killed"
            _set_slider(page, t_kill + 0.01)
            shown = page.js("(id) => replay.displayed(id)", target)
            assert shown["state"] == "killed"
            assert shown["fill"] == KILLED_FILL
        launches = outcome.events_of("launch")
        assert launches, "the drone is shot down by an interceptor"
        if launches:  # the interceptor is on the map while it flies
            ic = launches[0]["details"]["interceptor"]
            _set_slider(page, float(launches[0]["t"]) + 5.0)
            assert page.js("(id) => replay.displayed(id).visible", ic)
            # The README's picture: the interceptor on its way, the drone selected.
            _set_slider(page, float(launches[0]["t"]) + 45.0)
            page.js("replay.select('bamsd')")
            shot = _screenshot_path(tmp_path, "hormuz.png")
            page.page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000
        assert kills, "the Hormuz vignette ends in a kill"
    finally:
        page.close()


@pytest.mark.slow
def test_benchmark_raid_of_a_thousand_threats(browser_context, tmp_path):
    """The 1,000-threat benchmark raid (benchmarks/raid.py) through the engine and the page."""
    import importlib.util

    bench = ROOT / "benchmarks" / "raid.py"
    if not bench.is_file():
        pytest.skip("benchmarks/raid.py is not in the tree")
    spec = importlib.util.spec_from_file_location("openiads_bench_raid", bench)
    assert spec is not None and spec.loader is not None
    raid = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(raid)
    scenario = tmp_path / "raid1000.yaml"
    scenario.write_text(raid.raid_scenario(1000, 30, 1.0, 1))
    _, html = _engine_run(tmp_path, scenario, "raid")
    assert html.stat().st_size < 8_000_000
    page = Page(browser_context, html)
    try:
        assert sum(1 for i in page.js("replay.objectIds()") if not i.startswith("I")) >= 1000
        _set_slider(page, 600.0)
        assert page.js("replay.counts().shown") > 100
        # the event list holds tens of thousands of events but builds only the rows in view
        assert page.page.locator("#events .ev").count() < 100
        assert _frames_while_playing(page) >= 10
        assert page.js("replay.time()") > 600.0
        assert page.console == []
    finally:
        page.close()


def test_an_empty_run_opens_cleanly(browser_context, tmp_path):
    """No objects, no events, no duration: the page still opens and plays without errors."""
    import pyarrow as pa

    from openiads.outcome import EVENT_SCHEMA, OBJECT_SCHEMA, TRAJECTORY_SCHEMA, Outcome

    empty = Outcome(
        events=EVENT_SCHEMA.empty_table(),
        trajectories=TRAJECTORY_SCHEMA.empty_table(),
        objects=pa.Table.from_pylist([], schema=OBJECT_SCHEMA),
        manifest={"scenario_name": "nothing happens"},
    )
    page = Page(browser_context, write_report(empty, tmp_path / "empty.html"))
    try:
        page.page.click("#play")
        page.page.wait_for_timeout(300)
        assert page.js("replay.counts().land") >= 1
        assert page.console == []
    finally:
        page.close()
