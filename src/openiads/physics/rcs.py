"""Aspect-dependent radar cross section from three cardinal values (nose, beam, tail).

Public RCS figures for aircraft and missiles, where they exist at all, come as one number or
as a frontal figure with a rough beam or rear value. This module turns such cardinal values into
an RCS for any aspect by interpolating linearly *in decibels* over the aspect angle. It has no
lobing, no elevation dependence and no frequency dependence: see docs/models/rcs.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["aspect_angle_rad", "aspect_rcs_m2", "fold_aspect_rad"]

_HALF_PI = 0.5 * np.pi


def aspect_angle_rad(velocity_enu: ArrayLike, los_to_radar_enu: ArrayLike) -> Any:
    """Angle between a target's nose (its velocity direction) and the direction to the radar.

    Both arguments have shape ``(..., 3)`` (east, north, up) and broadcast; the result has
    shape ``(...)`` in ``[0, π]``: 0 nose-on (flying straight at the radar), π/2 beam, π tail.
    A stationary target (zero velocity) or a zero line of sight gives 0 (treated as nose-on,
    the conservative choice for stealthy shapes whose frontal RCS is the smallest).
    Computed as ``atan2(|v × l|, v · l)``, accurate at all angles.
    """
    v = np.asarray(velocity_enu, dtype=np.float64)
    los = np.asarray(los_to_radar_enu, dtype=np.float64)
    # |v × l| written out per component: np.cross carries a large per-call overhead.
    vx, vy, vz = v[..., 0], v[..., 1], v[..., 2]
    lx, ly, lz = los[..., 0], los[..., 1], los[..., 2]
    cx, cy, cz = vy * lz - vz * ly, vz * lx - vx * lz, vx * ly - vy * lx
    sin_part = np.sqrt(cx * cx + cy * cy + cz * cz)
    cos_part = np.sum(v * los, axis=-1)
    out = np.arctan2(sin_part, cos_part)
    # atan2(0, 0) is 0 already; keep it explicit so the convention survives refactoring.
    degenerate = (sin_part == 0.0) & (cos_part == 0.0)
    return np.where(degenerate, 0.0, out)


def fold_aspect_rad(aspect_rad: ArrayLike) -> Any:
    """Map any angle to the equivalent aspect in ``[0, π]`` (left and right sides mirror)."""
    a = np.mod(np.asarray(aspect_rad, dtype=np.float64), 2.0 * np.pi)
    return np.where(a > np.pi, 2.0 * np.pi - a, a)


def aspect_rcs_m2(
    aspect_rad: ArrayLike,
    frontal_m2: ArrayLike,
    beam_m2: ArrayLike,
    rear_m2: ArrayLike,
) -> Any:
    """RCS at an aspect angle, interpolated linearly in dB between nose, beam and tail values.

    ``σ_dB(a) = σ_front,dB + (σ_beam,dB − σ_front,dB) · a/(π/2)`` for ``0 ≤ a ≤ π/2`` and
    ``σ_beam,dB + (σ_rear,dB − σ_beam,dB) · (a − π/2)/(π/2)`` for ``π/2 ≤ a ≤ π``; angles
    outside ``[0, π]`` are folded (the model is left-right symmetric). Returns m².
    Cardinal values must be positive. Interpolating in dB keeps the geometric mean between
    two values at the mid angle (1 m² nose, 100 m² beam → 10 m² at 45°).
    """
    a = fold_aspect_rad(aspect_rad)
    front_db = 10.0 * np.log10(np.asarray(frontal_m2, dtype=np.float64))
    beam_db = 10.0 * np.log10(np.asarray(beam_m2, dtype=np.float64))
    rear_db = 10.0 * np.log10(np.asarray(rear_m2, dtype=np.float64))
    w_front = np.clip(a / _HALF_PI, 0.0, 1.0)
    w_rear = np.clip((a - _HALF_PI) / _HALF_PI, 0.0, 1.0)
    sigma_db = np.where(
        a <= _HALF_PI,
        front_db + (beam_db - front_db) * w_front,
        beam_db + (rear_db - beam_db) * w_rear,
    )
    return np.power(10.0, sigma_db / 10.0)
