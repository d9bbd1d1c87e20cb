"""Quantities with units, parsed once at the edge into SI floats.

Scenario and catalog files may say ``250 km``, ``FL350``, ``15000 ft``, ``450 kt``,
``Mach 0.8``, ``-30 dBsm`` or ``0.001 m^2``. :func:`parse_quantity` turns such a text into a
float in SI units (m, s, m/s, m^2, rad, W, Hz) and raises :class:`~openiads.errors.InputError`
with a one-line message when the text is not a quantity of the expected kind.

Conventions (documented in docs/scenario-format.md):

* ``FLnnn`` is a pressure flight level read as ``nnn * 100 ft`` above mean sea level
  (standard atmosphere, no QNH correction).
* ``Mach M`` is converted with the ISA speed of sound at the altitude given (default sea level,
  340.294 m/s; 295.07 m/s from the tropopause at 11 km up to 20 km).
* ``x dBsm`` is ``10 ** (x / 10)`` square metres.
* Altitudes may end in ``AGL`` (above ground level) or ``MSL`` (default); see
  :func:`parse_altitude`.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from openiads.errors import InputError

if TYPE_CHECKING:
    import pint

Kind = Literal[
    "length",
    "altitude",
    "speed",
    "time",
    "area",
    "rcs",
    "angle",
    "power",
    "frequency",
    "acceleration",
    "dimensionless",
]

#: pint dimensionality and SI unit of each kind.
_KINDS: dict[str, tuple[str, str]] = {
    "length": ("[length]", "m"),
    "altitude": ("[length]", "m"),
    "speed": ("[length] / [time]", "m/s"),
    "time": ("[time]", "s"),
    "area": ("[length] ** 2", "m**2"),
    "rcs": ("[length] ** 2", "m**2"),
    "angle": ("", "rad"),
    "power": ("[mass] * [length] ** 2 / [time] ** 3", "W"),
    "frequency": ("1 / [time]", "Hz"),
    "acceleration": ("[length] / [time] ** 2", "m/s**2"),
    "dimensionless": ("", ""),
}

_EXAMPLES: dict[str, str] = {
    "length": "'250 km', '40 nmi' or '15000 ft'",
    "altitude": "'FL350', '15000 ft', '30 m AGL' or '18 km'",
    "speed": "'450 kt', '250 m/s', '900 km/h' or 'Mach 0.8'",
    "time": "'30 min', '1 s' or '2 h'",
    "area": "'10 km^2'",
    "rcs": "'-30 dBsm', '0.001 m^2' or '5 m2'",
    "angle": "'3 deg' or '0.05 rad'",
    "power": "'1 MW' or '200 kW'",
    "frequency": "'3 GHz'",
    "acceleration": "'5 g' or '50 m/s^2'",
    "dimensionless": "'0.7'",
}

#: ISA sea-level speed of sound, m/s (ICAO Doc 7488).
SPEED_OF_SOUND_SEA_LEVEL_MPS = 340.294
_G0 = 9.80665
_FT = 0.3048


@lru_cache(maxsize=1)
def unit_registry() -> pint.UnitRegistry:
    """The project's single pint registry (``m2`` and ``kts`` accepted as spellings).

    pint takes about 0.3 s to import: it is imported here, on the first quantity that the fast
    path (``_FAST_UNITS``) does not cover, not when this module is imported.
    """
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry()
    ureg.define("kts = knot")
    ureg.define("gee = 9.80665 m/s**2")
    return ureg


def speed_of_sound_mps(altitude_m: float) -> float:
    """ISA speed of sound at a geopotential altitude (troposphere lapse, isothermal above 11 km).

    Valid from the surface to 20 km; clipped outside that band.
    """
    h = min(max(altitude_m, 0.0), 20_000.0)
    temperature_k = 288.15 - 0.0065 * min(h, 11_000.0)
    return math.sqrt(1.4 * 287.05287 * temperature_k)


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FL_RE = re.compile(r"^FL\s*(\d{1,3})$", re.IGNORECASE)
_MACH_RE = re.compile(rf"^(?:Mach|M)\s*({_NUM})$", re.IGNORECASE)
_DB_RE = re.compile(rf"^({_NUM})\s*dB(sm|m2|sqm)?$", re.IGNORECASE)
_REF_RE = re.compile(r"^(.*?)\s*\b(AGL|MSL|AMSL)$", re.IGNORECASE)


def _fail(text: Any, kind: str, why: str = "") -> InputError:
    example = _EXAMPLES.get(kind, "")
    extra = f" ({why})" if why else ""
    return InputError(f"expected a {kind} such as {example}; got {text!r}{extra}")


def parse_quantity(
    value: Any,
    kind: Kind | str,
    *,
    altitude_m: float = 0.0,
    allow_negative: bool = False,
) -> float:
    """Parse ``value`` as a quantity of ``kind`` and return it in SI units.

    A bare number is accepted only for ``dimensionless``; everything else needs a unit, so
    that ``250`` can never silently mean metres when kilometres were meant. ``altitude_m`` is
    used only to convert Mach numbers. Negative values raise unless ``allow_negative``.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown quantity kind {kind!r}")
    if isinstance(value, bool):
        raise _fail(value, kind)
    if isinstance(value, int | float):
        if kind != "dimensionless":
            raise _fail(value, kind, "a unit is required")
        out = float(value)
        if not math.isfinite(out):
            raise _fail(value, kind, "not a finite number")
        if out < 0 and not allow_negative:
            raise InputError(f"must not be negative; got {value!r}")
        return out
    if not isinstance(value, str):
        raise _fail(value, kind)
    text = value.strip()
    if not text:
        raise _fail(value, kind, "empty")

    special = _parse_special(text, kind, altitude_m)
    out = _parse_pint(text, kind) if special is None else special
    if not math.isfinite(out):
        raise _fail(value, kind, "not a finite number")
    if out < 0 and not allow_negative:
        raise InputError(f"must not be negative; got {value!r}")
    return out


def _parse_special(text: str, kind: str, altitude_m: float) -> float | None:
    if kind in ("altitude", "length") and (m := _FL_RE.match(text)):
        return int(m.group(1)) * 100 * _FT
    if kind == "speed" and (m := _MACH_RE.match(text)):
        return float(m.group(1)) * speed_of_sound_mps(altitude_m)
    if m := _DB_RE.match(text):
        if kind in ("rcs", "area") and m.group(2):
            return float(10.0 ** (float(m.group(1)) / 10.0))
        if kind == "dimensionless" and not m.group(2):
            return float(10.0 ** (float(m.group(1)) / 10.0))
        raise _fail(text, kind, "decibels of the wrong kind")
    return None


#: Units common in scenario and catalog files, with their SI factor, so that the usual
#: ``<number> <unit>`` text does not go through pint's (slow) parser. Every entry is checked
#: against pint in tests/test_units.py; anything else is parsed by pint.
_FAST_UNITS: dict[str, tuple[str, float]] = {
    "m": ("length", 1.0),
    "km": ("length", 1_000.0),
    "ft": ("length", 0.3048),
    "nmi": ("length", 1852.0),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "m/s": ("speed", 1.0),
    "km/h": ("speed", 1000.0 / 3600.0),
    "kt": ("speed", 1852.0 / 3600.0),
    "mph": ("speed", 1609.344 / 3600.0),
    "m^2": ("area", 1.0),
    "m2": ("area", 1.0),
    "deg": ("angle", math.pi / 180.0),
    "rad": ("angle", 1.0),
    "Hz": ("frequency", 1.0),
    "MHz": ("frequency", 1e6),
    "GHz": ("frequency", 1e9),
    "W": ("power", 1.0),
    "kW": ("power", 1e3),
    "MW": ("power", 1e6),
}
_FAST_RE = re.compile(rf"^({_NUM})\s*([A-Za-z/^0-9]+)$")
_FAST_KIND = {"altitude": "length", "rcs": "area"}


def _parse_fast(text: str, kind: str) -> float | None:
    m = _FAST_RE.match(text)
    if not m or m.group(2) not in _FAST_UNITS:
        return None
    unit_kind, factor = _FAST_UNITS[m.group(2)]
    if _FAST_KIND.get(kind, kind) != unit_kind:
        return None  # let pint produce the precise error message
    return float(m.group(1)) * factor


def _parse_pint(text: str, kind: str) -> float:
    fast = _parse_fast(text, kind)
    if fast is not None:
        return fast
    ureg = unit_registry()
    from pint import DimensionalityError  # loaded by unit_registry()

    cleaned = text.replace("^", "**").replace("²", "**2")
    cleaned = re.sub(r"\bm2\b", "m**2", cleaned)
    cleaned = re.sub(r"\bkm2\b", "km**2", cleaned)
    if kind == "acceleration":
        cleaned = re.sub(r"(?<![A-Za-z])g$", "gee", cleaned)
    try:
        q: Any = ureg.Quantity(cleaned)
    except Exception as exc:  # pint raises several unrelated types for bad text
        raise _fail(text, kind, "not a quantity") from exc
    dim, si_unit = _KINDS[kind]
    if kind == "angle":
        if q.dimensionless and q.unitless:
            raise _fail(text, kind, "a unit is required")
        try:
            return float(q.to("rad").magnitude)
        except DimensionalityError as exc:
            raise _fail(text, kind, f"unit has dimension {q.dimensionality}") from exc
    if kind == "dimensionless":
        if not q.dimensionless:
            raise _fail(text, kind, f"unit has dimension {q.dimensionality}")
        return float(q.to("").magnitude)
    if q.unitless:
        raise _fail(text, kind, "a unit is required")
    if q.dimensionality != ureg.get_dimensionality(dim):
        raise _fail(text, kind, f"unit has dimension {q.dimensionality}")
    return float(q.to(si_unit).magnitude)


def parse_altitude(value: Any) -> tuple[float, Literal["msl", "agl"]]:
    """Parse an altitude such as ``FL350``, ``18 km``, ``30 m AGL`` → (metres, reference)."""
    ref: Literal["msl", "agl"] = "msl"
    if isinstance(value, str) and (m := _REF_RE.match(value.strip())):
        value = m.group(1)
        ref = "agl" if m.group(2).upper() == "AGL" else "msl"
    return parse_quantity(value, "altitude", allow_negative=True), ref


def to_db(x: Any) -> Any:
    """Power ratio → decibels (``10 log10``); works on arrays."""
    import numpy as np

    return 10.0 * np.log10(x)


def from_db(x_db: Any) -> Any:
    """Decibels → power ratio; works on arrays."""
    import numpy as np

    return np.power(10.0, np.asarray(x_db, dtype=float) / 10.0)
