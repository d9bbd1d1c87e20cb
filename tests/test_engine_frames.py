"""The engine's ECEF → local east-north-up rotation agrees with pymap3d (independent)."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from openiads.engine.tables import ecef_to_enu_rotation


@pytest.mark.parametrize(
    "origin", [(26.10, 57.35, 40.0), (-33.9, 151.2, 0.0), (64.0, -21.9, 500.0)]
)
def test_rotation_matches_pymap3d_geodetic2enu(origin: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(0)
    lat = origin[0] + rng.uniform(-3.0, 3.0, 50)
    lon = origin[1] + rng.uniform(-3.0, 3.0, 50)
    alt = rng.uniform(0.0, 30_000.0, 50)
    expected = np.stack(pymap3d.geodetic2enu(lat, lon, alt, *origin), axis=-1)
    ecef = np.stack(pymap3d.geodetic2ecef(lat, lon, alt), axis=-1)
    rot = ecef_to_enu_rotation(np.array([origin[0]]), np.array([origin[1]]))[0]
    got = (ecef - np.array(pymap3d.geodetic2ecef(*origin))) @ rot.T
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)  # metres
