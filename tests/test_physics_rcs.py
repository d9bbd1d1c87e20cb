"""Tests of openiads.physics.rcs: aspect geometry and the dB interpolation between cardinals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiads.physics import rcs


def test_aspect_nose_beam_tail() -> None:
    v = np.array([[100.0, 0.0, 0.0]] * 4)
    los = np.array([[1.0, 0.0, 0.0], [0.0, 5.0, 0.0], [-3.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    a = rcs.aspect_angle_rad(v, los)
    np.testing.assert_allclose(a, [0.0, math.pi / 2, math.pi, math.pi / 4], atol=1e-15)


def test_aspect_stationary_target_is_nose_on() -> None:
    a = rcs.aspect_angle_rad(np.zeros((2, 3)), np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(a, [0.0, 0.0])


def test_aspect_accurate_near_nose_on() -> None:
    # arccos of a normalised dot product loses everything below ~1e-8 rad; atan2 does not.
    a = rcs.aspect_angle_rad([1.0, 0.0, 0.0], [1.0, 1e-10, 0.0])
    assert a == pytest.approx(1e-10, rel=1e-9, abs=0.0)


def test_aspect_broadcasts_one_radar_many_targets() -> None:
    v = np.random.default_rng(1).normal(size=(5, 3))
    los = np.array([0.0, 0.0, 1.0])
    a = rcs.aspect_angle_rad(v, los)
    assert a.shape == (5,)
    expected = np.arccos(v[:, 2] / np.linalg.norm(v, axis=1))
    np.testing.assert_allclose(a, expected, atol=1e-12)


def test_aspect_rcs_cardinals_and_geometric_mean_midpoints() -> None:
    a = np.array([0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4, math.pi])
    s = rcs.aspect_rcs_m2(a, 0.01, 1.0, 0.1)
    np.testing.assert_allclose(s, [0.01, 0.1, 1.0, math.sqrt(0.1), 0.1], rtol=1e-12)


def test_aspect_rcs_folds_angles_and_vectorises_cardinals() -> None:
    s = rcs.aspect_rcs_m2(np.array([-math.pi / 2, 3 * math.pi / 2, 2 * math.pi]), 1.0, 10.0, 5.0)
    np.testing.assert_allclose(s, [10.0, 10.0, 1.0], rtol=1e-12)
    frontal = np.array([0.001, 0.1, 5.0])
    s2 = rcs.aspect_rcs_m2(0.0, frontal, 10.0, 5.0)
    np.testing.assert_allclose(s2, frontal, rtol=1e-12)


def test_aspect_rcs_does_not_mutate() -> None:
    a = np.array([0.1, 4.0, -1.0])
    a0 = a.copy()
    rcs.aspect_rcs_m2(a, 1.0, 2.0, 3.0)
    np.testing.assert_array_equal(a, a0)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(min_value=0.0, max_value=math.pi),
    f=st.floats(min_value=1e-4, max_value=100.0),
    b=st.floats(min_value=1e-4, max_value=100.0),
    r=st.floats(min_value=1e-4, max_value=100.0),
)
def test_property_aspect_rcs_between_neighbouring_cardinals(
    a: float, f: float, b: float, r: float
) -> None:
    s = float(rcs.aspect_rcs_m2(a, f, b, r))
    lo, hi = (min(f, b), max(f, b)) if a <= math.pi / 2 else (min(b, r), max(b, r))
    assert lo * (1 - 1e-12) <= s <= hi * (1 + 1e-12)
