"""Tests of openiads.physics.lethality against physics.md §6 worked values."""

from __future__ import annotations

import numpy as np
import pytest

from openiads.physics import lethality as leth


def test_salvo_pk_physics_md_p07() -> None:
    np.testing.assert_allclose(leth.salvo_pk(0.7, np.array([1, 2, 3])), [0.70, 0.91, 0.973])


def test_shoot_look_shoot_physics_md_p07_m2() -> None:
    pk, shots = leth.shoot_look_shoot(0.7, 2)
    assert pk == pytest.approx(0.91, abs=1e-12)
    assert shots == pytest.approx(1.30, abs=1e-12)


def test_shoot_look_shoot_matches_explicit_sum() -> None:
    p = np.array([0.0, 0.3, 0.7, 1.0])
    for m in (1, 2, 3, 5):
        pk, shots = leth.shoot_look_shoot(p, m)
        expected = sum((1 - p) ** i for i in range(m))
        np.testing.assert_allclose(shots, expected, atol=1e-12)
        np.testing.assert_allclose(pk, 1 - (1 - p) ** m, atol=1e-12)


def test_shoot_shoot_look_expected_shots_physics_md_p07() -> None:
    assert leth.shoot_shoot_look_expected_shots(0.7) == pytest.approx(2.1978, abs=5e-5)


def test_shoot_shoot_look_limited_tends_to_unlimited() -> None:
    pk, shots = leth.shoot_shoot_look(0.7, 50)
    assert pk == pytest.approx(1.0, abs=1e-12)
    assert shots == pytest.approx(leth.shoot_shoot_look_expected_shots(0.7), abs=1e-12)
    pk1, shots1 = leth.shoot_shoot_look(0.7, 1)
    assert (pk1, shots1) == (pytest.approx(0.91, abs=1e-12), pytest.approx(2.0, abs=1e-12))
    # two salvos: P_k = 1 - 0.09^2, E[shots] = 2 (1 + 0.09) (a second salvo after a miss)
    pk2, shots2 = leth.shoot_shoot_look(0.7, 2)
    assert (pk2, shots2) == (pytest.approx(0.9919, abs=1e-12), pytest.approx(2.18, abs=1e-12))


def test_shoot_look_shoot_zero_pk_spends_every_shot() -> None:
    pk, shots = leth.shoot_look_shoot(0.0, 3)
    assert (pk, shots) == (0.0, 3.0)
    assert leth.shoot_shoot_look_expected_shots(0.0) == np.inf


def test_single_shot_pk_assumption_model() -> None:
    r_max = 100e3
    r = np.array([10e3, 80e3, 90e3, 100e3, 100.1e3])
    pk = leth.single_shot_pk(0.8, 300.0, 1000.0, r, r_max)
    np.testing.assert_allclose(pk, [0.8, 0.8, 0.6, 0.4, 0.0], atol=1e-12)
    # Faster than the missile's limit: no kill.
    assert leth.single_shot_pk(0.8, 1200.0, 1000.0, 10e3, r_max) == 0.0
    # Range effect switched off.
    off = leth.single_shot_pk(
        0.8, 300.0, 1000.0, r[:4], r_max, endgame_start_fraction=1.0, pk_fraction_at_max_range=1.0
    )
    np.testing.assert_allclose(off, 0.8, atol=1e-12)


def test_single_shot_pk_monotone_in_range_and_speed() -> None:
    r = np.linspace(0.0, 120e3, 241)
    pk = leth.single_shot_pk(0.9, 200.0, 1000.0, r, 100e3)
    assert np.all(np.diff(pk) <= 0.0)
    speeds = np.linspace(0.0, 2000.0, 81)
    pk_s = leth.single_shot_pk(0.9, speeds, 1000.0, 50e3, 100e3)
    assert np.all(np.diff(pk_s) <= 0.0)
