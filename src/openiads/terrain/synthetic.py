"""Synthetic terrain for tests, benchmarks and examples: hills, a ridge, a valley.

Nothing here stands for a real place. The generators are deterministic given their
``numpy.random.Generator`` and return heights in metres on a (rows, cols) grid, row 0 at the
north edge (the GeoTIFF convention).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def fractal_terrain(
    shape: tuple[int, int],
    cell_m: float,
    rng: np.random.Generator,
    *,
    relief_m: float = 400.0,
    beta: float = 3.2,
    base_m: float = 200.0,
) -> np.ndarray:
    """Rolling hills: Gaussian random field with a power-law spectrum (spectral synthesis).

    ``beta`` is the spectral exponent (about 3 for natural landscapes); the result is scaled to
    ``relief_m`` between its lowest and highest point, on top of ``base_m``.
    """
    ny, nx = shape
    fy = np.fft.fftfreq(ny, d=cell_m)[:, None]
    fx = np.fft.rfftfreq(nx, d=cell_m)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = np.inf
    amplitude = f ** (-beta / 2.0)
    noise = rng.standard_normal((ny, nx // 2 + 1)) + 1j * rng.standard_normal((ny, nx // 2 + 1))
    field = np.fft.irfft2(noise * amplitude, s=(ny, nx))
    field -= field.min()
    field *= relief_m / max(float(field.max()), 1e-12)
    return np.asarray(field + base_m, dtype=np.float64)


def ridge(
    shape: tuple[int, int],
    cell_m: float,
    *,
    col: float,
    height_m: float,
    half_width_m: float,
    base_m: float = 0.0,
) -> np.ndarray:
    """Flat ground at ``base_m`` with one north-south triangular ridge centred on column ``col``."""
    ny, nx = shape
    x_m = (np.arange(nx) - col) * cell_m
    profile = height_m * np.clip(1.0 - np.abs(x_m) / half_width_m, 0.0, None)
    return np.broadcast_to(base_m + profile, (ny, nx)).astype(np.float64)


def valley(
    shape: tuple[int, int],
    cell_m: float,
    *,
    col: float,
    depth_m: float,
    half_width_m: float,
    base_m: float = 300.0,
) -> np.ndarray:
    """A plateau at ``base_m`` cut by a straight north-south V valley ``depth_m`` deep."""
    return ridge(
        shape, cell_m, col=col, height_m=-depth_m, half_width_m=half_width_m, base_m=base_m
    )


def write_projected_geotiff(
    path: str | Path,
    heights_m: np.ndarray,
    *,
    cell_m: float,
    west_m: float,
    north_m: float,
    crs: str = "EPSG:32640",
    nodata: float | None = None,
) -> Path:
    """Write ``heights_m`` as a float32 GeoTIFF with square cells in a projected CRS."""
    import rasterio

    from openiads.terrain.dem import north_up_transform

    path = Path(path)
    ny, nx = heights_m.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=nx,
        height=ny,
        count=1,
        dtype="float32",
        crs=crs,
        transform=north_up_transform(west_m, north_m, cell_m, cell_m),
        nodata=nodata,
    ) as dst:
        dst.write(heights_m.astype(np.float32), 1)
    return path
