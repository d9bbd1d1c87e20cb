"""Unit parsing at the edge: every accepted spelling and the one-line errors."""

import math

import pytest

from openiads.errors import InputError
from openiads.units import parse_altitude, parse_quantity, speed_of_sound_mps


@pytest.mark.parametrize(
    ("text", "kind", "expected_si"),
    [
        ("250 km", "length", 250_000.0),
        ("40 nmi", "length", 40 * 1852.0),
        ("15000 ft", "altitude", 15000 * 0.3048),
        ("FL350", "altitude", 35000 * 0.3048),
        ("FL 590", "altitude", 59000 * 0.3048),
        ("450 kt", "speed", 450 * 1852.0 / 3600.0),
        ("900 km/h", "speed", 250.0),
        ("-30 dBsm", "rcs", 0.001),
        ("0 dBsm", "rcs", 1.0),
        ("0.001 m^2", "rcs", 0.001),
        ("5 m2", "rcs", 5.0),
        ("30 min", "time", 1800.0),
        ("3 deg", "angle", math.radians(3.0)),
        ("5 g", "acceleration", 5 * 9.80665),
        ("3 GHz", "frequency", 3e9),
        ("1 MW", "power", 1e6),
    ],
)
def test_parse_quantity_to_si(text: str, kind: str, expected_si: float) -> None:
    assert parse_quantity(text, kind) == pytest.approx(expected_si, rel=1e-12, abs=1e-12)


def test_mach_uses_isa_speed_of_sound_at_altitude() -> None:
    # ICAO standard atmosphere: 340.294 m/s at sea level, 295.07 m/s above the tropopause.
    assert speed_of_sound_mps(0.0) == pytest.approx(340.294, rel=0, abs=0.01)
    assert speed_of_sound_mps(11_000.0) == pytest.approx(295.07, rel=0, abs=0.01)
    assert parse_quantity("Mach 0.8", "speed") == pytest.approx(0.8 * 340.294, rel=0, abs=0.01)
    assert parse_quantity("Mach 2", "speed", altitude_m=15_000.0) == pytest.approx(
        2 * 295.07, rel=0, abs=0.02
    )


def test_altitude_reference() -> None:
    assert parse_altitude("30 m AGL") == (30.0, "agl")
    assert parse_altitude("FL350")[1] == "msl"


@pytest.mark.parametrize(
    ("text", "kind", "fragment"),
    [
        ("250", "length", "a unit is required"),
        (250, "length", "a unit is required"),
        ("250 kg", "length", "dimension"),
        ("-5 km", "length", "negative"),
        ("fast", "speed", "not a quantity"),
        ("-30 dB", "rcs", "decibels"),
        ("", "time", "empty"),
    ],
)
def test_bad_quantities_raise_one_line(text: object, kind: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_quantity(text, kind)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_fast_path_units_agree_with_pint() -> None:
    from openiads.units import _FAST_KIND, _FAST_UNITS, _parse_fast, unit_registry

    ureg = unit_registry()
    si = {
        "length": "m",
        "time": "s",
        "speed": "m/s",
        "area": "m**2",
        "angle": "rad",
        "frequency": "Hz",
        "power": "W",
    }
    for unit, (kind, factor) in _FAST_UNITS.items():
        expected = ureg.Quantity(f"2.5 {unit}".replace("^", "**").replace("m2", "m**2"))
        assert factor * 2.5 == pytest.approx(
            float(expected.to(si[kind]).magnitude), rel=1e-12, abs=0
        ), unit
        assert _parse_fast(f"2.5 {unit}", kind) == pytest.approx(2.5 * factor, rel=1e-15, abs=0)
    assert _FAST_KIND["rcs"] == "area"
    assert _parse_fast("2.5 km", "time") is None  # wrong kind falls through to pint's error


def test_catalog_and_bundled_scenarios_load_without_importing_pint() -> None:
    """Every quantity they hold takes the fast path; pint (~0.3 s to import) stays unloaded."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys\n"
        "from openiads.scenario import compile_world, load_scenario\n"
        f"for f in {sorted(str(p) for p in (root / 'scenarios').glob('*.yaml'))!r}:\n"
        "    compile_world(load_scenario(f))\n"
        "print('pint' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
