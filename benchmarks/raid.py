"""Saturation raid: N threats against 4 S-400 battalions for 30 simulated minutes.

Prints JSON: wall time, simulated seconds per wall second (real-time factor), peak memory.
Target (issue "end-to-end engagement simulator"): >= 180x real time and <= 1 GB at N = 1,000
on a 2-core machine.

    python benchmarks/raid.py --threats 1000 --minutes 30 --tick 1 --seed 1
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time

import numpy as np

MIX = (  # (type, share, altitude, speed)
    ("Tomahawk", 0.4, "30 m AGL", "250 m/s"),
    ("Shahed-136", 0.3, "100 m AGL", "50 m/s"),
    ("F-16C", 0.15, "FL250", "Mach 0.85"),
    ("F-35A", 0.1, "FL300", "Mach 0.9"),
    ("MQ-9", 0.05, "FL200", "90 m/s"),
)


def raid_scenario(n_threats: int, minutes: float, tick_s: float, seed: int) -> str:
    """A scenario text: 4 S-400 battalions around a city, N threats from four directions."""
    lat0, lon0 = 27.0, 56.0
    rng = np.random.default_rng(seed)
    lines = [
        "schema_version: 1",
        f"name: saturation raid, {n_threats} threats vs 4 S-400 battalions",
        "epoch: 2026-01-01T00:00:00Z",
        f"duration: {minutes} min",
        f"tick: {tick_s} s",
        f"seed: {seed}",
        "sites:",
    ]
    for i, (dlat, dlon) in enumerate(((0.4, 0.4), (0.4, -0.4), (-0.4, 0.4), (-0.4, -0.4))):
        lines += [
            f"  - id: bn{i + 1}",
            "    system: S-400",
            f"    position: {{lat: {lat0 + dlat}, lon: {lon0 + dlon}, alt: 50 m}}",
            "    mast: 25 m",
            "    doctrine: {salvo: 2, shoot_look_shoot: true, max_salvos: 2}",
            "    roe: weapons-tight",
            "    reserve: {48N6E3: 16, 9M96E2: 32}",
        ]
    lines += [
        "defended_areas:",
        "  - id: city",
        f"    circle: {{center: {{lat: {lat0}, lon: {lon0}}}, radius: 20 km}}",
        "raids:",
    ]
    shares = np.array([m[1] for m in MIX])
    counts = np.floor(shares * n_threats).astype(int)
    counts[0] += n_threats - counts.sum()
    k = 0
    for (kind, _, alt, speed), count in zip(MIX, counts, strict=True):
        # split each type over four axes of attack
        per_axis = np.diff(np.linspace(0, count, 5).astype(int))
        for axis, n in enumerate(per_axis):
            if n == 0:
                continue
            bearing = np.deg2rad(45 + 90 * axis + rng.uniform(-20, 20))
            dist_deg = 3.0  # ~300 km out
            lines += [
                f"  - id: r{k}",
                f"    type: {kind}",
                f"    count: {n}",
                f"    from: {{lat: {lat0 + dist_deg * np.cos(bearing):.4f}, "
                f"lon: {lon0 + dist_deg * np.sin(bearing):.4f}}}",
                "    to: city",
                f"    altitude: {alt}",
                f"    speed: {speed}",
                f"    spacing: {max(1.0, 60.0 * minutes / max(n, 1) / 2):.1f} s",
                "    spread: 1 km",
            ]
            k += 1
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threats", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--tick", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trajectories", action="store_true", help="also record trajectories")
    args = parser.parse_args(argv)

    from openiads.engine import simulate
    from openiads.scenario import compile_world, load_scenario_text

    text = raid_scenario(args.threats, args.minutes, args.tick, args.seed)
    t0 = time.perf_counter()
    world = compile_world(load_scenario_text(text, "raid.yaml"))
    t1 = time.perf_counter()
    outcome = simulate(world, args.seed, trajectory_dt_s=5.0 if args.trajectories else None)
    t2 = time.perf_counter()
    s = outcome.summary
    sim_s = args.minutes * 60.0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "benchmark": "raid",
                "threats": args.threats,
                "battalions": 4,
                "simulated_s": sim_s,
                "tick_s": args.tick,
                "compile_wall_s": round(t1 - t0, 3),
                "simulate_wall_s": round(t2 - t1, 3),
                "real_time_factor": round(sim_s / (t2 - t1), 1),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "events": outcome.events.num_rows,
                "kills": s["kills"],
                "leakers": s["leakers"],
                "interceptors_spent": s["interceptors_spent"],
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
