"""Digital elevation models on a local metric grid around a scenario origin.

:func:`load_dem` reads a GeoTIFF (any CRS GDAL knows, through rasterio) or an SRTM ``.hgt``
tile and resamples it (bilinear) onto a square-cell grid in the azimuthal equidistant
projection centred on the scenario origin: grid x is east, grid y is north, in metres, and the
origin is the centre of one cell. Near the origin this grid coincides with the east/north axes
of the local ENU frame (they differ by about 4 m at 100 km and 110 m at 300 km, because ENU is a
tangent plane); :func:`~openiads.terrain.los.los_visible` converts ENU positions exactly.

Heights are metres above mean sea level as stored in the file (SRTM: EGM96 geoid). The
difference between the geoid and the WGS-84 ellipsoid is ignored: scenario altitudes are read
as above mean sea level too.

Nodata policy (``nodata=`` argument): ``"error"`` (default) refuses a DEM whose grid has any
cell without data, and says how many; ``"fill"`` gives each hole the height of the nearest cell
with data; ``"sea-level"`` sets holes to 0 m (right for sea masked out of a land DEM).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from openiads.errors import InputError

NodataPolicy = Literal["error", "fill", "sea-level"]
NODATA_POLICIES: tuple[str, ...] = ("error", "fill", "sea-level")

_HGT_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})$", re.IGNORECASE)
#: SRTM void marker.
HGT_VOID = -32768


def local_crs_proj4(lat0_deg: float, lon0_deg: float) -> str:
    """PROJ string of the local grid: azimuthal equidistant on WGS-84, centred on the origin."""
    return (
        f"+proj=aeqd +lat_0={lat0_deg:.10f} +lon_0={lon0_deg:.10f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


@dataclass(frozen=True, eq=False)
class Dem:
    """Terrain heights on a regular grid of square cells in the local metric frame.

    ``heights_m[row, col]`` is the height (m above mean sea level) at the centre of the cell
    whose centre lies at east ``west_m + (col + 0.5) * cell_m`` and north
    ``north_m - (row + 0.5) * cell_m``. Row 0 is the northern edge (GeoTIFF order).
    """

    heights_m: np.ndarray
    west_m: float
    north_m: float
    cell_m: float
    lat0_deg: float = 0.0
    lon0_deg: float = 0.0
    alt0_m: float = 0.0
    source: str = "<array>"
    crs: str = field(default="")

    def __post_init__(self) -> None:
        h = np.array(self.heights_m, dtype=np.float64, copy=True)
        if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] < 2:
            raise ValueError(f"heights_m must be a 2-D grid of at least 2x2, got {h.shape}")
        if not np.all(np.isfinite(h)):
            raise ValueError("heights_m has cells without data; fill them (load_dem's nodata)")
        h.setflags(write=False)
        object.__setattr__(self, "heights_m", h)
        if not self.crs:
            object.__setattr__(self, "crs", local_crs_proj4(self.lat0_deg, self.lon0_deg))

    @cached_property
    def max_height_m(self) -> float:
        """Highest terrain on the grid (m MSL)."""
        return float(np.max(self.heights_m))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.heights_m.shape[0]), int(self.heights_m.shape[1]))

    @property
    def east_m(self) -> float:
        return self.west_m + self.shape[1] * self.cell_m

    @property
    def south_m(self) -> float:
        return self.north_m - self.shape[0] * self.cell_m

    def x_centers_m(self) -> np.ndarray:
        """East coordinate of each column's centre."""
        return self.west_m + (np.arange(self.shape[1]) + 0.5) * self.cell_m

    def y_centers_m(self) -> np.ndarray:
        """North coordinate of each row's centre (decreasing: row 0 is north)."""
        return self.north_m - (np.arange(self.shape[0]) + 0.5) * self.cell_m

    def transform(self) -> Any:
        """The grid's affine transform (rasterio convention)."""
        return north_up_transform(self.west_m, self.north_m, self.cell_m, self.cell_m)

    def fractional_index(
        self, east_m: np.ndarray, north_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) as floats, with integer values at cell centres."""
        col = (np.asarray(east_m, dtype=np.float64) - self.west_m) / self.cell_m - 0.5
        row = (self.north_m - np.asarray(north_m, dtype=np.float64)) / self.cell_m - 0.5
        return row, col

    def cell_of(self, east_m: float, north_m: float) -> tuple[int, int]:
        """(row, col) of the cell containing a point; InputError if the point is off the grid."""
        row, col = self.fractional_index(np.asarray(east_m), np.asarray(north_m))
        r, c = int(np.floor(row + 0.5)), int(np.floor(col + 0.5))
        if not (0 <= r < self.shape[0] and 0 <= c < self.shape[1]):
            raise InputError(
                f"point ({east_m:.0f} m east, {north_m:.0f} m north of the origin) lies outside "
                f"the DEM grid (east {self.west_m:.0f}..{self.east_m:.0f} m, north "
                f"{self.south_m:.0f}..{self.north_m:.0f} m)",
                file=self.source if self.source != "<array>" else None,
            )
        return r, c

    def height_at(
        self,
        east_m: np.ndarray | float,
        north_m: np.ndarray | float,
        *,
        outside_m: float = np.nan,
    ) -> np.ndarray:
        """Terrain height (m MSL) at points, bilinear between cell centres.

        Off the grid the result is ``outside_m``: NaN by default (unknown); 0.0 treats the
        world beyond the DEM as sea level, as the line-of-sight test does.
        """
        e = np.asarray(east_m, dtype=np.float64)
        n = np.asarray(north_m, dtype=np.float64)
        e, n = np.broadcast_arrays(e, n)
        row, col = self.fractional_index(e, n)
        ny, nx = self.shape
        inside = (row >= -0.5) & (row <= ny - 0.5) & (col >= -0.5) & (col <= nx - 0.5)
        return np.where(inside, bilinear(self.heights_m, row, col), outside_m)

    def to_geodetic(self, east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates to (lat_deg, lon_deg), WGS-84."""
        from rasterio.warp import transform

        lon, lat = transform(
            self.crs,
            "EPSG:4326",
            np.ravel(east_m).tolist(),
            np.ravel(north_m).tolist(),
        )
        shape = np.shape(east_m)
        return np.reshape(lat, shape), np.reshape(lon, shape)

    def from_geodetic(
        self, lat_deg: np.ndarray, lon_deg: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(lat_deg, lon_deg), WGS-84, to grid coordinates (east_m, north_m)."""
        from rasterio.warp import transform

        x, y = transform(
            "EPSG:4326", self.crs, np.ravel(lon_deg).tolist(), np.ravel(lat_deg).tolist()
        )
        shape = np.shape(lat_deg)
        return np.reshape(x, shape), np.reshape(y, shape)


def bilinear(grid: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``grid`` interpolated (bilinear, float64) at fractional ``(row, col)``, integer values
    at cell centres; positions beyond the outer cell centres take the edge values.

    Only the four neighbours of each point are read, so a float32 grid is never copied whole.
    """
    ny, nx = grid.shape
    r = np.clip(row, 0.0, ny - 1.0)
    c = np.clip(col, 0.0, nx - 1.0)
    r0 = np.minimum(np.floor(r).astype(np.intp), ny - 2)
    c0 = np.minimum(np.floor(c).astype(np.intp), nx - 2)
    fr = r - r0
    fc = c - c0
    top = grid[r0, c0] * (1.0 - fc) + grid[r0, c0 + 1] * fc
    bottom = grid[r0 + 1, c0] * (1.0 - fc) + grid[r0 + 1, c0 + 1] * fc
    return np.asarray(top * (1.0 - fr) + bottom * fr, dtype=np.float64)


def north_up_transform(west: float, north: float, step_x: float, step_y: float) -> Any:
    """Affine transform of a north-up raster (what ``rasterio.transform.from_origin`` makes)."""
    from affine import Affine

    return Affine(step_x, 0.0, west, 0.0, -step_y, north)


# --------------------------------------------------------------------------------------------
# reading


def _read_hgt(path: Path) -> tuple[np.ndarray, Any, str]:
    """An SRTM .hgt tile: big-endian int16, 1201 or 3601 samples square, voids -32768."""
    match = _HGT_NAME.match(path.stem)
    if not match:
        raise InputError(
            "an SRTM .hgt tile must be named like N35E051.hgt (south-west corner)",
            file=str(path),
        )
    lat = int(match.group(2)) * (1 if match.group(1).upper() == "N" else -1)
    lon = int(match.group(4)) * (1 if match.group(3).upper() == "E" else -1)
    raw = np.fromfile(path, dtype=">i2")
    side = math.isqrt(raw.size)
    if side * side != raw.size or side not in (1201, 3601):
        raise InputError(
            f"not an SRTM tile: {raw.size * 2} bytes (expected 1201x1201 or 3601x3601 int16)",
            file=str(path),
        )
    heights = raw.reshape(side, side).astype(np.float64)
    heights[raw.reshape(side, side) == HGT_VOID] = np.nan
    step = 1.0 / (side - 1)
    # Samples sit on whole arc-second posts; cell edges are half a step outside them.
    transform = north_up_transform(lon - step / 2, lat + 1 + step / 2, step, step)
    return heights, transform, "EPSG:4326"


def _read_geotiff(path: Path) -> tuple[np.ndarray, Any, Any]:
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(
                    "the DEM has no coordinate reference system; give it one "
                    "(e.g. gdal_edit.py -a_srs EPSG:4326)",
                    file=str(path),
                )
            band = src.read(1, masked=True).astype(np.float64)
            heights = np.ma.filled(band, np.nan)
            return heights, src.transform, src.crs
    except RasterioIOError as exc:
        raise InputError(f"cannot read the DEM: {exc}", file=str(path)) from None


def _native_cell_m(transform: Any, crs: Any, lat_deg: float) -> float:
    from rasterio.crs import CRS

    crs = CRS.from_user_input(crs)
    dx, dy = abs(transform.a), abs(transform.e)
    if crs.is_geographic:
        # Length of a degree on WGS-84 at this latitude (meridional and parallel arcs).
        phi = math.radians(lat_deg)
        m_per_deg_lat = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
        m_per_deg_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
        return min(dx * m_per_deg_lon, dy * m_per_deg_lat)
    factor = crs.linear_units_factor[1] if crs.linear_units_factor else 1.0
    return min(dx, dy) * factor


def load_dem(
    path: str | Path,
    lat0_deg: float,
    lon0_deg: float,
    alt0_m: float = 0.0,
    half_size_m: float | None = None,
    *,
    cell_m: float | None = None,
    nodata: NodataPolicy = "error",
) -> Dem:
    """Read a DEM and resample it onto the local metric grid around the origin.

    ``path`` is a GeoTIFF (or any raster GDAL reads, with a CRS) or an SRTM ``.hgt`` tile.
    The grid is centred on the origin (``lat0_deg``, ``lon0_deg``), keeps the largest
    east/north-aligned rectangle that the source covers, cut to ``half_size_m`` either side of
    the origin when given, with cells of ``cell_m`` (default: the source's resolution in
    metres at the origin). Raises :class:`~openiads.errors.InputError` for a missing or
    unreadable file, a raster without CRS, an origin outside the DEM, and (with
    ``nodata="error"``) cells without data.
    """
    import rasterio.warp
    from rasterio.crs import CRS
    from rasterio.enums import Resampling

    path = Path(path)
    if nodata not in NODATA_POLICIES:
        raise InputError(
            f"unknown nodata policy {nodata!r}; expected one of {', '.join(NODATA_POLICIES)}",
            field="nodata",
        )
    if not path.is_file():
        raise InputError("DEM file not found", file=str(path))
    if path.suffix.lower() == ".hgt":
        src_heights, src_transform, src_crs = _read_hgt(path)
    else:
        src_heights, src_transform, src_crs = _read_geotiff(path)

    dst_crs = local_crs_proj4(lat0_deg, lon0_deg)
    ny, nx = src_heights.shape
    south, west, north, east = _bounds(src_transform, ny, nx)
    # Is the origin inside the source raster?
    (ox,), (oy,) = rasterio.warp.transform("EPSG:4326", src_crs, [lon0_deg], [lat0_deg])
    if not (west <= ox <= east and south <= oy <= north):
        raise InputError(
            f"the scenario origin ({lat0_deg:.5f}, {lon0_deg:.5f}) lies outside the DEM",
            file=str(path),
        )

    # The source footprint in the local frame, densified along its edges; keep the largest
    # axis-aligned rectangle inside it so that no cell of the grid falls off the source.
    t = np.linspace(0.0, 1.0, 101)
    edges = {
        "west": (np.full_like(t, west), south + t * (north - south)),
        "east": (np.full_like(t, east), south + t * (north - south)),
        "south": (west + t * (east - west), np.full_like(t, south)),
        "north": (west + t * (east - west), np.full_like(t, north)),
    }
    local = {
        k: rasterio.warp.transform(src_crs, dst_crs, xs.tolist(), ys.tolist())
        for k, (xs, ys) in edges.items()
    }
    x_min = max(local["west"][0])
    x_max = min(local["east"][0])
    y_min = max(local["south"][1])
    y_max = min(local["north"][1])
    if half_size_m is not None:
        x_min, x_max = max(x_min, -half_size_m), min(x_max, half_size_m)
        y_min, y_max = max(y_min, -half_size_m), min(y_max, half_size_m)

    lat_mid = lat0_deg
    size_m = float(cell_m) if cell_m else _native_cell_m(src_transform, src_crs, lat_mid)
    if not size_m > 0:
        raise InputError(f"cell size must be positive, got {size_m}", field="cell_m")
    n_west = math.floor(-x_min / size_m - 0.5)
    n_east = math.floor(x_max / size_m - 0.5)
    n_south = math.floor(-y_min / size_m - 0.5)
    n_north = math.floor(y_max / size_m - 0.5)
    if min(n_west, n_east, n_south, n_north) < 0:
        raise InputError(
            f"the scenario origin ({lat0_deg:.5f}, {lon0_deg:.5f}) lies on the edge of the DEM",
            file=str(path),
        )
    cols = n_west + n_east + 1
    rows = n_south + n_north + 1
    west_m = -(n_west + 0.5) * size_m
    north_m = (n_north + 0.5) * size_m

    dst = np.full((rows, cols), np.nan, dtype=np.float64)
    rasterio.warp.reproject(
        source=np.ascontiguousarray(src_heights),
        destination=dst,
        src_transform=src_transform,
        src_crs=CRS.from_user_input(src_crs),
        src_nodata=np.nan,
        dst_transform=north_up_transform(west_m, north_m, size_m, size_m),
        dst_crs=CRS.from_proj4(dst_crs),
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    dst = _apply_nodata_policy(dst, nodata, str(path))
    return Dem(
        heights_m=dst,
        west_m=west_m,
        north_m=north_m,
        cell_m=size_m,
        lat0_deg=lat0_deg,
        lon0_deg=lon0_deg,
        alt0_m=alt0_m,
        source=str(path),
        crs=dst_crs,
    )


def _bounds(transform: Any, ny: int, nx: int) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a north-up raster without rotation."""
    if transform.b != 0 or transform.d != 0:
        raise InputError("rotated rasters are not supported; warp the DEM north-up first")
    xs = (transform.c, transform.c + transform.a * nx)
    ys = (transform.f, transform.f + transform.e * ny)
    return min(ys), min(xs), max(ys), max(xs)


def _apply_nodata_policy(heights: np.ndarray, policy: str, source: str) -> np.ndarray:
    holes = ~np.isfinite(heights)
    n_holes = int(holes.sum())
    if n_holes == 0:
        return heights
    if policy == "error" or n_holes == heights.size:
        raise InputError(
            f"{n_holes} of {heights.size} grid cells ({100 * n_holes / heights.size:.2f} %) "
            "have no data; choose a nodata policy: 'fill' (nearest height) or 'sea-level' "
            "(0 m), e.g. --nodata fill",
            file=source,
        )
    out = heights.copy()
    if policy == "sea-level":
        out[holes] = 0.0
    else:
        from scipy.ndimage import distance_transform_edt

        index = distance_transform_edt(holes, return_distances=False, return_indices=True)
        out = out[tuple(index)]
    return out


def write_geotiff(
    path: str | Path,
    dem: Dem,
    bands: np.ndarray,
    *,
    descriptions: tuple[str, ...] = (),
    nodata: float = np.nan,
) -> Path:
    """Write float32 band(s) on ``dem``'s grid as a GeoTIFF with the local CRS."""
    import rasterio
    from rasterio.crs import CRS

    data = np.asarray(bands, dtype=np.float32)
    if data.ndim == 2:
        data = data[None, :, :]
    if data.shape[1:] != dem.shape:
        raise ValueError(f"band shape {data.shape[1:]} differs from the grid {dem.shape}")
    path = Path(path)
    try:
        dst = rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=dem.shape[1],
            height=dem.shape[0],
            count=data.shape[0],
            dtype="float32",
            crs=CRS.from_proj4(dem.crs),
            transform=dem.transform(),
            nodata=nodata,
            compress="deflate",
        )
    except Exception as exc:  # rasterio raises several types for unwritable paths
        raise InputError(f"cannot write GeoTIFF: {exc}", file=str(path)) from None
    with dst:
        dst.write(data)
        for i, text in enumerate(descriptions, start=1):
            dst.set_band_description(i, text)
    return path
