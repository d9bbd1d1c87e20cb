"""The shapes of catalog entries: every number is a :class:`Figure` with its sources.

A :class:`Figure` is one public (or assumed) figure in SI units: a nominal value, the range
``[low, high]`` over which sources disagree or our assumption is uncertain, how an
uncertainty study should draw it (``dist``), the sources that state it, and two flags:

``unverified``
    no cited source was read first-hand (verification mark ✘ or ◐ only), or the figure
    comes from a hobby/game database.
``assumption``
    there is no public figure: the value is openiads' stated modelling assumption, with a
    deliberately wide range (see docs/catalog.md, "Modelling assumptions").

Entries (systems, radars, missiles, launchers, targets) are frozen pydantic models whose
number-valued attributes are Figures. Raw-number attribute names carry their SI unit
(``max_range_m``, ``ref_rcs_m2``, ``scan_period_s``); counts and probabilities are
dimensionless Figures (``unit == "1"``), used as ``int(fig.nominal)`` where a count is meant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Dist = Literal["fixed", "uniform", "triangular", "log_uniform"]

#: Provenance tags (who says it). See docs/catalog.md.
TAGS: dict[str, str] = {
    "MFR": "manufacturer or operating-state claim (Almaz-Antey, Fakel, Rosoboronexport, MoDs)",
    "USG": "United States government statement",
    "IRN": "Iranian government statement",
    "GOV": "other official or military spokesman",
    "MED": "news or state media restating claims",
    "IND": "independent estimate (journalist, analyst, academic paper)",
    "HOBBY": "game, mod or hobby database: cross-check only, not authority",
    "CALC": "computed by openiads from other figures, or openiads' own modelling assumption",
}

#: Verification marks: ✔ read at the URL, ◐ only seen quoted there, ✘ primary page not read.
MARKS: dict[str, str] = {
    "✔": "text read at the cited URL",
    "◐": "seen only as a quotation inside the cited (secondary) URL",
    "✘": "primary page not read; commonly published figure, URL given for checking",
}

TargetClass = Literal[
    "fighter",
    "bomber",
    "uav",
    "cruise_missile",
    "airliner",
    "arm",
    "quadcopter",
    "loitering_munition",
    "ballistic",
]
#: Single-shot kill-probability classes; every target has one, every missile a Pk for each.
TARGET_CLASSES: tuple[str, ...] = get_args(TargetClass)

#: Radar bands from low to high frequency; used by :meth:`Target.rcs_m2` to fall back.
BANDS: tuple[str, ...] = ("VHF", "UHF", "L", "S", "C", "X", "Ku", "K", "Ka")

ASPECTS: tuple[str, ...] = ("frontal", "beam", "rear")
_ASPECT_ALIASES = {
    "frontal": "frontal",
    "front": "frontal",
    "nose": "frontal",
    "head-on": "frontal",
    "beam": "beam",
    "side": "beam",
    "broadside": "beam",
    "rear": "rear",
    "tail": "rear",
}

RadarRole = Literal[
    "acquisition", "engagement", "low_altitude", "search", "fire_control", "search_and_track"
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Source(BaseModel):
    """One citation of a figure: registry id, address, provenance tag and verification."""

    model_config = _FROZEN

    ref: str
    url: str
    tag: str
    verified: bool
    mark: str = ""
    title: str = ""
    note: str = ""


class Figure(BaseModel):
    """A number in SI units with its range, sampling rule, sources and flags."""

    model_config = _FROZEN

    nominal: float
    low: float
    high: float
    unit: str
    dist: Dist = "fixed"
    sources: tuple[Source, ...] = Field(min_length=1)
    unverified: bool = False
    assumption: bool = False
    note: str = ""
    integer: bool = False

    @model_validator(mode="after")
    def _check(self) -> Figure:
        for name in ("nominal", "low", "high"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite")
        if not self.low <= self.nominal <= self.high:
            raise ValueError(
                f"need low <= nominal <= high; got {self.low:g} <= {self.nominal:g} "
                f"<= {self.high:g}"
            )
        if self.dist != "fixed" and not self.low < self.high:
            raise ValueError(f"dist {self.dist!r} needs a range with low < high")
        if self.dist == "log_uniform" and self.low <= 0:
            raise ValueError("dist 'log_uniform' needs low > 0")
        return self

    @property
    def value(self) -> float:
        """The nominal value (alias)."""
        return self.nominal

    @property
    def sampled(self) -> bool:
        """Whether :meth:`Catalog.sample` draws this figure."""
        return self.dist != "fixed" and self.low < self.high

    def __float__(self) -> float:
        return self.nominal

    def __int__(self) -> int:
        return round(self.nominal)

    def fixed_at(self, value: float, note: str) -> Figure:
        """This figure pinned to ``value`` (no range left), with ``note`` appended."""
        v = float(value)
        joined = f"{self.note} {note}".strip() if self.note else note
        return self.model_copy(
            update={"nominal": v, "low": v, "high": v, "dist": "fixed", "note": joined}
        )


class _Entry(BaseModel):
    model_config = _FROZEN

    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    sources: tuple[Source, ...] = ()
    notes: tuple[str, ...] = ()


class RadarSlot(BaseModel):
    """A radar of a system, its role there and how many the default unit has."""

    model_config = _FROZEN

    radar: str
    role: str
    count: int = Field(default=1, ge=1)


class LoadoutSlot(BaseModel):
    """``launchers`` launchers of the default unit each loaded with ``per_launcher`` missiles."""

    model_config = _FROZEN

    missile: str
    launchers: int = Field(ge=1)
    per_launcher: int = Field(ge=1)


class System(_Entry):
    """A fire unit (battalion, battery or self-contained vehicle) and its components."""

    display_name: str
    radars: tuple[RadarSlot, ...] = Field(min_length=1)
    fire_control_radar: str
    command_post: str | None = None
    launcher: str
    launchers: Figure
    loadout: tuple[LoadoutSlot, ...] = Field(min_length=1)
    channels_targets: Figure
    channels_missiles: Figure
    reaction_time_s: Figure
    deploy_time_s: Figure | None = None
    salvo_default: int = Field(ge=1)
    doctrine_default: str = "shoot-look-shoot"

    @property
    def missiles(self) -> tuple[str, ...]:
        """Missile names of the default loadout, in loadout order, without repeats."""
        return tuple(dict.fromkeys(slot.missile for slot in self.loadout))

    def missiles_loaded(self) -> dict[str, int]:
        """Number of ready missiles of each type in the default loadout."""
        out: dict[str, int] = {}
        for slot in self.loadout:
            out[slot.missile] = out.get(slot.missile, 0) + slot.launchers * slot.per_launcher
        return out


class Radar(_Entry):
    """A radar, described by a reference range for a reference RCS plus its limits.

    ``ref_range_m`` is the range at which a target of ``ref_rcs_m2`` (fluctuating as
    ``swerling``) is detected on one scan with probability ``ref_pd`` at false-alarm
    probability ``pfa``; other RCS scale as ``R ∝ σ^(1/4)`` (physics.md §1).
    """

    system: str
    role: RadarRole
    band: str
    freq_hz: Figure
    ref_range_m: Figure
    ref_rcs_m2: Figure
    ref_pd: Figure
    pfa: Figure
    swerling: Literal[0, 1, 3]
    scan_period_s: Figure
    instrumented_range_m: Figure
    min_range_m: Figure
    min_elevation_rad: Figure
    max_elevation_rad: Figure
    max_altitude_m: Figure
    antenna_height_m: Figure
    max_tracks: Figure
    sigma_range_m: Figure
    sigma_azimuth_rad: Figure
    sigma_elevation_rad: Figure
    false_alarms_per_scan: Figure

    def range_for_rcs_m(self, rcs_m2: float) -> float:
        """Nominal detection range (``ref_pd``) for another RCS by the σ^(1/4) law."""
        return self.ref_range_m.nominal * (rcs_m2 / self.ref_rcs_m2.nominal) ** 0.25


class Missile(_Entry):
    """An interceptor's kinematic envelope and single-shot kill probability by target class."""

    guidance: str
    max_range_m: Figure
    min_range_m: Figure
    max_altitude_m: Figure
    min_altitude_m: Figure
    avg_speed_mps: Figure
    max_speed_mps: Figure
    max_target_speed_mps: Figure
    max_tof_s: Figure
    pk: Mapping[str, Figure]
    ballistic_max_range_m: Figure | None = None
    ballistic_max_altitude_m: Figure | None = None

    @model_validator(mode="after")
    def _all_classes(self) -> Missile:
        missing = [c for c in TARGET_CLASSES if c not in self.pk]
        extra = [c for c in self.pk if c not in TARGET_CLASSES]
        if missing:
            raise ValueError(f"pk lacks target classes {missing}")
        if extra:
            raise ValueError(f"pk has unknown target classes {extra}; known: {TARGET_CLASSES}")
        return self


class Launcher(_Entry):
    """A launcher (TEL) or combat vehicle: how many missiles it holds and how fast it reloads.

    ``capacity_large`` counts canisters of large missiles (48N6/40N6 class);
    ``capacity_small`` is how many small missiles it holds when loaded with them only.
    """

    capacity_large: int = Field(ge=0)
    capacity_small: int = Field(ge=0)
    reload_time_s: Figure


class AspectRcs(BaseModel):
    """RCS of a target in one band seen from the front, the side and the rear."""

    model_config = _FROZEN

    frontal: Figure
    beam: Figure
    rear: Figure

    def get(self, aspect: str) -> Figure:
        fig: Figure = getattr(self, aspect)
        return fig


class Target(_Entry):
    """An air object: class, RCS by band and aspect, and its flight envelope."""

    cls: TargetClass
    rcs: Mapping[str, AspectRcs] = Field(min_length=1)
    swerling: Literal[0, 1, 3]
    cruise_speed_mps: Figure
    max_speed_mps: Figure
    typical_altitude_m: Figure
    min_altitude_m: Figure
    max_altitude_m: Figure

    @model_validator(mode="after")
    def _bands(self) -> Target:
        bad = [b for b in self.rcs if b not in BANDS]
        if bad:
            raise ValueError(f"rcs has unknown bands {bad}; known: {BANDS}")
        return self

    def rcs_band_for(self, band: str) -> str:
        """The band whose table :meth:`rcs_m2` uses for ``band``.

        Rule: the band itself if tabulated; otherwise the tabulated band nearest to it in
        :data:`BANDS` order (VHF, UHF, L, S, C, X, Ku, K, Ka); on a tie, the lower-frequency
        one (stealth shaping works worse at lower frequency, so this errs towards the larger
        RCS, i.e. towards the defender seeing more).
        """
        want = normalize_band(band)
        if want in self.rcs:
            return want
        i = BANDS.index(want)
        have = sorted(self.rcs, key=lambda b: (abs(BANDS.index(b) - i), BANDS.index(b)))
        return have[0]

    def rcs_m2(self, band: str, aspect: str) -> Figure:
        """RCS figure (m²) in ``band`` from ``aspect`` (frontal/beam/rear or nose/side/tail).

        A band that is not tabulated falls back as :meth:`rcs_band_for` says.
        """
        return self.rcs[self.rcs_band_for(band)].get(normalize_aspect(aspect))


def normalize_band(band: str) -> str:
    """``'x'`` → ``'X'``, ``'ku'`` → ``'Ku'``; raises InputError for an unknown band."""
    from openiads.errors import InputError

    key = band.strip().lower().replace("-band", "").replace(" band", "")
    for b in BANDS:
        if b.lower() == key:
            return b
    raise InputError(f"unknown radar band {band!r}; known: {', '.join(BANDS)}")


def normalize_aspect(aspect: str) -> str:
    """``'nose'`` → ``'frontal'``, ``'side'`` → ``'beam'``, ``'tail'`` → ``'rear'``."""
    from openiads.errors import InputError

    key = aspect.strip().lower()
    if key not in _ASPECT_ALIASES:
        raise InputError(f"unknown aspect {aspect!r}; known: frontal, beam, rear")
    return _ASPECT_ALIASES[key]


Entry = System | Radar | Missile | Launcher | Target

KINDS: dict[str, type[_Entry]] = {
    "system": System,
    "radar": Radar,
    "missile": Missile,
    "launcher": Launcher,
    "target": Target,
}
