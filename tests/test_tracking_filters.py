"""Kalman-filter algebra of the tracker: hand-computed steps, conversions, NEES/NIS consistency."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from openiads.tracking import AirPicture, TrackerConfig
from openiads.tracking._kernels import (
    combine_rows,
    mix_predict,
    predict_cv6,
    rae_to_enu_fast,
    update_position,
)
from openiads.tracking.filters import (
    ca_matrices,
    cv_matrices,
    inv_sym3,
    kf_update_position,
    rae_to_enu,
)
from openiads.tracking.tracker import MotionModel


def test_cv_process_noise_bar_shalom_cwna_dt2_q3() -> None:
    # CWNA, per axis: q [[dt^3/3, dt^2/2], [dt^2/2, dt]] = 3 [[8/3, 2], [2, 2]] for dt = 2 s
    f, q = cv_matrices(2.0, 3.0)
    assert q[0, 0] == pytest.approx(8.0, abs=1e-12)
    assert q[0, 3] == pytest.approx(6.0, abs=1e-12)
    assert q[3, 3] == pytest.approx(6.0, abs=1e-12)
    assert q[0, 1] == pytest.approx(0.0, abs=1e-12)  # axes independent
    assert f[0, 3] == pytest.approx(2.0, abs=1e-12)


def test_ca_process_noise_bar_shalom_wpa_dt1_q20() -> None:
    # WPA, per axis: q [[dt^5/20, dt^4/8, dt^3/6], [., dt^3/3, dt^2/2], [., ., dt]], dt = 1
    f, q = ca_matrices(1.0, 20.0)
    assert q[0, 0] == pytest.approx(1.0, abs=1e-12)
    assert q[0, 3] == pytest.approx(2.5, abs=1e-12)
    assert q[0, 6] == pytest.approx(20.0 / 6.0, abs=1e-12)
    assert q[6, 6] == pytest.approx(20.0, abs=1e-12)
    assert f[0, 6] == pytest.approx(0.5, abs=1e-12)


def test_hand_computed_cv_step_through_the_tracker() -> None:
    """One predict + update by hand, per axis (east shown), q = 0.

    x0 = [0 m, 10 m/s], P0 = diag(100 m^2, 25 m^2/s^2), dt = 1 s:
      predicted x = [10, 10], P = [[125, 25], [25, 25]].
    z = 20 m, R = 25 m^2: S = 150, K = [125/150, 25/150] = [5/6, 1/6], nu = 10:
      x = [10 + 50/6, 10 + 10/6] = [18.3333, 11.6667]
      P = [[125 - 125^2/150, 25 - 125*25/150], [., 25 - 25^2/150]]
        = [[20.8333, 4.1667], [4.1667, 20.8333]].
    """
    mm = MotionModel(TrackerConfig(model="cv", process_noise_mps2=1e-9))
    motion = mm.matrices(1.0)
    x = np.zeros((1, 1, 6))
    x[0, 0, 3] = 10.0
    p = np.diag([100.0, 100.0, 100.0, 25.0, 25.0, 25.0])[None, None].copy()
    mu = np.ones((1, 1))
    rows = np.array([0], dtype=np.int64)
    mix_predict(x, p, mu, rows, motion)
    assert x[0, 0, 0] == pytest.approx(10.0, abs=1e-9)
    assert p[0, 0, 0, 0] == pytest.approx(125.0, abs=1e-6)
    assert p[0, 0, 0, 3] == pytest.approx(25.0, abs=1e-6)
    z = np.array([[20.0, 0.0, 0.0]])
    r = (25.0 * np.eye(3))[None]
    d2, _ = update_position(x, p, rows, z, r, np.array([0], dtype=np.int64))
    assert x[0, 0, 0] == pytest.approx(18.333333, abs=1e-5)
    assert x[0, 0, 3] == pytest.approx(11.666667, abs=1e-5)
    assert p[0, 0, 0, 0] == pytest.approx(20.833333, abs=1e-5)
    assert p[0, 0, 0, 3] == pytest.approx(4.166667, abs=1e-5)
    assert p[0, 0, 3, 3] == pytest.approx(20.833333, abs=1e-5)
    assert d2[0, 0] == pytest.approx(100.0 / 150.0, abs=1e-9)  # nu^2 / S


def test_compiled_update_matches_numpy_algebra() -> None:
    rng = np.random.default_rng(11)
    k, n = 40, 9
    a = rng.normal(size=(k, 2, n, n))
    p = a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(n)
    x = rng.normal(size=(k, 2, n))
    b = rng.normal(size=(k, 3, 3))
    r = b @ np.swapaxes(b, -1, -2) + np.eye(3)
    z = rng.normal(size=(k, 3))
    x_ref, p_ref, d2_ref, det_ref = kf_update_position(x, p, z[:, None], r[:, None])
    xk, pk = x.copy(), p.copy()
    d2, logdet = update_position(xk, pk, np.arange(k), z, r, np.arange(k))
    np.testing.assert_allclose(xk, x_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pk, p_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d2, d2_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(logdet, np.log(det_ref), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("maneuver", "n_state"), [("cv", 6), ("ca", 9)])
def test_compiled_imm_mixing_matches_numpy_algebra(maneuver: str, n_state: int) -> None:
    """Blom & Bar-Shalom mixing: c_j = sum_i pi_ij mu_i; x0j = sum_i mu_i|j x_i; P0j likewise."""
    rng = np.random.default_rng(12)
    assert MotionModel(TrackerConfig(model="imm", imm_maneuver_model=maneuver)).n_state == n_state
    mm = MotionModel(TrackerConfig(model="imm", imm_maneuver_model=maneuver))
    n = mm.n_state
    f_idx, f_val, q, pi = mm.matrices(2.0)
    fs = np.zeros((2, n, n))
    for m in range(2):
        for i in range(n):
            for t in range(3):
                fs[m, i, f_idx[m, i, t]] += f_val[m, i, t]
    k = 25
    a = rng.normal(size=(k, 2, n, n))
    p = a @ np.swapaxes(a, -1, -2) + np.eye(n)
    x = rng.normal(size=(k, 2, n))
    mu = rng.dirichlet([1.0, 1.0], size=k)
    c = mu @ pi
    w = mu[:, :, None] * pi[None] / c[:, None, :]
    x0 = np.einsum("kij,kin->kjn", w, x)
    dx = x[:, :, None, :] - x0[:, None, :, :]
    p0 = np.einsum("kij,kinm->kjnm", w, p) + np.einsum("kij,kijn,kijm->kjnm", w, dx, dx)
    x_ref = np.einsum("mij,kmj->kmi", fs, x0)
    p_ref = fs @ p0 @ np.swapaxes(fs, -1, -2) + q
    xk, pk, muk = x.copy(), p.copy(), mu.copy()
    mix_predict(xk, pk, muk, np.arange(k), (f_idx, f_val, q, pi))
    np.testing.assert_allclose(xk, x_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pk, p_ref, rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(muk, c, rtol=1e-12, atol=1e-15)
    # moment matching of the combined estimate
    xc, pc = combine_rows(xk, pk, muk, np.arange(k), 6)
    xm = np.einsum("km,kmn->kn", muk, xk)[:, :6]
    np.testing.assert_allclose(xc, xm, rtol=1e-12, atol=1e-12)
    d = xk[:, :, :6] - xm[:, None]
    pm = np.einsum("km,kmij->kij", muk, pk[:, :, :6, :6]) + np.einsum("km,kmi,kmj->kij", muk, d, d)
    np.testing.assert_allclose(pc, pm, rtol=1e-12, atol=1e-9)


def test_predict_cv6_matches_dense_product() -> None:
    rng = np.random.default_rng(13)
    a = rng.normal(size=(5, 6, 6))
    p = a @ np.swapaxes(a, 1, 2)
    x = rng.normal(size=(5, 6))
    dt = np.array([0.0, 0.5, 1.0, 3.0, 10.0])
    xo, po = predict_cv6(x, p, dt, 4.0)
    for i, d in enumerate(dt):
        f, q = cv_matrices(float(d), 4.0)
        np.testing.assert_allclose(xo[i], f @ x[i], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(po[i], f @ p[i] @ f.T + q, rtol=1e-12, atol=1e-9)


def test_inv_sym3_against_numpy() -> None:
    rng = np.random.default_rng(14)
    a = rng.normal(size=(10, 3, 3))
    s = a @ np.swapaxes(a, 1, 2) + np.eye(3)
    inv, det = inv_sym3(s)
    np.testing.assert_allclose(inv, np.linalg.inv(s), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(det, np.linalg.det(s), rtol=1e-10, atol=1e-12)


def test_rae_to_enu_due_east_and_covariance_by_monte_carlo() -> None:
    radar = np.array([1000.0, 2000.0, 50.0])
    z = np.array([[10_000.0, np.pi / 2, 0.0]])  # 10 km due east, on the horizon
    sigma = np.array([20.0, 2e-3, 3e-3])
    pos, cov = rae_to_enu(z, sigma, radar)
    np.testing.assert_allclose(pos[0], [11_000.0, 2000.0, 50.0], rtol=0, atol=1e-6)
    # range error along east; azimuth error along -north (r sigma_az = 20 m); elevation up (30 m)
    assert cov[0, 0, 0] == pytest.approx(400.0, rel=1e-9)
    assert cov[0, 1, 1] == pytest.approx(400.0, rel=1e-9)
    assert cov[0, 2, 2] == pytest.approx(900.0, rel=1e-9)
    # an oblique geometry: sample covariance of converted noisy measurements
    rng = np.random.default_rng(15)
    z0 = np.array([50_000.0, 0.7, 0.1])
    noisy = z0 + rng.normal(size=(200_000, 3)) * sigma
    noisy_before, sigma_before = noisy.copy(), sigma.copy()
    pts, _ = rae_to_enu(noisy, sigma, np.zeros(3))
    _, cov0 = rae_to_enu(z0[None], sigma, np.zeros(3))
    np.testing.assert_allclose(np.cov(pts.T), cov0[0], rtol=0.02, atol=5.0)
    np.testing.assert_array_equal(noisy, noisy_before)  # input untouched
    np.testing.assert_array_equal(sigma, sigma_before)


def test_compiled_rae_to_enu_matches_numpy_conversion() -> None:
    """The compiled conversion (what AirPicture.scan uses for one sigma triple) against
    :func:`rae_to_enu`, over all azimuths and elevations from -0.2 to 1.4 rad."""
    rng = np.random.default_rng(16)
    z = np.column_stack(
        [
            rng.uniform(1e3, 4e5, 500),
            rng.uniform(0.0, 2 * np.pi, 500),
            rng.uniform(-0.2, 1.4, 500),
        ]
    )
    sigma = np.array([35.0, 1.5e-3, 2.5e-3])
    radar = np.array([-3000.0, 12_000.0, 80.0])
    pos, cov = rae_to_enu(z, sigma, radar)
    pos_c, cov_c = rae_to_enu_fast(z, sigma, radar)
    np.testing.assert_allclose(pos_c, pos, rtol=1e-12, atol=1e-6)  # metres
    np.testing.assert_allclose(cov_c, cov, rtol=1e-10, atol=1e-6)  # m^2


def _consistency_run(
    rng: np.random.Generator, n_runs: int, n_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo runs of one CV target each (the runs are far-apart targets in one tracker).

    Truth follows the filter's own model (CWNA, q = 4 m^2/s^3) from a velocity drawn from the
    filter's prior; position measurements with sigma 50 m per axis; Pd = 1, no clutter.
    Returns per-step NEES (n_steps, n_runs) and NIS (n_steps, n_runs).
    """
    q = 4.0
    sigma_m = 50.0
    v_std = 100.0
    cfg = TrackerConfig(
        model="cv",
        process_noise_mps2=2.0,
        init_velocity_std_mps=v_std,
        confirm_m=1,
        confirm_n=1,
        gate_probability=0.999999,
    )
    pic = AirPicture(cfg, ["r"], np.zeros((1, 3)))
    f, qm = cv_matrices(1.0, q)
    chol = np.linalg.cholesky(qm)
    x = np.zeros((n_runs, 6))
    x[:, 0] = np.arange(n_runs) * 1.0e6  # 1000 km apart: independent runs
    x[:, 3:6] = rng.normal(0.0, v_std, (n_runs, 3))
    r = np.eye(3) * sigma_m**2
    nees = np.zeros((n_steps, n_runs))
    nis = np.zeros((n_steps, n_runs))
    truth = np.arange(n_runs)
    for k in range(n_steps):
        if k:
            x = x @ f.T + rng.standard_normal((n_runs, 6)) @ chol.T
            prev = pic.radar_tracks(0)
            order = np.argsort(prev.truth_id)
            xp = prev.x_enu[order] @ f.T
            pp = f @ prev.P[order] @ f.T + qm
        z = x[:, :3] + rng.normal(0.0, sigma_m, (n_runs, 3))
        if k:
            nu = z - xp[:, :3]
            s = pp[:, :3, :3] + r
            nis[k] = np.einsum("ki,kij,kj->k", nu, np.linalg.inv(s), nu)
        pic.scan_enu(float(k), 0, z, r, truth)
        tr = pic.radar_tracks(0)
        assert len(tr) == n_runs
        order = np.argsort(tr.truth_id)
        e = tr.x_enu[order] - x
        nees[k] = np.einsum("ki,kij,kj->k", e, np.linalg.inv(tr.P[order]), e)
    return nees, nis


def test_nees_and_nis_inside_chi_square_bounds_over_monte_carlo_runs() -> None:
    """Bar-Shalom et al. 2001 sec. 5.4: the run-averaged NEES (6 dof) and NIS (3 dof) lie in
    their 95 % two-sided chi-square acceptance intervals at about 95 % of the time steps."""
    n_runs, n_steps = 100, 40
    nees, nis = _consistency_run(np.random.default_rng(2024), n_runs, n_steps)
    lo6, hi6 = chi2.ppf([0.025, 0.975], 6 * n_runs) / n_runs
    lo3, hi3 = chi2.ppf([0.025, 0.975], 3 * n_runs) / n_runs
    mean_nees = nees[1:].mean(axis=1)  # step 0: the track is the measurement itself
    mean_nis = nis[1:].mean(axis=1)
    inside_nees = np.mean((mean_nees > lo6) & (mean_nees < hi6))
    inside_nis = np.mean((mean_nis > lo3) & (mean_nis < hi3))
    assert inside_nees >= 0.85
    assert inside_nis >= 0.85
    assert nees[1:].mean() == pytest.approx(6.0, rel=0.05, abs=0.0)
    assert nis[1:].mean() == pytest.approx(3.0, rel=0.05, abs=0.0)


def test_overconfident_filter_fails_the_nees_test() -> None:
    """The same check rejects a filter whose process noise is far too small."""
    rng = np.random.default_rng(7)
    cfg = TrackerConfig(model="cv", process_noise_mps2=0.05, confirm_m=1, confirm_n=1)
    pic = AirPicture(cfg, ["r"], np.zeros((1, 3)))
    n = 50
    x = np.zeros((n, 6))
    x[:, 0] = np.arange(n) * 1.0e6
    f, qm = cv_matrices(1.0, 100.0)  # truth manoeuvres with q = 100 m^2/s^3
    chol = np.linalg.cholesky(qm)
    r = np.eye(3) * 2500.0
    nees = []
    for k in range(40):
        if k:
            x = x @ f.T + rng.standard_normal((n, 6)) @ chol.T
        pic.scan_enu(float(k), 0, x[:, :3] + rng.normal(0, 50.0, (n, 3)), r, np.arange(n))
        tr = pic.radar_tracks(0)
        o = np.argsort(tr.truth_id)
        e = tr.x_enu[o] - x[tr.truth_id[o]]
        nees.append(np.einsum("ki,kij,kj->k", e, np.linalg.inv(tr.P[o]), e).mean())
    assert np.mean(nees[10:]) > chi2.ppf(0.975, 6 * n) / n
