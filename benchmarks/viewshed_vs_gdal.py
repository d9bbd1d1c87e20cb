"""openiads's one-pass minimum-visible-height viewshed against GDAL's ``gdal_viewshed``.

Generates a synthetic DEM GeoTIFF (fractal hills, UTM zone 40N), runs
``gdal_viewshed -cc 0.75 -om GROUND`` from an observer at the centre and the openiads sweep
from the same cell, and prints JSON: visible/not-visible agreement at several target heights
(cells within the max distance), height differences, wall times of one run each, and the time
for N target heights (openiads: one sweep then N thresholds, reading the DEM and writing a
GeoTIFF included; GDAL: N runs of ``-om NORMAL -tz h``).

    python benchmarks/viewshed_vs_gdal.py --size 2000 --seed 3 --observer-height 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _run_gdal(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="DEM side, cells")
    parser.add_argument("--cell", type=float, default=30.0, help="cell size, m")
    parser.add_argument("--seed", type=int, default=3, help="terrain seed")
    parser.add_argument("--relief", type=float, default=400.0, help="terrain relief, m")
    parser.add_argument("--observer-height", type=float, default=10.0, help="antenna AGL, m")
    parser.add_argument(
        "--max-distance",
        type=float,
        default=None,
        help="max distance, m (default: half the DEM side minus one cell)",
    )
    parser.add_argument("--cc", type=float, default=0.75, help="GDAL curvature coefficient (1/k)")
    parser.add_argument(
        "--heights",
        type=str,
        default="0,50,100,500",
        help="target heights AGL for the agreement, m, comma-separated",
    )
    parser.add_argument(
        "--n-heights", type=int, default=10, help="target heights for the many-heights timing"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best is kept)")
    parser.add_argument("--gdal", default=shutil.which("gdal_viewshed") or "gdal_viewshed")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    args = parser.parse_args(argv)

    import rasterio

    from openiads.terrain import WGS84_A_M, min_visible_height_grid, visibility_bands
    from openiads.terrain.dem import north_up_transform
    from openiads.terrain.synthetic import fractal_terrain, write_projected_geotiff

    if shutil.which(args.gdal) is None:
        print(json.dumps({"error": f"{args.gdal} not found; install gdal-bin"}))
        return 2

    work = args.workdir or Path(tempfile.mkdtemp(prefix="viewshed-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n, cell = args.size, args.cell
    west, north = 400_000.0, 3_000_000.0
    heights = fractal_terrain((n, n), cell, np.random.default_rng(args.seed), relief_m=args.relief)
    dem_path = write_projected_geotiff(
        work / "dem.tif", heights, cell_m=cell, west_m=west, north_m=north
    )
    r0 = c0 = n // 2
    ox = west + (c0 + 0.5) * cell
    oy = north - (r0 + 0.5) * cell
    max_distance = args.max_distance if args.max_distance else (n // 2 - 1) * cell
    k = 1.0 / args.cc if args.cc > 0 else float("inf")
    common = [args.gdal, "-q", "-ox", str(ox), "-oy", str(oy), "-oz", str(args.observer_height)]
    common += ["-cc", str(args.cc), "-md", str(max_distance)]

    # --- GDAL: one -om GROUND run (minimum visible height), best of repeats
    gdal_out = work / "gdal_ground.tif"
    gdal_ground_s = min(
        _run_gdal([*common, "-om", "GROUND", str(dem_path), str(gdal_out)])
        for _ in range(args.repeat)
    )
    with rasterio.open(gdal_out) as ds:
        gdal_min = ds.read(1).astype(np.float64)
        col_off = round((ds.transform.c - west) / cell)
        row_off = round((north - ds.transform.f) / cell)
    # --- GDAL: one binary run (-om NORMAL), the usual single-height use
    gdal_normal_s = min(
        _run_gdal([*common, "-tz", "0", str(dem_path), str(work / "gdal_normal.tif")])
        for _ in range(args.repeat)
    )

    # --- openiads: compile once (cached by numba), then time
    visibility_bands(min_visible_height_grid(np.zeros((4, 4)), 1, 1, 1.0, cell, cell), [0.0])

    def sweep(dem: np.ndarray, gdal36_neighbours: bool = False) -> np.ndarray:
        return min_visible_height_grid(
            dem,
            r0,
            c0,
            args.observer_height,
            cell,
            cell,
            k=k,
            earth_radius_m=WGS84_A_M,
            max_distance_m=max_distance,
            gdal36_neighbours=gdal36_neighbours,
        )

    def openiads_pass() -> np.ndarray:
        with rasterio.open(dem_path) as src:
            return sweep(src.read(1))

    compute_times = []
    with rasterio.open(dem_path) as src:
        dem32 = src.read(1)
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ours_full = sweep(dem32)
        compute_times.append(time.perf_counter() - t0)

    profile = {
        "driver": "GTiff",
        "width": n,
        "height": n,
        "dtype": "float32",
        "count": 1,
        "crs": "EPSG:32640",
        "transform": north_up_transform(west, north, cell, cell),
    }
    heights_list = np.linspace(0.0, 500.0, args.n_heights)

    def openiads_end_to_end(n_heights: int) -> float:
        t0 = time.perf_counter()
        grid = openiads_pass()
        if n_heights == 0:
            with rasterio.open(work / "ours_min.tif", "w", **profile) as dst:
                dst.write(grid, 1)
        else:
            # One Byte band per height, 255 visible / 0 not, as GDAL's -om NORMAL writes.
            masks = {**profile, "dtype": "uint8", "count": n_heights}
            with rasterio.open(work / "ours_masks.tif", "w", **masks) as dst:
                dst.write(visibility_bands(grid, heights_list[:n_heights]))
        return time.perf_counter() - t0

    ours_one_s = min(openiads_end_to_end(0) for _ in range(args.repeat))
    ours_many_s = min(openiads_end_to_end(args.n_heights) for _ in range(args.repeat))
    gdal_many_s = 0.0
    for h in heights_list:
        gdal_many_s += _run_gdal([*common, "-tz", str(h), str(dem_path), str(work / "g_h.tif")])

    window = (
        slice(row_off, row_off + gdal_min.shape[0]),
        slice(col_off, col_off + gdal_min.shape[1]),
    )
    ours = ours_full[window]
    inside = np.isfinite(ours)
    heights_cmp = [float(x) for x in args.heights.split(",")]

    def agreement_of(grid: np.ndarray) -> dict[str, float]:
        return {
            f"{h:g}": round(float(np.mean((gdal_min[inside] <= h) == (grid[inside] <= h))), 6)
            for h in heights_cmp
        }

    agreement = agreement_of(ours)
    diff = np.abs(gdal_min[inside] - ours[inside].astype(np.float64))
    # The same sweep with GDAL 3.6's handling of the observer's neighbours (ground, not eye).
    compat = sweep(dem32, gdal36_neighbours=True)[window]
    compat_diff = np.abs(gdal_min[inside] - compat[inside].astype(np.float64))

    result = {
        "benchmark": "viewshed_vs_gdal",
        "size": n,
        "cell_m": cell,
        "seed": args.seed,
        "observer_height_m": args.observer_height,
        "max_distance_m": max_distance,
        "cc": args.cc,
        "cells_compared": int(inside.sum()),
        "agreement_by_target_height_m": agreement,
        "height_diff_max_m": float(diff.max()),
        "height_diff_mean_m": float(diff.mean()),
        "height_diff_p999_m": float(np.quantile(diff, 0.999)),
        "cells_differing_over_1cm": int(np.sum(diff > 0.01)),
        "gdal36_neighbours_agreement_by_target_height_m": agreement_of(compat),
        "gdal36_neighbours_height_diff_max_m": float(compat_diff.max()),
        "gdal_ground_one_run_s": round(gdal_ground_s, 4),
        "gdal_normal_one_run_s": round(gdal_normal_s, 4),
        "openiads_sweep_compute_s": round(min(compute_times), 4),
        "openiads_one_pass_read_compute_write_s": round(ours_one_s, 4),
        "n_heights": args.n_heights,
        "gdal_n_runs_s": round(gdal_many_s, 4),
        "openiads_n_heights_s": round(ours_many_s, 4),
        "speedup_n_heights": round(gdal_many_s / ours_many_s, 2),
        "speedup_one_pass_vs_gdal_ground": round(gdal_ground_s / ours_one_s, 2),
        "gdal_version": subprocess.run(
            ["gdalinfo", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if shutil.which("gdalinfo")
        else None,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg_1min": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
