"""Human-readable figures: SI floats shown in the units people quote (km, deg, GHz, dBsm)."""

from __future__ import annotations

import math

from openiads.catalog.model import Figure


def _g(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}"


def fmt_value(value: float, unit: str, *, db: bool = True) -> str:
    """``250000, 'm'`` → ``'250 km'``; ``0.005, 'm^2'`` → ``'0.005 m² (-23 dBsm)'``.

    ``db=False`` leaves out the dBsm of an area.
    """
    if unit == "m":
        return f"{_g(value / 1000)} km" if abs(value) >= 1000 else f"{_g(value)} m"
    if unit == "m^2":
        if value > 0 and db:
            return f"{_g(value, 3)} m² ({10 * math.log10(value):+.1f} dBsm)"
        return f"{_g(value)} m²"
    if unit == "rad":
        return f"{_g(math.degrees(value))}°"
    if unit == "Hz":
        if abs(value) >= 1e9:
            return f"{_g(value / 1e9)} GHz"
        return f"{_g(value / 1e6)} MHz"
    if unit == "s":
        if abs(value) >= 3600:
            return f"{_g(value / 3600)} h"
        if abs(value) >= 120:
            return f"{_g(value / 60)} min"
        return f"{_g(value)} s"
    if unit == "m/s":
        return f"{_g(value)} m/s"
    return _g(value)


def fmt_range(fig: Figure) -> str:
    """``'[200 km, 250 km]'`` or ``''`` for a figure without a range."""
    if fig.low == fig.high:
        return ""
    lo = fmt_value(fig.low, fig.unit, db=False)
    return f"[{lo}, {fmt_value(fig.high, fig.unit, db=False)}]"
