"""Exports parsed back by their own tools and checked for content.

CZML by czml3, KML as XML (OGC KML 2.2 + Google's gx extension), GeoJSON by the ``geojson``
package and shapely, Tacview ACMI 2.2 by its published text layout.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from openiads.export import write_acmi, write_czml, write_geojson, write_kml
from openiads.export.common import group_trajectories, state_changes
from openiads.outcome import Outcome, write_run
from openiads.viewer.sample import sample_outcome

EPOCH = datetime(2019, 6, 19, 23, 0, tzinfo=UTC)
KML_NS = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    return sample_outcome(n_threats=8)


@pytest.fixture(scope="module")
def moving(outcome: Outcome) -> list[str]:
    """Ids of objects with trajectories (air objects and interceptors)."""
    return sorted(group_trajectories(outcome.trajectories))


def _first_sample(outcome: Outcome, oid: str) -> tuple[float, float, float, float]:
    tr = group_trajectories(outcome.trajectories)[oid]
    return float(tr.t_s[0]), float(tr.lon_deg[0]), float(tr.lat_deg[0]), float(tr.alt_m[0])


def _iso(t_s: float) -> datetime:
    return EPOCH + timedelta(seconds=t_s)


def _secs(text: str) -> float:
    """Seconds since the epoch of an ISO text with a Z suffix."""
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH).total_seconds()


def test_czml_parses_back_with_one_packet_per_moving_object(outcome, moving, tmp_path):
    from czml3 import Document

    path = write_czml(outcome, tmp_path / "run.czml")
    doc = Document.load(path)
    first = doc.packets[0]
    assert first.id == "document"
    assert first.version == "1.0"
    raw = json.loads(path.read_text())
    interval = raw[0]["clock"]["interval"]
    start, stop = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in interval.split("/"))
    assert start == EPOCH
    assert (stop - start).total_seconds() == pytest.approx(
        outcome.manifest["duration_s"], abs=0.001
    )
    with_position = {p["id"]: p for p in raw if "position" in p and "epoch" in p["position"]}
    assert sorted(with_position) == moving
    domes = [p for p in raw if "ellipsoid" in p]
    assert len(domes) == 2  # two sites, each with an engagement range
    assert domes[0]["ellipsoid"]["radii"]["cartesian"] == [120_000.0] * 3


def test_czml_known_position_and_time_span(outcome, tmp_path):
    raw = json.loads(write_czml(outcome, tmp_path / "run.czml").read_text())
    pkt = next(p for p in raw if p["id"] == "cm-0001")
    samples = np.asarray(pkt["position"]["cartographicDegrees"]).reshape(-1, 4)
    t0, lon0, lat0, alt0 = _first_sample(outcome, "cm-0001")
    assert samples[0, 0] == pytest.approx(t0, abs=1e-9)
    assert samples[0, 1] == pytest.approx(lon0, abs=1e-6)
    assert samples[0, 2] == pytest.approx(lat0, abs=1e-6)
    assert samples[0, 3] == pytest.approx(alt0, abs=0.01)
    begin, end = pkt["availability"].split("/")
    tr = group_trajectories(outcome.trajectories)["cm-0001"]
    assert _secs(begin) == pytest.approx(float(tr.t_s[0]), abs=0.001)
    assert _secs(end) == pytest.approx(float(tr.t_s[-1]), abs=0.001)
    # its colour is time-dynamic and ends in the "killed" colour
    colours = pkt["point"]["color"]
    assert colours[-1]["rgba"] == [40, 40, 40, 255]


def test_czml_down_sampling_keeps_first_and_last(outcome, tmp_path):
    raw = json.loads(write_czml(outcome, tmp_path / "s.czml", max_points_per_object=10).read_text())
    pkt = next(p for p in raw if p["id"] == "rq4")
    samples = np.asarray(pkt["position"]["cartographicDegrees"]).reshape(-1, 4)
    tr = group_trajectories(outcome.trajectories)["rq4"]
    assert len(samples) <= 11
    assert samples[0, 0] == pytest.approx(float(tr.t_s[0]), abs=1e-9)
    assert samples[-1, 0] == pytest.approx(float(tr.t_s[-1]), abs=1e-9)


def test_kml_is_well_formed_with_one_track_per_moving_object(outcome, moving, tmp_path):
    root = ET.parse(write_kml(outcome, tmp_path / "run.kml")).getroot()
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    doc = root.find("k:Document", KML_NS)
    assert doc is not None
    folders = {f.findtext("k:name", namespaces=KML_NS) for f in doc.findall("k:Folder", KML_NS)}
    assert {"Sites", "Air objects", "Interceptors", "Areas", "Events"} <= folders
    names = []
    for pm in root.iter("{http://www.opengis.net/kml/2.2}Placemark"):
        track = pm.find("gx:Track", KML_NS)
        if track is None:
            continue
        names.append(pm.findtext("k:name", namespaces=KML_NS))
        whens = track.findall("k:when", KML_NS)
        coords = track.findall("gx:coord", KML_NS)
        assert len(whens) == len(coords) > 0
        span = pm.find("k:TimeSpan", KML_NS)
        assert span is not None
        assert span.findtext("k:begin", namespaces=KML_NS) == whens[0].text
        assert span.findtext("k:end", namespaces=KML_NS) == whens[-1].text
    assert sorted(names) == moving


def test_kml_known_position(outcome, tmp_path):
    root = ET.parse(write_kml(outcome, tmp_path / "run.kml")).getroot()
    pm = next(
        p
        for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")
        if p.findtext("k:name", namespaces=KML_NS) == "cm-0002"
    )
    track = pm.find("gx:Track", KML_NS)
    lon, lat, alt = (float(x) for x in track.find("gx:coord", KML_NS).text.split())
    t0, lon0, lat0, alt0 = _first_sample(outcome, "cm-0002")
    assert (lon, lat) == pytest.approx((lon0, lat0), abs=1e-6)  # written to 1e-6°
    assert alt == pytest.approx(alt0, abs=0.05)  # written to 0.1 m
    when = track.find("k:when", KML_NS).text
    assert _secs(when) == pytest.approx(t0, abs=0.001)
    kills = [
        p
        for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")
        if (p.findtext("k:name", namespaces=KML_NS) or "").startswith("kill ")
    ]
    assert len(kills) == len(outcome.events_of("kill"))
    # Each kill is marked where its target was at that moment (1 ms of time ≈ 0.2 m).
    tracks = group_trajectories(outcome.trajectories)
    for p in kills:
        tr = tracks[p.findtext("k:name", namespaces=KML_NS).split(" ", 1)[1]]
        t_s = _secs(p.find("k:TimeStamp", KML_NS).findtext("k:when", namespaces=KML_NS))
        text = p.find("k:Point", KML_NS).findtext("k:coordinates", namespaces=KML_NS)
        lon, lat, _ = (float(x) for x in text.split(","))
        expected = (np.interp(t_s, tr.t_s, tr.lon_deg), np.interp(t_s, tr.t_s, tr.lat_deg))
        assert (lon, lat) == pytest.approx(expected, abs=1e-5)
    # Side colours as KML's aabbggrr: hostile red (220, 40, 40), friendly blue (40, 110, 230).
    colours = {e.text for e in root.iter("{http://www.opengis.net/kml/2.2}color")}
    assert {"ff2828dc", "ffe66e28", "ff50aa28"} <= colours


def test_geojson_is_valid_and_complete(outcome, moving, tmp_path):
    import geojson
    from shapely.geometry import shape

    text = write_geojson(outcome, tmp_path / "run.geojson").read_text()
    fc = geojson.loads(text)
    assert fc.is_valid, fc.errors()
    layers: dict[str, list] = {}
    for f in fc["features"]:
        assert shape(f["geometry"]).is_valid
        layers.setdefault(f["properties"]["layer"], []).append(f)
    assert sorted(f["properties"]["id"] for f in layers["route"]) == moving
    assert len(layers["site"]) == 2
    assert len(layers["coverage"]) == 4  # detection + engagement ring of two sites
    assert {f["properties"]["kind"] for f in layers["area"]} == {
        "defended_area",
        "civil_corridor",
    }
    kinds = [f["properties"]["kind"] for f in layers["event"]]
    assert kinds.count("kill") == len(outcome.events_of("kill"))
    assert kinds.count("leak") == len(outcome.events_of("leak"))


def test_geojson_known_position_time_span_and_ring_radius(outcome, tmp_path):
    from pymap3d.vincenty import vdist

    fc = json.loads(write_geojson(outcome, tmp_path / "run.geojson").read_text())
    route = next(
        f
        for f in fc["features"]
        if f["properties"]["layer"] == "route" and f["properties"]["id"] == "cm-0000"
    )
    t0, lon0, lat0, alt0 = _first_sample(outcome, "cm-0000")
    assert route["geometry"]["coordinates"][0] == pytest.approx([lon0, lat0, alt0], abs=1e-5)
    assert route["properties"]["start_s"] == pytest.approx(t0, abs=1e-9)
    kill_t = next(e["t"] for e in outcome.events_of("kill") if e["target"] == "cm-0000")
    assert route["properties"]["end_s"] == pytest.approx(kill_t, abs=1e-9)
    assert route["properties"]["final_state"] == "killed"
    ring = next(
        f
        for f in fc["features"]
        if f["properties"]["layer"] == "coverage"
        and f["properties"]["site"] == "sam-long"
        and f["properties"]["kind"] == "engagement"
    )
    lon, lat = np.asarray(ring["geometry"]["coordinates"][0]).T
    dist_m, _ = vdist(26.20, 57.10, lat, lon)
    assert np.asarray(dist_m) == pytest.approx(120_000.0, abs=2.0)  # 1e-6° rounding ≈ 0.1 m


ACMI_OBJECT = re.compile(r"^([0-9a-f]+),T=(-?[\d.]+)\|(-?[\d.]+)\|(-?[\d.]+)(,.*)?$")


def test_acmi_header_and_object_lines(outcome, moving, tmp_path):
    lines = write_acmi(outcome, tmp_path / "run.txt.acmi").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "FileType=text/acmi/tacview"
    assert lines[1] == "FileVersion=2.2"
    assert lines[2] == "0,ReferenceTime=2019-06-19T23:00:00Z"
    ref = dict(line[2:].split("=", 1) for line in lines if line.startswith("0,Reference"))
    lon_ref, lat_ref = float(ref["ReferenceLongitude"]), float(ref["ReferenceLatitude"])
    frames, created, removed = [], {}, set()
    for line in lines[3:]:
        if line.startswith("#"):
            frames.append(float(line[1:]))
        elif line.startswith("-"):
            removed.add(line[1:])
        elif line.startswith("0,"):
            assert "=" in line
        else:
            m = ACMI_OBJECT.match(line)
            assert m, line
            if m.group(5) and "CallSign=" in m.group(5):
                call = re.search(r"CallSign=([^,]+)", m.group(5)).group(1)
                created[call] = (
                    m.group(1),
                    float(m.group(2)),
                    float(m.group(3)),
                    float(m.group(4)),
                )
    assert frames == sorted(frames)
    assert frames[0] == 0.0
    tr_end = float(outcome.trajectories["t"].to_numpy().max())
    assert frames[-1] == pytest.approx(tr_end, abs=0.01)
    sites = {"sam-long", "sam-short"}
    assert set(created) == set(moving) | sites
    assert {created[m][0] for m in moving} == removed
    _, lon0, lat0, alt0 = _first_sample(outcome, "cm-0003")
    _, dlon, dlat, alt = created["cm-0003"]
    assert (lon_ref + dlon, lat_ref + dlat, alt) == pytest.approx((lon0, lat0, alt0), abs=1e-6)


def test_acmi_marks_kills_as_destroyed(outcome, tmp_path):
    text = write_acmi(outcome, tmp_path / "run.txt.acmi").read_text(encoding="utf-8")
    assert text.count("0,Event=Destroyed|") == len(outcome.events_of("kill"))


def test_state_changes_follow_the_events(outcome):
    changes = state_changes(outcome)
    states = [s for _, s in changes["cm-0000"]]
    assert states == ["detected", "tracked", "engaged", "killed"]
    assert [s for _, s in changes["cm-0003"]] == ["leaked"]  # never seen, leaks
    assert [s for _, s in changes["cm-0002"]][-1] == "leaked"  # interceptor missed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args], capture_output=True, text=True, check=False
    )


def test_cli_writes_all_four(outcome, tmp_path):
    run = write_run(outcome, tmp_path / "run")
    out = tmp_path / "out"
    out.mkdir()
    res = _cli(
        "export",
        str(run),
        "--czml",
        str(out / "a.czml"),
        "--kml",
        str(out / "a.kml"),
        "--geojson",
        str(out / "a.geojson"),
        "--acmi",
        str(out / "a.acmi"),
    )
    assert res.returncode == 0, res.stderr
    for name in ("a.czml", "a.kml", "a.geojson", "a.acmi"):
        assert (out / name).stat().st_size > 1000
    assert json.loads((out / "a.geojson").read_text())["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("export", "{missing}", "--czml", "{tmp}/a.czml"), "not a run folder"),
        (("export", "{run}"), "give at least one of"),
        (("export", "{run}", "--kml", "{tmp}/no/such/folder/a.kml"), "folder does not exist"),
    ],
)
def test_cli_bad_input_is_one_line(outcome, tmp_path, args, needle):
    run = write_run(outcome, tmp_path / "run")
    subs = {"missing": str(tmp_path / "nope"), "run": str(run), "tmp": str(tmp_path)}
    res = _cli(*(a.format(**subs) for a in args))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]


def test_exports_of_an_engine_run(tmp_path):
    """The bundled Hormuz scenario through the real engine, then every export."""
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "hormuz-2019.yaml"
    res = _cli("run", str(scenario), "--out", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr  # an engine failure must fail, not skip, this test
    from openiads.outcome import read_run

    real = read_run(tmp_path / "run")
    moving = set(group_trajectories(real.trajectories))
    raw = json.loads(write_czml(real, tmp_path / "r.czml").read_text())
    assert {p["id"] for p in raw if "position" in p and "epoch" in p["position"]} == moving
    fc = json.loads(write_geojson(real, tmp_path / "r.geojson").read_text())
    routes = {f["properties"]["id"] for f in fc["features"] if f["properties"]["layer"] == "route"}
    assert routes == moving
    root = ET.parse(write_kml(real, tmp_path / "r.kml")).getroot()
    assert len(list(root.iter("{http://www.google.com/kml/ext/2.2}Track"))) == len(moving)
    text = write_acmi(real, tmp_path / "r.acmi").read_text()
    assert text.startswith("FileType=text/acmi/tacview\nFileVersion=2.2\n")


def _empty_outcome() -> Outcome:
    import pyarrow as pa

    from openiads.outcome import EVENT_SCHEMA, OBJECT_SCHEMA, TRAJECTORY_SCHEMA

    return Outcome(
        events=EVENT_SCHEMA.empty_table(),
        trajectories=TRAJECTORY_SCHEMA.empty_table(),
        objects=pa.Table.from_pylist([], schema=OBJECT_SCHEMA),
        manifest={"scenario_name": "nothing happens", "epoch": "2020-01-08T02:00:00Z"},
    )


def test_an_empty_run_still_exports(tmp_path):
    """A run with no objects and no events gives valid, empty files rather than an error."""
    import geojson
    from czml3 import Document

    empty = _empty_outcome()
    assert len(Document.load(write_czml(empty, tmp_path / "e.czml")).packets) == 1
    ET.parse(write_kml(empty, tmp_path / "e.kml"))
    fc = geojson.loads(write_geojson(empty, tmp_path / "e.geojson").read_text())
    assert fc.is_valid
    assert fc["features"] == []
    lines = write_acmi(empty, tmp_path / "e.acmi").read_text().splitlines()
    assert lines[:3] == [
        "FileType=text/acmi/tacview",
        "FileVersion=2.2",
        "0,ReferenceTime=2020-01-08T02:00:00Z",
    ]
