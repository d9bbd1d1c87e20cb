"""Benchmark: a Monte Carlo study of the Hormuz vignette with 1 and with N local workers.

Prints one JSON object: wall time per worker count (whole ``run_study`` call: scenario
loading, compilation, worker start-up, simulation and store writes), replications per second,
time spent writing the store, parallel efficiency ``T(1) / (N · T(N))``, and the machine's
load average before and after (other work on the machine makes the numbers noisy).

    python benchmarks/study.py --runs 1000 --workers 1,2

Targets (issue 4): 1,000 replications ≤ 30 s on a 2-core machine, efficiency ≥ 85 %.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/hormuz-2019.yaml")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--keep-events", action="store_true", help="also store every event")
    ap.add_argument("--out-dir", default=None, help="where the stores go (default: a temp dir)")
    args = ap.parse_args()

    from openiads import __version__
    from openiads.runs.study import StudyRequest, run_study

    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    results = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out_dir) if args.out_dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for w in counts:
            store = folder / f"bench-study-w{w}.duckdb"
            store.unlink(missing_ok=True)
            req = StudyRequest(
                scenario=args.scenario,
                out=store,
                runs=args.runs,
                seed=args.seed,
                workers=w,
                keep=["events"] if args.keep_events else [],
            )
            load = os.getloadavg()
            t0 = time.perf_counter()
            res = run_study(req, progress=False)
            wall = time.perf_counter() - t0
            results.append(
                {
                    "workers": w,
                    "wall_s": round(wall, 3),
                    "replications": res.stored,
                    "failed": res.failed,
                    "replications_per_s": round(res.stored_now / wall, 2),
                    "store_write_s": round(res.store_s, 3),
                    "load_avg_1min_at_start": round(load[0], 2),
                    "executor": res.executor,
                }
            )
    base = next((r for r in results if r["workers"] == 1), None)
    for r in results:
        if base is not None and r["workers"] > 1:
            r["speedup"] = round(base["wall_s"] / r["wall_s"], 3)
            r["parallel_efficiency"] = round(base["wall_s"] / (r["workers"] * r["wall_s"]), 3)
    print(
        json.dumps(
            {
                "benchmark": "study",
                "scenario": args.scenario,
                "runs": args.runs,
                "seed": args.seed,
                "keep_events": args.keep_events,
                "openiads": __version__,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "load_avg_before": [round(x, 2) for x in load_before],
                "load_avg_after": [round(x, 2) for x in os.getloadavg()],
                "results": results,
                "targets": {"wall_s_1000_runs_2_cores": 30.0, "parallel_efficiency": 0.85},
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
