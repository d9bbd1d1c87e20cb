"""openiads' multi-target tracker against Stone Soup on identical detections.

Truth: ``--targets`` 2-D nearly-constant-velocity targets (white-noise acceleration of
spectral density ``--q`` m^2/s^3), starting uniformly in a square of half-width
``--start-m`` with velocities N(0, ``--speed-std-mps``^2) per axis, all present for the whole
run. Detections: every ``--dt-s`` one scan; each target detected with probability ``--pd``
with Gaussian position noise ``--sigma-m`` per axis; Poisson(``--clutter``) false alarms
uniform over the surveillance square of half-width ``--region-m``.

Both trackers get the same detections, the same motion and measurement models and the same
track-management thresholds:

* Stone Soup 1.9 (its fastest standard configuration): KalmanPredictor / KalmanUpdater,
  DistanceHypothesiser(Mahalanobis, missed_distance 3), DetectionKDTreeGNN2D (5 km ball),
  MultiMeasurementInitiator(min_points 3, UpdateTimeStepsDeleter 5), MultiTargetTracker
  with UpdateTimeStepsDeleter(5).
* openiads: ``AirPicture.scan_enu`` with one radar, ``TrackerConfig(model="cv",
  process_noise_mps2=sqrt(q), gate at d^2 = 9, confirm 3 of 5, delete after 5 misses)``;
  measurements enter as 3-D positions with the up coordinate 0.

Mean OSPA (c = 500 m, p = 1) over all scans is computed for both by
:func:`openiads.tracking.ospa` from the positions of the tracks each tracker reports at each
scan (Stone Soup: its current tracks; openiads: its confirmed tracks). Wall times cover the
tracking loop only (detections are built before the clock starts, for both; openiads'
compiled kernels are loaded from numba's cache by a short warm-up run before its clock).

Prints one JSON object. ``--skip-stonesoup`` runs openiads alone (for large cases).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import sys
import time
from typing import Any

import numpy as np
from scipy.stats import chi2

from openiads.tracking import AirPicture, TrackerConfig, gospa, ospa


def make_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """Truth positions per scan and the detections of every scan (identical for both)."""
    rng = np.random.default_rng(np.random.SeedSequence(args.seed))
    n, steps, dt_s = args.targets, args.scans, args.dt_s
    pos = rng.uniform(-args.start_m, args.start_m, (n, 2))
    vel = rng.normal(0.0, args.speed_std_mps, (n, 2))
    # exact discretisation of the CWNA model, per axis
    q = args.q
    cov = q * np.array([[dt_s**3 / 3.0, dt_s**2 / 2.0], [dt_s**2 / 2.0, dt_s]])
    chol = np.linalg.cholesky(cov)
    truth = np.empty((steps, n, 2))
    dets: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(steps):
        if k:
            w = rng.standard_normal((n, 2, 2)) @ chol.T  # (n, axis, [pos, vel])
            pos = pos + dt_s * vel + w[:, :, 0]
            vel = vel + w[:, :, 1]
        truth[k] = pos
        seen = rng.random(n) < args.pd
        z = pos[seen] + rng.normal(0.0, args.sigma_m, (int(seen.sum()), 2))
        nc = rng.poisson(args.clutter)
        zc = rng.uniform(-args.region_m, args.region_m, (nc, 2))
        tid = np.concatenate([np.flatnonzero(seen), np.full(nc, -1)]).astype(np.int64)
        dets.append((np.concatenate([z, zc]), tid))
    return {"truth": truth, "dets": dets}


def _mean_distances(
    args: argparse.Namespace, estimates: list, truth: np.ndarray
) -> dict[str, float]:
    """Mean OSPA and mean GOSPA (alpha 2, same c and p) of the estimates over the scans."""
    pairs = list(zip(estimates, truth, strict=True))
    c, p = args.ospa_c_m, args.ospa_p
    return {
        "mean_ospa_m": float(np.mean([ospa(e, t, c=c, p=p) for e, t in pairs])),
        "mean_gospa_m": float(np.mean([gospa(e, t, c=c, p=p)["gospa"] for e, t in pairs])),
    }


def warm_up() -> None:
    """Load openiads' compiled kernels (numba cache) before any clock starts."""
    pic = AirPicture(TrackerConfig(model="imm"), ["a", "b"], np.zeros((2, 3)))
    pic_cv = AirPicture(TrackerConfig(model="cv"), ["a"], np.zeros((1, 3)))
    z = np.array([[1000.0, 0.0, 0.0], [0.0, 5000.0, 0.0]])
    for k in range(4):
        zk = z + 10.0 * k
        for p in (pic, pic_cv):
            p.scan_enu(float(k), 0, zk, np.eye(3) * 100.0, np.array([0, 1]))
            p.fuse(float(k))
            p.fused_tracks(float(k))
        pic.scan_enu(float(k), 1, zk, np.eye(3) * 100.0, np.array([0, 1]))


def run_openiads(args: argparse.Namespace, sc: dict[str, Any]) -> dict[str, Any]:
    cfg = TrackerConfig(
        model=args.model,
        process_noise_mps2=math.sqrt(args.q),
        gate_probability=float(chi2.cdf(9.0, 3)),
        init_velocity_std_mps=args.init_velocity_std_mps,
        confirm_m=3,
        confirm_n=5,
        delete_after_misses=5,
    )
    pic = AirPicture(cfg, ["radar"], np.zeros((1, 3)))
    r = np.diag([args.sigma_m**2] * 3)
    inputs = []
    for z2, tid in sc["dets"]:
        z = np.zeros((z2.shape[0], 3))
        z[:, :2] = z2
        inputs.append((z, np.broadcast_to(r, (z.shape[0], 3, 3)), tid))
    estimates = []
    t0 = time.perf_counter()
    for k, (z, rr, tid) in enumerate(inputs):
        pic.scan_enu(k * args.dt_s, 0, z, rr, tid)
        tr = pic.radars[0].tracks
        estimates.append(tr.x[tr.active & tr.confirmed, 0, :2].copy())
    wall = time.perf_counter() - t0
    m = pic.metrics()["radars"]["radar"]
    return {
        "wall_s": wall,
        "ms_per_scan": 1e3 * wall / len(inputs),
        **_mean_distances(args, estimates, sc["truth"]),
        "tracks_confirmed": m["tracks_confirmed"],
        "purity": m["purity"],
        "id_swaps": m["id_swaps"],
        "breaks": m["breaks"],
        "false_tracks": m["false_tracks"],
    }


def run_stonesoup(args: argparse.Namespace, sc: dict[str, Any]) -> dict[str, Any]:
    import stonesoup
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Clutter, Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(args.q), ConstantVelocity(args.q)]
    )
    meas_model = LinearGaussian(
        ndim_state=4, mapping=(0, 2), noise_covar=np.diag([args.sigma_m**2] * 2)
    )
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(meas_model)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=3
    )
    associator = DetectionKDTreeGNN2D(
        hypothesiser=hypothesiser, predictor=predictor, updater=updater, max_distance=5000.0
    )
    v2 = args.init_velocity_std_mps**2
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, v2, 0.0, v2])),
        measurement_model=meas_model,
        deleter=UpdateTimeStepsDeleter(5),
        data_associator=associator,
        updater=updater,
        min_points=3,
    )
    epoch = dt.datetime(2026, 1, 1)
    scans = []
    for k, (z2, tid) in enumerate(sc["dets"]):
        stamp = epoch + dt.timedelta(seconds=k * args.dt_s)
        dets = set()
        for zz, t in zip(z2, tid, strict=True):
            vec = zz.reshape(2, 1)
            if t >= 0:
                dets.add(Detection(vec, timestamp=stamp, measurement_model=meas_model))
            else:
                dets.add(Clutter(vec, timestamp=stamp, measurement_model=meas_model))
        scans.append((stamp, dets))
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(5),
        detector=scans,
        data_associator=associator,
        updater=updater,
    )
    estimates = []
    seen: set[str] = set()
    t0 = time.perf_counter()
    for _, tracks in tracker:
        estimates.append(
            np.array([[tr.state_vector[0, 0], tr.state_vector[2, 0]] for tr in tracks]).reshape(
                -1, 2
            )
        )
        seen.update(tr.id for tr in tracks)
    wall = time.perf_counter() - t0
    return {
        "version": stonesoup.__version__,
        "wall_s": wall,
        "ms_per_scan": 1e3 * wall / len(scans),
        **_mean_distances(args, estimates, sc["truth"]),
        "tracks_confirmed": len(seen),
    }


def run_picture(args: argparse.Namespace) -> dict[str, Any]:
    """openiads alone: the whole air picture the engine uses, in 3-D, several radars.

    ``--picture-radars`` radars on a 100 km square, each scanning every
    ``--picture-period-s`` (staggered), range/azimuth/elevation noise 50 m / 2 mrad /
    3 mrad, Pd and clutter as above; the targets of the main case at 100 m to 10 km
    altitude. Times every radar scan (conversion, tracking, fold into the fused picture)
    and every once-a-second ``fuse`` + ``fused_tracks``; OSPA of the fused picture in 3-D.
    """
    rng = np.random.default_rng(np.random.SeedSequence([args.seed, 1]))
    n_rad = args.picture_radars
    radars = np.column_stack(
        [rng.uniform(-50e3, 50e3, n_rad), rng.uniform(-50e3, 50e3, n_rad), np.zeros(n_rad)]
    )
    period = args.picture_period_s
    steps = args.scans
    n = args.targets
    x0 = np.column_stack(
        [
            rng.uniform(-args.start_m, args.start_m, (n, 2)),
            rng.uniform(100.0, 10_000.0, n),
        ]
    )
    v = np.column_stack([rng.normal(0.0, args.speed_std_mps, (n, 2)), np.zeros(n)])
    sigma = np.array([50.0, 2e-3, 3e-3])
    cfg = TrackerConfig(model=args.model)
    pic = AirPicture(cfg, [f"r{i}" for i in range(n_rad)], radars)
    scan_s, fuse_s, n_scans, ospas = 0.0, 0.0, 0, []
    for k in range(steps):
        t = float(k)
        truth = x0 + v * t
        for r in range(n_rad):
            if (k + r) % int(period):
                continue
            seen = np.flatnonzero(rng.random(n) < args.pd)
            d = truth[seen] - radars[r]
            rng_m = np.linalg.norm(d, axis=1)
            z = (
                np.column_stack([rng_m, np.arctan2(d[:, 0], d[:, 1]), np.arcsin(d[:, 2] / rng_m)])
                + rng.normal(size=(seen.size, 3)) * sigma
            )
            nc = rng.poisson(args.clutter)
            zc = np.column_stack(
                [
                    rng.uniform(1e3, 2.5e5, nc),
                    rng.uniform(0.0, 2 * np.pi, nc),
                    rng.uniform(0.0, 0.1, nc),
                ]
            )
            zz = np.concatenate([z, zc])
            tid = np.concatenate([seen, np.full(nc, -1)]).astype(np.int64)
            t0 = time.perf_counter()
            pic.scan(t, r, zz, sigma, tid)
            scan_s += time.perf_counter() - t0
            n_scans += 1
        t0 = time.perf_counter()
        pic.fuse(t)
        fused = pic.fused_tracks(t)
        fuse_s += time.perf_counter() - t0
        ospas.append(ospa(fused.x_enu[:, :3], truth, c=args.ospa_c_m, p=args.ospa_p))
    m = pic.metrics()["fused"]
    return {
        "radars": n_rad,
        "scan_period_s": period,
        "ms_per_radar_scan": 1e3 * scan_s / max(n_scans, 1),
        "ms_per_fuse_and_fused_tracks": 1e3 * fuse_s / steps,
        "ms_per_simulated_second": 1e3 * (scan_s + fuse_s) / steps,
        "mean_fused_ospa_m_after_60_s": float(np.mean(ospas[60:])) if steps > 60 else None,
        "fused_tracks_confirmed": m["tracks_confirmed"],
        "fused_purity": m["purity"],
        "fused_id_swaps": m["id_swaps"],
        "fused_breaks": m["breaks"],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=100)
    ap.add_argument("--scans", type=int, default=300)
    ap.add_argument("--dt-s", type=float, default=1.0, help="scan period, s")
    ap.add_argument("--pd", type=float, default=0.9, help="probability of detection")
    ap.add_argument("--clutter", type=float, default=20.0, help="mean false alarms per scan")
    ap.add_argument("--sigma-m", type=float, default=50.0, help="position noise per axis, m")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--q", type=float, default=1.0, help="truth and filter CWNA PSD, m^2/s^3")
    ap.add_argument("--region-m", type=float, default=150e3, help="clutter square half-width")
    ap.add_argument("--start-m", type=float, default=100e3, help="start square half-width")
    ap.add_argument("--speed-std-mps", type=float, default=150.0)
    ap.add_argument("--init-velocity-std-mps", type=float, default=300.0)
    ap.add_argument("--model", choices=["cv", "ca", "imm"], default="cv", help="openiads model")
    ap.add_argument("--ospa-c-m", type=float, default=500.0)
    ap.add_argument("--ospa-p", type=float, default=1.0)
    ap.add_argument("--skip-stonesoup", action="store_true", help="run openiads alone")
    ap.add_argument(
        "--picture-radars",
        type=int,
        default=0,
        help="also time openiads' multi-radar 3-D air picture with this many radars",
    )
    ap.add_argument("--picture-period-s", type=float, default=5.0, help="their scan period")
    args = ap.parse_args(argv)

    sc = make_scenario(args)
    warm_up()
    out: dict[str, Any] = {
        "case": {k: v for k, v in vars(args).items() if k != "skip_stonesoup"},
        "openiads_config": "TrackerConfig(model=case.model, process_noise_mps2=sqrt(q), "
        "gate d^2 < 9, confirm 3 of 5, delete after 5 misses)",
        "detections": int(sum(d[0].shape[0] for d in sc["dets"])),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    out["openiads"] = run_openiads(args, sc)
    if not args.skip_stonesoup:
        out["stonesoup"] = run_stonesoup(args, sc)
        ss, oi = out["stonesoup"], out["openiads"]
        out["speedup"] = ss["wall_s"] / oi["wall_s"]
        out["ospa_ratio"] = oi["mean_ospa_m"] / ss["mean_ospa_m"]
    if args.picture_radars:
        out["openiads_air_picture"] = run_picture(args)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
