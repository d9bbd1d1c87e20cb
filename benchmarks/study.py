"""Benchmark: a Monte Carlo study of the Hormuz vignette with 1 and with N local workers.

Each worker count runs in a fresh Python process, as ``openiads study`` would, and the whole
call is timed: imports, scenario loading, compilation, worker start-up, simulation and store
writes. Prints one JSON object: wall time per worker count, replications per second, time
spent writing the store, the mean time of one replication inside a worker, parallel
efficiency ``T(1) / (N · T(N))``, and the machine's load average before and after each run
(other work on the machine makes the numbers noisy: say so when quoting them). It also
measures the machine's own ceiling: how much faster N processes running a fixed pure-Python
loop are than one (virtual CPUs are not always that many cores' worth of throughput), and
reports the study's speed-up against it.

    python benchmarks/study.py --runs 1000 --workers 1,2

Targets (issue 4): 1,000 replications ≤ 30 s on a 2-core machine, efficiency ≥ 85 %.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _spin(n: int) -> float:
    """A fixed pure-Python CPU load; returns its duration in seconds."""
    t0 = time.perf_counter()
    acc = 0
    for i in range(n):
        acc += i * i
    return time.perf_counter() - t0


def machine_ceiling(workers: int, loops: int = 40_000_000) -> dict[str, float]:
    """How much faster N busy processes are than one on this machine (no openiads involved).

    Two vCPUs are not always two cores' worth of throughput (SMT siblings, shared caches,
    host contention); the study's speed-up should be read against this ceiling.
    """
    import multiprocessing as mp

    one = min(_spin(loops) for _ in range(2))
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pool.map(_spin, [1000] * workers)  # start the processes first
        t0 = time.perf_counter()
        pool.map(_spin, [loops] * workers)
        many = time.perf_counter() - t0
    speedup = workers * one / many
    return {
        "spin_1_process_s": round(one, 3),
        f"spin_{workers}_processes_s": round(many, 3),
        "ceiling_speedup": round(speedup, 3),
        "ceiling_efficiency": round(speedup / workers, 3),
    }


def _child(args: argparse.Namespace) -> int:
    """Run one study in this (fresh) process and print its figures as JSON."""
    t0 = time.perf_counter()
    from openiads.runs.store import RunStore
    from openiads.runs.study import StudyRequest, run_study

    req = StudyRequest(
        scenario=args.scenario,
        out=args.store,
        runs=args.runs,
        seed=args.seed,
        workers=args.child,
        keep=["events"] if args.keep_events else [],
    )
    res = run_study(req, progress=False)
    wall = time.perf_counter() - t0
    with RunStore(args.store, read_only=True) as store:
        reps = store.replications(res.study_id)
        durations = reps["duration_s"].to_pylist()
    print(
        json.dumps(
            {
                "workers": args.child,
                "wall_s": round(wall, 3),
                "study_s": round(res.wall_s, 3),
                "replications": res.stored,
                "failed": res.failed,
                "replications_per_s": round(res.stored_now / wall, 2),
                "store_write_s": round(res.store_s, 3),
                "replication_mean_s": round(sum(durations) / max(len(durations), 1), 4),
                "executor": res.executor,
            }
        )
    )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/hormuz-2019.yaml")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--keep-events", action="store_true", help="also store every event")
    ap.add_argument("--out-dir", default=None, help="where the stores go (default: a temp dir)")
    ap.add_argument(
        "--no-ceiling",
        dest="ceiling",
        action="store_false",
        help="skip measuring the machine's own N-process speed-up on a pure-Python loop",
    )
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--store", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        return _child(args)

    from openiads import __version__

    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    before = {w: machine_ceiling(w) for w in counts if w > 1} if args.ceiling else {}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out_dir) if args.out_dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for w in counts:
            store = folder / f"bench-study-w{w}.duckdb"
            store.unlink(missing_ok=True)
            cmd = [sys.executable, __file__, "--child", str(w), "--store", str(store)]
            cmd += ["--scenario", args.scenario, "--runs", str(args.runs), "--seed", str(args.seed)]
            if args.keep_events:
                cmd.append("--keep-events")
            load_before = os.getloadavg()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row["load_avg_before"] = [round(x, 2) for x in load_before]
            row["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
            results.append(row)
    after = {w: machine_ceiling(w) for w in counts if w > 1} if args.ceiling else {}
    ceilings = {
        w: {
            "before": before[w],
            "after": after[w],
            "ceiling_speedup": round(
                (before[w]["ceiling_speedup"] + after[w]["ceiling_speedup"]) / 2, 3
            ),
        }
        for w in before
    }
    base = next((r for r in results if r["workers"] == 1), None)
    for r in results:
        if base is not None and r["workers"] > 1:
            r["speedup"] = round(base["wall_s"] / r["wall_s"], 3)
            r["parallel_efficiency"] = round(base["wall_s"] / (r["workers"] * r["wall_s"]), 3)
            if r["workers"] in ceilings:
                r["machine"] = ceilings[r["workers"]]
                r["speedup_vs_ceiling"] = round(
                    r["speedup"] / ceilings[r["workers"]]["ceiling_speedup"], 3
                )
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
                "results": results,
                "targets": {"wall_s_1000_runs_2_cores": 30.0, "parallel_efficiency": 0.85},
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
