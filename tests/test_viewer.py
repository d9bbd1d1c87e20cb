"""The HTML replay without a browser: basemap data, down-sampling, self-containment."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiads.export.common import downsample_indices, group_trajectories
from openiads.outcome import write_run
from openiads.viewer import write_report
from openiads.viewer.basemap import (
    BASEMAP_FILES,
    PROVENANCE,
    basemap_for,
    load_basemap,
    unwrap_ring,
)
from openiads.viewer.report import DEFAULT_POINT_BUDGET, MIN_POINTS_PER_OBJECT, build_replay_data
from openiads.viewer.sample import sample_outcome

HORMUZ_BBOX = (55.5, 25.0, 58.8, 27.2)


def _payload(page: str) -> dict:
    m = re.search(r'<script id="replay-data" type="application/json">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1).replace("<\\/", "</"))


# ---------------------------------------------------------------- basemap
def test_basemap_files_are_small_and_state_their_provenance():
    assets = resources.files("openiads.viewer").joinpath("assets")
    total = sum(assets.joinpath(name).stat().st_size for name in BASEMAP_FILES.values())
    assert total < 2_000_000
    for scale in BASEMAP_FILES:
        data = load_basemap(scale)
        assert data["provenance"] == PROVENANCE
        assert "Natural Earth" in PROVENANCE
        assert len(data["land"]) > 100
        assert len(data["borders"]) > 100


def test_unwrap_ring_across_the_antimeridian():
    ring = [(179.0, 0.0), (-179.0, 0.0), (-179.0, 1.0), (179.0, 1.0), (179.0, 0.0)]
    lons = [p[0] for p in unwrap_ring(ring)]
    assert lons == [179.0, 181.0, 181.0, 179.0, 179.0]


def test_unwrap_ring_round_a_pole_is_closed_along_the_pole():
    ring = [(-180.0 + 30.0 * k, -70.0) for k in range(13)]  # -180 .. 180 round the pole
    out = unwrap_ring(ring)
    assert out[0] == out[-1]
    assert min(p[1] for p in out) == -90.0


def test_no_basemap_ring_jumps_across_the_map():
    """Fiji, Chukotka and Antarctica cross ±180°: after unwrapping no segment spans > 180°."""
    for scale in BASEMAP_FILES:
        for ring in load_basemap(scale)["land"]:
            lon = np.asarray(ring[0::2])
            lat = np.asarray(ring[1::2])
            jumps = np.abs(np.diff(lon)) > 180.0
            # only the closing segments along a pole may be long
            assert np.all(np.abs(lat[1:][jumps]) == 90.0)
    eurasia = max(load_basemap("50m")["land"], key=len)
    assert max(eurasia[0::2]) > 180.0  # Chukotka continues east of the antimeridian


def test_basemap_for_a_region_keeps_detail_near_it():
    part = basemap_for(HORMUZ_BBOX)
    assert part["detail"]["land"]
    world_near = [
        r
        for r in part["world"]["land"]
        if min(r[0::2]) < 60 and max(r[0::2]) > 55 and min(r[1::2]) < 27 and max(r[1::2]) > 25
    ]
    assert world_near == []  # the coarse rings near the run are replaced by the detailed ones


# ---------------------------------------------------------------- down-sampling
def test_downsample_keeps_ends_and_event_times():
    t = np.arange(0.0, 1000.0, 1.0)
    idx = downsample_indices(t, 50, keep_t_s=np.array([333.3, 777.0]))
    assert idx[0] == 0
    assert idx[-1] == 999
    assert 334 in idx
    assert 777 in idx
    assert len(idx) <= 50 + 3
    assert np.all(np.diff(idx) > 0)


def test_downsample_returns_everything_when_short():
    assert list(downsample_indices(np.arange(5.0), 10)) == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------- the report
@pytest.fixture(scope="module")
def small():
    return sample_outcome(n_threats=8)


def test_report_is_one_self_contained_file(small, tmp_path):
    path = write_report(small, tmp_path / "r.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page
    assert "<link" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:|//|images/)", page)
    assert "L.map(" in page  # Leaflet's own code and ours are inlined
    assert "leaflet-container" in page  # Leaflet's style sheet
    assert page.count("</script>") == 3


def test_report_data_matches_the_run(small):
    data = build_replay_data(small)
    tracks = group_trajectories(small.trajectories)
    assert {o["id"] for o in data["objects"]} == set(tracks)
    assert len(data["sites"]) == 2
    assert len(data["events"]) == small.events.num_rows
    assert [a["id"] for a in data["areas"]] == ["port", "airway-1"]
    cm = next(o for o in data["objects"] if o["id"] == "cm-0000")
    assert [s for _, s in cm["states"]] == ["detected", "tracked", "engaged", "killed"]
    kill = next(e for e in data["events"] if e["kind"] == "kill" and e["obj"] == "cm-0000")
    assert cm["t"][-1] == pytest.approx(kill["t"], abs=0.05)
    assert data["stats"]["kills"] == 4
    assert data["magazines"]["label"] == "interceptors left"
    assert data["magazines"]["series"]["sam-long"][-1][1] == 40 - 6


def test_report_escapes_what_could_close_the_script(tmp_path):
    import pyarrow as pa

    o = sample_outcome(n_threats=2)
    ids = o.objects["id"].to_pylist()
    bad = "</script><script>alert(1)</script>"
    o.objects = o.objects.set_column(0, "id", pa.array([bad if i == "rq4" else i for i in ids]))
    tids = o.trajectories["id"].to_pylist()
    o.trajectories = o.trajectories.set_column(
        1, "id", pa.array([bad if i == "rq4" else i for i in tids])
    )
    page = write_report(o, tmp_path / "r.html").read_text()
    assert page.count("</script>") == 3
    assert any(obj["id"] == bad for obj in _payload(page)["objects"])


def test_report_handles_nan_in_summary(tmp_path):
    o = sample_outcome(n_threats=1)
    o.summary = {"leak_fraction": float("nan"), "per_unit": {"a": float("inf")}}
    data = _payload(write_report(o, tmp_path / "r.html").read_text())
    assert data["summary"] == {"leak_fraction": None, "per_unit": {"a": None}}


@pytest.mark.slow
def test_large_run_is_down_sampled(tmp_path):
    big = sample_outcome(n_threats=1000)
    data = build_replay_data(big)
    n_points = sum(len(o["t"]) for o in data["objects"])
    n_objects = len(data["objects"])
    assert n_objects > 1000  # threats, their interceptors, the drone and the airliner
    # the budget, plus first/last/event samples kept on top of it
    assert n_points <= DEFAULT_POINT_BUDGET + 8 * n_objects
    assert data["points_per_object"] >= MIN_POINTS_PER_OBJECT
    assert big.trajectories.num_rows > 3 * n_points
    size_mb = write_report(big, tmp_path / "big.html").stat().st_size / 1e6
    assert size_mb < 8.0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args], capture_output=True, text=True, check=False
    )


def test_cli_replay_writes_the_page(small, tmp_path):
    run = write_run(small, tmp_path / "run")
    res = _cli("replay", str(run), "-o", str(tmp_path / "r.html"))
    assert res.returncode == 0, res.stderr
    assert _payload((tmp_path / "r.html").read_text())["title"] == small.manifest["scenario_name"]


def test_cli_replay_bad_run_is_one_line(tmp_path):
    res = _cli("replay", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert str(tmp_path / "nope") in res.stderr  # located at the run folder


def test_track_events_reach_their_object_through_truth_id():
    """Trackers name a track (``CP/12``) as target and the air object's index as truth_id."""
    from openiads.export.common import air_order, event_object

    o = sample_outcome(n_threats=2)
    order = air_order(o)
    known = set(order)
    ev = {"target": "CP/12", "details": {"track_id": 12, "truth_id": order.index("cm-0001")}}
    assert event_object(ev, known, order) == "cm-0001"
    assert event_object({"target": "CP/3", "details": {"truth_id": -1}}, known, order) is None
    assert event_object({"target": "CP/3", "details": {"truth_id": 99}}, known, order) is None


def test_circular_defended_area_becomes_a_ring():
    from pymap3d.vincenty import vdist

    from openiads.export.common import areas_of

    [area] = areas_of(
        {"defended_areas": [{"id": "c", "circle": {"lat": 26.0, "lon": 56.0, "radius_m": 5e4}}]}
    )
    lat, lon = np.asarray(area["ring"]).T
    dist_m, _ = vdist(26.0, 56.0, lat, lon)
    assert np.asarray(dist_m) == pytest.approx(5e4, abs=1.0)


CONTOURS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"level": 0.5},
            "geometry": {"type": "LineString", "coordinates": [[57.0, 26.0], [57.2, 26.1]]},
        },
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ],
}


def test_coverage_contours_are_carried_into_the_page(small):
    data = build_replay_data(small, coverage=CONTOURS)
    [feature] = data["coverage"]["features"]  # the point is dropped
    assert feature["properties"] == {"level": 0.5}
    assert feature["geometry"]["coordinates"] == [[57.0, 26.0], [57.2, 26.1]]
    assert build_replay_data(small)["coverage"]["features"] == []


def test_coverage_that_is_not_a_feature_collection_is_an_input_error(small):
    from openiads.errors import InputError

    with pytest.raises(InputError, match="FeatureCollection"):
        build_replay_data(small, coverage={"type": "Feature"})


@pytest.mark.slow
def test_cli_replay_with_coverage(small, tmp_path):
    run = write_run(small, tmp_path / "run")
    contours = tmp_path / "c.geojson"
    contours.write_text(json.dumps(CONTOURS))
    res = _cli("replay", str(run), "-o", str(tmp_path / "r.html"), "--coverage", str(contours))
    assert res.returncode == 0, res.stderr
    page = _payload((tmp_path / "r.html").read_text())
    assert len(page["coverage"]["features"]) == 1
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    res = _cli("replay", str(run), "-o", str(tmp_path / "r.html"), "--coverage", str(bad))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "bad.geojson" in res.stderr
    # JSON but not a FeatureCollection: located at the coverage file, with its field.
    bad.write_text(json.dumps({"type": "Feature"}))
    res = _cli("replay", str(run), "-o", str(tmp_path / "r.html"), "--coverage", str(bad))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "bad.geojson" in lines[0] and "FeatureCollection" in lines[0]


def test_command_modules_import_nothing_heavy():
    """``openiads --help`` stays fast: the viewer and export commands import their
    libraries only when they run."""
    code = (
        "import sys, openiads.viewer.cli, openiads.export.cli, openiads.viewer, openiads.export\n"
        "print(','.join(m for m in ('numpy', 'pyarrow', 'fastapi', 'czml3', 'simplekml',"
        " 'duckdb', 'uvicorn') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


# ---------------------------------------------------------------- properties
@given(
    n=st.integers(min_value=1, max_value=3000),
    max_points=st.integers(min_value=2, max_value=500),
    keep=st.lists(st.floats(min_value=-10.0, max_value=4000.0), max_size=20),
)
def test_downsample_properties(n, max_points, keep):
    t = np.arange(n, dtype=float) * 1.5
    idx = downsample_indices(t, max_points, np.asarray(keep))
    assert idx[0] == 0
    assert idx[-1] == n - 1
    assert np.all(np.diff(idx) > 0)
    assert len(idx) <= (n if n <= max_points else max_points + 1) + len(keep)


LONLAT = st.tuples(
    st.floats(min_value=-180.0, max_value=180.0), st.floats(min_value=-80.0, max_value=80.0)
)


@given(st.lists(LONLAT, min_size=3, max_size=50))
def test_unwrap_moves_points_only_by_whole_turns(points):
    out = unwrap_ring(points)
    for (lon0, lat0), (lon1, lat1) in zip(points, out, strict=False):
        assert lat1 == lat0
        turns = (lon1 - lon0) / 360.0
        assert turns == pytest.approx(round(turns), abs=1e-9)
    body = out[: len(points)]  # a pole closure may follow
    assert all(abs(b[0] - a[0]) <= 180.0 for a, b in itertools.pairwise(body))


def test_interceptors_left_follow_launches_and_reloads():
    from openiads.viewer.report import _magazines

    events = [
        {"t": 10.0, "kind": "launch", "actor": "fu", "details": {"left": 3}},
        {"t": 20.0, "kind": "launch", "actor": "fu", "details": {"left": 2}},
        {"t": 90.0, "kind": "reload", "actor": "fu", "details": {"ready": 4}},
    ]
    mags = _magazines(events)
    assert mags["label"] == "interceptors left"
    assert mags["series"]["fu"] == [[0.0, 4.0], [10.0, 3.0], [20.0, 2.0], [90.0, 4.0]]
    no_left = [{"t": 5.0, "kind": "launch", "actor": "fu", "details": {}}] * 2
    assert _magazines(no_left) == {
        "label": "interceptors launched",
        "series": {"fu": [[0.0, 0.0], [5.0, 1.0], [5.0, 2.0]]},
    }
