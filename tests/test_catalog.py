"""The equipment catalog: loading, lookup, figure paths, overrides, sampling, data integrity."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiads.catalog import (
    TARGET_CLASSES,
    Catalog,
    Figure,
    catalog_version,
    draw_figure,
    load_catalog,
)
from openiads.errors import InputError


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


# ---------------------------------------------------------------------- loading and lookup


def test_load_catalog_is_cached_and_versioned(cat: Catalog) -> None:
    assert load_catalog() is cat
    assert cat.version == catalog_version()
    release, digest = cat.version.split("-")
    assert release == "2026.11"
    assert len(digest) == 8
    int(digest, 16)


@pytest.mark.parametrize(
    ("kind", "query", "name"),
    [
        ("system", "S-400", "S-400"),
        ("system", "s400", "S-400"),
        ("system", "Triumf", "S-400"),
        ("system", "SA-21", "S-400"),
        ("system", "sevom khordad", "3rd-Khordad"),
        ("system", "3rd Khordad", "3rd-Khordad"),
        ("radar", "grave stone", "92N6E"),
        ("missile", "Ra'ad", "Taer-2"),
        ("target", "F-35", "F-35A"),
        ("target", "f35a", "F-35A"),
        ("target", "global hawk", "RQ-4A"),
    ],
)
def test_alias_lookup_is_case_and_punctuation_insensitive(
    cat: Catalog, kind: str, query: str, name: str
) -> None:
    assert getattr(cat, kind)(query).name == name


def test_unknown_name_suggests_the_closest(cat: Catalog) -> None:
    with pytest.raises(InputError) as err:
        cat.system("S-4000")
    assert str(err.value) == "unknown system 'S-4000'; did you mean 'S-400'?"


def test_unknown_name_without_close_match_lists_names(cat: Catalog) -> None:
    with pytest.raises(InputError, match="known: S-400"):
        cat.system("zzzzzz")


def test_names_per_kind(cat: Catalog) -> None:
    assert "S-400" in cat.names("system")
    assert {"91N6E", "92N6E", "96L6E"} <= set(cat.names("radar"))
    with pytest.raises(InputError):
        cat.names("ship")


def test_system_components_resolve(cat: Catalog) -> None:
    for name in cat.names("system"):
        sys_ = cat.system(name)
        assert sys_.fire_control_radar in {slot.radar for slot in sys_.radars}
        for slot in sys_.radars:
            assert cat.radar(slot.radar).system == name
        cat.launcher(sys_.launcher)
        assert sum(slot.launchers for slot in sys_.loadout) == int(sys_.launchers)
        for missile in sys_.missiles:
            cat.missile(missile)


def test_s400_battalion_default(cat: Catalog) -> None:
    s400 = cat.system("S-400")
    assert int(s400.launchers) == 8
    assert int(s400.channels_targets) == 36
    assert int(s400.channels_missiles) == 72
    assert s400.channels_targets.high == 40
    assert s400.salvo_default == 2
    assert s400.doctrine_default == "shoot-look-shoot"
    assert set(s400.missiles) == {"40N6E", "48N6E3", "9M96E2"}
    assert "assumption" in s400.notes[0]


# ---------------------------------------------------------------------- figure integrity


def test_every_figure_has_a_source_and_ordered_range(cat: Catalog) -> None:
    paths = []
    for path, fig in cat.figures():
        paths.append(path)
        assert fig.sources, path
        assert fig.low <= fig.nominal <= fig.high, path
        assert all(math.isfinite(v) for v in (fig.low, fig.nominal, fig.high)), path
        if fig.dist != "fixed":
            assert fig.low < fig.high, path
        for src in fig.sources:
            assert src.url and src.tag in {
                "MFR",
                "USG",
                "IRN",
                "GOV",
                "MED",
                "IND",
                "HOBBY",
                "CALC",
            }, path
    assert paths == sorted(paths)
    assert len(paths) == len(set(paths))


def test_assumption_only_figures_have_a_range_or_say_why(cat: Catalog) -> None:
    for path, fig in cat.figures():
        if fig.assumption and fig.low == fig.high:
            assert fig.note, f"{path}: fixed assumption without a note"


def test_figure_paths_named_in_the_brief_exist(cat: Catalog) -> None:
    assert cat.get("missile.48N6E3.max_range_m").nominal == pytest.approx(250e3, abs=1.0)
    assert cat.get("radar.91N6E.ref_range_m").assumption
    assert cat.get("target.F-35A.rcs.X.frontal").unit == "m^2"
    assert cat.get("system.S-400.reaction_time_s").unit == "s"
    assert cat.get("missile.48N6E3.pk.fighter").assumption
    # the name part may be an alias
    assert cat.get("target.f35.rcs.X.frontal") == cat.get("target.F-35A.rcs.X.frontal")


def test_bad_figure_path_is_an_input_error(cat: Catalog) -> None:
    with pytest.raises(InputError, match=r"did you mean 'missile\.48N6E3\.max_range_m'"):
        cat.get("missile.48N6E3.max_rang_m")
    with pytest.raises(InputError, match="unknown missile"):
        cat.get("missile.48N6X.max_range_m")
    with pytest.raises(InputError, match="bad figure path"):
        cat.get("missile")


def test_every_missile_has_a_pk_for_every_target_class(cat: Catalog) -> None:
    for name in cat.names("missile"):
        pk = cat.missile(name).pk
        assert set(pk) == set(TARGET_CLASSES), name
        for cls, fig in pk.items():
            assert 0.0 <= fig.low <= fig.high <= 1.0, (name, cls)


def test_unverified_flag_follows_marks(cat: Catalog) -> None:
    # 400 km is read first-hand (MFR ✔); the 91N6E track count is only commonly quoted (✘)
    assert not cat.get("missile.40N6E.max_range_m").unverified
    assert cat.get("radar.91N6E.max_tracks").unverified


def test_s400_radar_units(cat: Catalog) -> None:
    r = cat.radar("91N6E")
    assert r.instrumented_range_m.nominal == pytest.approx(600e3, abs=1.0)
    assert r.ref_rcs_m2.nominal == pytest.approx(5.0, rel=1e-12)
    assert r.freq_hz.unit == "Hz"
    assert r.min_elevation_rad.unit == "rad"
    assert cat.radar("92N6E").antenna_height_m.nominal == pytest.approx(25.0, abs=1e-9)


# ---------------------------------------------------------------------- target RCS


def test_stealth_rcs_is_larger_at_l_band_and_from_beam_and_rear(cat: Catalog) -> None:
    for name in ("F-35A",):
        t = cat.target(name)
        x_front = t.rcs_m2("X", "frontal").nominal
        assert t.rcs_m2("L", "frontal").nominal > 10 * x_front
        assert t.rcs_m2("X", "beam").nominal > 10 * x_front
        assert t.rcs_m2("X", "rear").nominal > 10 * x_front


def test_rcs_band_fallback_rule(cat: Catalog) -> None:
    f35 = cat.target("F-35A")
    # C lies between S and X: equally near, so the lower-frequency band (S) is used
    assert f35.rcs_band_for("C") == "S"
    assert f35.rcs_m2("c", "side") == f35.rcs["S"].beam
    # Ku is nearest to X; VHF nearest to L
    assert f35.rcs_band_for("Ku") == "X"
    assert f35.rcs_band_for("VHF") == "L"
    assert f35.rcs_m2("X-band", "nose") == f35.rcs["X"].frontal
    with pytest.raises(InputError, match="unknown radar band"):
        f35.rcs_m2("Q", "frontal")
    with pytest.raises(InputError, match="unknown aspect"):
        f35.rcs_m2("X", "top")


def test_every_target_has_x_s_l_bands(cat: Catalog) -> None:
    for name in cat.names("target"):
        assert {"X", "S", "L"} <= set(cat.target(name).rcs), name


# ---------------------------------------------------------------------- overrides and sampling


def test_with_overrides_pins_a_figure_and_leaves_the_original(cat: Catalog) -> None:
    new = cat.with_overrides({"missile.48N6E3.max_range_m": 180e3, "target.f35.rcs.L.beam": 2.0})
    fig = new.get("missile.48N6E3.max_range_m")
    assert fig.nominal == fig.low == fig.high == 180e3
    assert fig.dist == "fixed"
    assert fig.sources == cat.get("missile.48N6E3.max_range_m").sources
    assert new.get("target.F-35A.rcs.L.beam").nominal == 2.0
    assert cat.get("missile.48N6E3.max_range_m").nominal == pytest.approx(250e3, abs=1.0)
    # untouched figures and entries are shared
    assert new.radar("91N6E") is cat.radar("91N6E")
    assert new.version == cat.version


def test_with_overrides_rejects_bad_input(cat: Catalog) -> None:
    with pytest.raises(InputError, match="unknown figure path"):
        cat.with_overrides({"missile.48N6E3.speed": 1.0})
    with pytest.raises(InputError, match="finite"):
        cat.with_overrides({"missile.48N6E3.max_range_m": float("nan")})
    with pytest.raises(InputError, match="number"):
        cat.with_overrides({"missile.48N6E3.max_range_m": "250 km"})  # type: ignore[dict-item]


def test_sample_is_deterministic_and_inside_bounds(cat: Catalog) -> None:
    a, draws_a = cat.sample(np.random.default_rng(20261125))
    _, draws_b = cat.sample(np.random.default_rng(20261125))
    _, draws_c = cat.sample(np.random.default_rng(7))
    assert draws_a == draws_b
    assert draws_a != draws_c
    assert list(draws_a) == sorted(draws_a)
    sampled = {p for p, f in cat.figures() if f.sampled}
    assert set(draws_a) == sampled
    for path, value in draws_a.items():
        fig = cat.get(path)
        assert fig.low <= value <= fig.high, path
        if fig.integer:
            assert value == round(value), path
        assert a.get(path).nominal == value
        assert a.get(path).dist == "fixed"
    # figures without a range are not drawn and keep their value
    assert "missile.40N6E.max_range_m" not in draws_a
    assert a.get("missile.40N6E.max_range_m") == cat.get("missile.40N6E.max_range_m")
    # a sampled catalog has nothing left to draw
    _, again = a.sample(np.random.default_rng(1))
    assert again == {}


def _figure(cat: Catalog, **kw: object) -> Figure:
    base = {"unit": "1", "sources": cat.get("missile.40N6E.max_range_m").sources}
    return Figure.model_validate({**base, **kw})


def test_draws_follow_the_stated_distribution(cat: Catalog) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    # triangular(0, 1, 4): mean 5/3, standard deviation sqrt(13/18) = 0.85 → SE 0.006
    tri = _figure(cat, nominal=1.0, low=0.0, high=4.0, dist="triangular")
    values = np.array([draw_figure(tri, rng) for _ in range(n)])
    assert values.mean() == pytest.approx(5.0 / 3.0, abs=0.03)
    assert values.min() >= 0.0 and values.max() <= 4.0
    # uniform(2, 6): mean 4
    uni = _figure(cat, nominal=3.0, low=2.0, high=6.0, dist="uniform")
    values = np.array([draw_figure(uni, rng) for _ in range(n)])
    assert values.mean() == pytest.approx(4.0, abs=0.05)
    # log-uniform over two decades: log10 uniform on [-3, -1], so the median is 0.01
    logu = _figure(cat, nominal=0.005, low=0.001, high=0.1, dist="log_uniform")
    values = np.array([draw_figure(logu, rng) for _ in range(n)])
    assert float(np.median(values)) == pytest.approx(0.01, rel=0.05)
    # integer counts come out whole, each value of [36, 40] about equally often
    count = _figure(cat, nominal=36, low=36, high=40, dist="uniform", integer=True)
    values = np.array([draw_figure(count, rng) for _ in range(n)])
    assert set(np.unique(values)) == {36.0, 37.0, 38.0, 39.0, 40.0}
    assert np.bincount(values.astype(int) - 36).min() > 0.17 * n
    # a fixed figure is never drawn
    fixed = _figure(cat, nominal=8, low=8, high=12, dist="fixed")
    assert draw_figure(fixed, rng) == 8.0


def test_figure_validation() -> None:
    src = load_catalog().get("missile.40N6E.max_range_m").sources
    with pytest.raises(ValueError, match="low <= nominal <= high"):
        Figure(nominal=5.0, low=6.0, high=7.0, unit="1", sources=src)
    with pytest.raises(ValueError, match="needs a range"):
        Figure(nominal=5.0, low=5.0, high=5.0, unit="1", dist="uniform", sources=src)
    with pytest.raises(ValueError, match="low > 0"):
        Figure(nominal=1.0, low=0.0, high=2.0, unit="1", dist="log_uniform", sources=src)
    with pytest.raises(ValueError):
        Figure(nominal=1.0, low=1.0, high=1.0, unit="1", sources=())


# ---------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_show_unknown_name_is_one_line_exit_2() -> None:
    proc = _cli("catalog", "show", "S-4000")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "did you mean" in lines[0] and "'S-400'" in lines[0]
    assert "Traceback" not in proc.stderr


def test_cli_list_json_covers_every_entry(cat: Catalog) -> None:
    import json

    proc = _cli("catalog", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["version"] == cat.version
    names = {(e["kind"], e["name"]) for e in data["entries"]}
    expected = {
        (k, n) for k in ("system", "radar", "missile", "launcher", "target") for n in cat.names(k)
    }
    assert names == expected


def test_cli_show_system_json_includes_components(cat: Catalog) -> None:
    import json

    proc = _cli("catalog", "show", "sa-21", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["entry"]["name"] == "S-400"
    kinds = {(c["kind"], c["name"]) for c in data["components"]}
    assert ("radar", "92N6E") in kinds and ("missile", "40N6E") in kinds
    fig = data["entry"]["figures"]["reaction_time_s"]
    assert fig["sources"] and fig["low"] <= fig["nominal"] <= fig["high"]


def test_cli_show_prints_a_table() -> None:
    proc = _cli("catalog", "show", "48N6E3")
    assert proc.returncode == 0, proc.stderr
    assert "max_range_m" in proc.stdout
    assert "250 km" in proc.stdout


def test_cli_list_one_kind_and_bad_kind() -> None:
    proc = _cli("catalog", "--kind", "radar")
    assert proc.returncode == 0, proc.stderr
    assert "92N6E" in proc.stdout and "F-35A" not in proc.stdout
    proc = _cli("catalog", "--kind", "ship")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: --kind: unknown kind 'ship'; known: system, radar, missile, launcher, target"
    ]


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(min_value=1e-6, max_value=1e6),
    width=st.floats(min_value=1e-3, max_value=1e6),
    frac=st.floats(min_value=0.0, max_value=1.0),
    dist=st.sampled_from(["uniform", "triangular", "log_uniform"]),
    integer=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_draw_figure_stays_inside_its_range(
    low: float, width: float, frac: float, dist: str, integer: bool, seed: int
) -> None:
    high = low + width
    if integer:
        low, high = float(np.floor(low)) + 1.0, float(np.floor(high)) + 2.0
    nominal = low + frac * (high - low)
    src = load_catalog().get("missile.40N6E.max_range_m").sources
    fig = Figure(
        nominal=nominal, low=low, high=high, unit="1", dist=dist, integer=integer, sources=src
    )  # type: ignore[arg-type]
    a = draw_figure(fig, np.random.default_rng(seed))
    b = draw_figure(fig, np.random.default_rng(seed))
    assert a == b
    assert low <= a <= high
    if integer:
        assert a == round(a)


def test_envelopes_stay_ordered_for_every_draw(cat: Catalog) -> None:
    """Independent draws must never invert an envelope (high of the lower ≤ low of the upper)."""

    def below(lower: Figure, upper: Figure, what: str) -> None:
        assert lower.high <= upper.low, what

    for name in cat.names("missile"):
        m = cat.missile(name)
        below(m.min_range_m, m.max_range_m, f"{name} range")
        below(m.min_altitude_m, m.max_altitude_m, f"{name} altitude")
        below(m.avg_speed_mps, m.max_speed_mps, f"{name} speed")
    for name in cat.names("radar"):
        r = cat.radar(name)
        below(r.min_elevation_rad, r.max_elevation_rad, f"{name} elevation")
        below(r.min_range_m, r.instrumented_range_m, f"{name} range")
    for name in cat.names("target"):
        t = cat.target(name)
        below(t.cruise_speed_mps, t.max_speed_mps, f"{name} speed")
        below(t.min_altitude_m, t.max_altitude_m, f"{name} altitude")
        assert t.min_altitude_m.nominal <= t.typical_altitude_m.nominal, name
        assert t.typical_altitude_m.high <= t.max_altitude_m.high, name
        for band, table in t.rcs.items():
            for aspect in ("frontal", "beam", "rear"):
                assert table.get(aspect).low > 0, (name, band, aspect)


def test_components_and_caveats_of_a_system(cat: Catalog) -> None:
    kinds = {(k, e.name) for k, e in cat.components("SA-21")}
    assert kinds == {
        ("radar", "91N6E"),
        ("radar", "92N6E"),
        ("radar", "96L6E"),
        ("launcher", "5P85SE2"),
        ("missile", "40N6E"),
        ("missile", "48N6E3"),
        ("missile", "9M96E2"),
    }
    paths = dict(cat.figures_of("S-400"))
    assert "system.S-400.reaction_time_s" in paths and "radar.92N6E.ref_range_m" in paths
    caveats = dict(cat.caveats("S-400"))
    assert "radar.91N6E.ref_range_m" in caveats  # an assumption
    assert "missile.40N6E.max_range_m" not in caveats  # read first-hand
    assert all(f.unverified or f.assumption for f in caveats.values())
    assert dict(cat.figures_of("F-35")) == {
        p: f for p, f in cat.figures() if p.startswith("target.F-35A.")
    }


def test_identically_stated_figures_share_one_draw(cat: Catalog) -> None:
    _, draws = cat.sample(np.random.default_rng(11))
    # a conventional airframe's RCS table is one statement reused for X, S and L band
    assert draws["target.F-16C.rcs.X.beam"] == draws["target.F-16C.rcs.L.beam"]
    # one Pk assumption shared by the 48N6-family missiles
    assert draws["missile.40N6E.pk.fighter"] == draws["missile.48N6E2.pk.fighter"]
    # different statements draw independently
    assert draws["target.F-35A.rcs.X.beam"] != draws["target.F-35A.rcs.L.beam"]
    assert draws["missile.9M331.pk.fighter"] != draws["missile.57E6.pk.fighter"]


_PATHS = [p for p, _ in load_catalog().figures()]


@settings(max_examples=50, deadline=None)
@given(
    picks=st.lists(st.sampled_from(_PATHS), min_size=1, max_size=5, unique=True),
    value=st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),
)
def test_with_overrides_round_trips_any_path(picks: list[str], value: float) -> None:
    cat = load_catalog()
    new = cat.with_overrides(dict.fromkeys(picks, value))
    for path, fig in cat.figures():
        got = new.get(path)
        if path in picks:
            assert got.nominal == got.low == got.high == value
            assert got.sources == fig.sources
        else:
            assert got == fig
