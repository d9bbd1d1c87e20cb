"""Threat geometry (compiled kernel) against independent implementations.

* inside-an-area flags against matplotlib's point-in-polygon (``scenario.compile.inside_areas``)
  on the concave Hormuz territorial-sea polygon and a circle;
* exact entry times against a brute-force march along each straight-line path, classifying
  every 10 m step with matplotlib: the kernel's time must fall within one step (0.1 s at
  100 m/s) of the first step found inside;
* time to the circumscribing circle against the closed form for a head-on approach.
"""

from __future__ import annotations

import numpy as np
import pytest

from openiads.c2 import pack_areas, threat_times, time_to_defended_areas
from openiads.scenario import compile_world
from openiads.scenario.compile import inside_areas
from openiads.scenario.load import load_scenario


@pytest.fixture(scope="module")
def hormuz_areas():  # type: ignore[no-untyped-def]
    from openiads.scenario.compile import Areas

    areas = compile_world(load_scenario("scenarios/hormuz-2019.yaml")).areas
    # Add a circle 80 km east of the polygon's centre, so both kinds are exercised together.
    c = areas.centers_enu[0] + np.array([80_000.0, 0.0])
    return Areas(
        ids=[*areas.ids, "circle"],
        polygons_enu=[*areas.polygons_enu, None],
        centers_enu=np.vstack([areas.centers_enu, c]),
        radii_m=np.append(areas.radii_m, 15_000.0),
        geo=[],
    )


def test_inside_agrees_with_matplotlib_point_in_polygon(hormuz_areas) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    c = hormuz_areas.centers_enu[0]
    r = hormuz_areas.radii_m[0]
    pts = np.column_stack(
        [
            c[0] + rng.uniform(-1.5 * r, 1.5 * r + 100_000.0, 20_000),
            c[1] + rng.uniform(-1.5 * r, 1.5 * r, 20_000),
            np.zeros(20_000),
        ]
    )
    _, inside, entry = threat_times(pack_areas(hormuz_areas), pts, np.zeros_like(pts))
    expected = inside_areas(hormuz_areas, pts[:, 0], pts[:, 1])
    assert 300 < expected.sum() < 19_700  # both classes represented (the band is thin)
    assert np.array_equal(inside, expected)
    assert np.all(entry[inside] == 0.0)
    assert np.all(np.isinf(entry[~inside]))  # standing still outside: never enters


def test_entry_time_matches_a_brute_force_march(hormuz_areas) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    c = hormuz_areas.centers_enu[0]
    r = hormuz_areas.radii_m[0]
    n = 60
    start = np.column_stack(
        [c[0] + rng.uniform(-2 * r, 2 * r, n), c[1] + rng.uniform(-2 * r, 2 * r, n), np.zeros(n)]
    )
    heading = rng.uniform(0, 2 * np.pi, n)
    vel = np.column_stack([100.0 * np.sin(heading), 100.0 * np.cos(heading), np.zeros(n)])
    _, inside0, entry = threat_times(pack_areas(hormuz_areas), start, vel)
    steps = np.arange(0, 30_000) * 0.1  # 10 m steps over 300 km (3,000 s at 100 m/s)
    checked = 0
    for i in range(n):
        path = start[i, None, :2] + vel[i, None, :2] * steps[:, None]
        hit = inside_areas(hormuz_areas, path[:, 0], path[:, 1])
        if inside0[i]:
            assert entry[i] == 0.0
            continue
        if not hit.any():
            assert entry[i] == np.inf
            continue
        checked += 1
        first = steps[np.argmax(hit)]
        assert entry[i] == pytest.approx(first, abs=0.1, rel=0)
    assert checked >= 10


def test_time_to_circumscribing_circle_head_on(hormuz_areas) -> None:  # type: ignore[no-untyped-def]
    c = hormuz_areas.centers_enu[0]
    r = float(hormuz_areas.radii_m[0])
    pos = np.array([[c[0] - r - 50_000.0, c[1], 0.0]])  # 50 km outside the circle, due west
    vel = np.array([[250.0, 0.0, 0.0]])  # heading east at 250 m/s
    tgo = time_to_defended_areas(hormuz_areas, pos, vel)
    assert tgo[0] == pytest.approx(200.0, abs=1e-6, rel=0)  # 50 km / 250 m/s
    away = time_to_defended_areas(hormuz_areas, pos, -vel)
    assert away[0] == np.inf
