"""The scenario file format, version 1, as pydantic models.

A scenario reads like a briefing: when and where, which sites (by catalog system name), which
air objects fly which routes, which areas are defended. Every quantity is written with its
unit (``250 km``, ``FL350``, ``450 kt``, ``Mach 0.8``, ``-30 dBsm``) and parsed once, here,
into SI floats. docs/scenario-format.md is generated from these models
(``python -m openiads.scenario.docs``) and a test checks it is up to date.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from openiads.errors import InputError
from openiads.units import parse_altitude, parse_quantity


@dataclass(frozen=True)
class QuantityKind:
    """Marks a field as a quantity of a kind (for the generated format documentation)."""

    kind: str


def _quantity(kind: str, *, allow_negative: bool = False) -> Any:
    def parse(value: Any) -> float:
        try:
            return parse_quantity(value, kind, allow_negative=allow_negative)
        except InputError as err:
            raise ValueError(err.message) from None

    return BeforeValidator(parse)


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


Length = Annotated[float, _quantity("length"), QuantityKind("length")]
PositiveLength = Annotated[
    float, _quantity("length"), AfterValidator(_positive), QuantityKind("length")
]
Speed = Annotated[float, _quantity("speed"), AfterValidator(_positive), QuantityKind("speed")]
Duration = Annotated[float, _quantity("time"), QuantityKind("duration")]
PositiveDuration = Annotated[
    float, _quantity("time"), AfterValidator(_positive), QuantityKind("duration")
]
Rcs = Annotated[float, _quantity("rcs"), AfterValidator(_positive), QuantityKind("rcs")]


class Altitude(BaseModel):
    """An altitude in metres and its reference (mean sea level or above ground)."""

    model_config = ConfigDict(frozen=True)
    m: float
    ref: Literal["msl", "agl"] = "msl"


def _parse_alt(value: Any) -> Any:
    if isinstance(value, Altitude | dict):
        return value
    try:
        m, ref = parse_altitude(value)
    except InputError as err:
        raise ValueError(err.message) from None
    if m < -500.0:
        raise ValueError(f"altitude below -500 m is not on Earth; got {value!r}")
    return Altitude(m=m, ref=ref)


AltitudeField = Annotated[Altitude, BeforeValidator(_parse_alt), QuantityKind("altitude")]


def _lat(value: float) -> float:
    if not -90.0 <= value <= 90.0:
        raise ValueError(f"latitude must be within [-90, 90] degrees; got {value}")
    return value


def _lon(value: float) -> float:
    if not -180.0 <= value <= 180.0:
        raise ValueError(f"longitude must be within [-180, 180] degrees; got {value}")
    return value


Lat = Annotated[float, AfterValidator(_lat)]
Lon = Annotated[float, AfterValidator(_lon)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Position(_Model):
    """A geodetic position: latitude and longitude in decimal degrees (WGS-84), altitude."""

    lat: Lat = Field(description="latitude, decimal degrees north")
    lon: Lon = Field(description="longitude, decimal degrees east")
    alt: AltitudeField = Field(
        default_factory=lambda: Altitude(m=0.0), description="altitude (default 0 m MSL)"
    )


class Point(_Model):
    """A horizontal point: latitude and longitude in decimal degrees."""

    lat: Lat
    lon: Lon


class Waypoint(_Model):
    """One point of a route. ``speed`` applies to the leg that starts here; ``time`` (offset
    from the epoch) may be given instead of speeds, for every waypoint of the route."""

    lat: Lat = Field(description="latitude, decimal degrees north")
    lon: Lon = Field(description="longitude, decimal degrees east")
    alt: AltitudeField | None = Field(None, description="defaults to the previous waypoint's")
    speed: Speed | None = Field(None, description="defaults to the previous leg's speed")
    time: Duration | None = Field(None, description="time after the epoch at this waypoint")


class Doctrine(_Model):
    """How a fire unit engages a target."""

    salvo: int = Field(1, ge=1, le=8, description="interceptors launched per engagement")
    shoot_look_shoot: bool = Field(
        True, description="after a salvo, assess the kill and engage again if it survived"
    )
    max_salvos: int = Field(2, ge=1, le=10, description="salvos per target at most")
    launch_interval: Duration = Field(3.0, description="time between rounds of one salvo")
    pk: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="fixed single-shot kill probability (replaces the catalog's; for validation)",
    )
    kill_assessment: Duration = Field(
        5.0, description="time after an intercept before the result is known"
    )


class Site(_Model):
    """A deployed system (a fire unit with its radars, launchers and command post)."""

    id: str = Field(min_length=1, description="unique name of the site")
    system: str = Field(description="catalog system name, e.g. S-400, 3rd-Khordad")
    position: Position = Field(description="where the system is deployed")
    mast: Length | None = Field(
        None,
        description="antenna height of the fire-control radar above ground "
        "(replaces the catalog's, e.g. a 40V6M tower)",
    )
    doctrine: Doctrine = Field(default_factory=Doctrine)
    roe: Literal["weapons-free", "weapons-tight", "area-violation", "hold"] = Field(
        "weapons-tight",
        description="weapons-free: any hostile in reach; weapons-tight: hostiles that threaten "
        "a defended area; area-violation: hostiles inside a defended area; hold: never fire",
    )
    missiles: dict[str, int] | None = Field(
        None, description="ready rounds per missile type (replaces the catalog's loadout)"
    )
    reserve: dict[str, int] = Field(
        default_factory=dict, description="reload rounds per missile type held at the site"
    )
    false_alarms_per_scan: float | None = Field(
        None, ge=0.0, description="false alarms per radar scan (replaces the catalog's)"
    )


class Circle(_Model):
    """A circle on the ground."""

    center: Point = Field(description="{lat, lon} of the centre")
    radius: PositiveLength = Field(description="radius")


class DefendedArea(_Model):
    """A polygon ([[lat, lon], ...]) or a circle that the defence protects."""

    id: str = Field(min_length=1, description="unique name of the area")
    polygon: list[tuple[Lat, Lon]] | None = Field(None, description="[[lat, lon], ...], 3+ points")
    circle: Circle | None = Field(None, description="a circle instead of a polygon")

    @model_validator(mode="after")
    def _one_shape(self) -> DefendedArea:
        if (self.polygon is None) == (self.circle is None):
            raise ValueError("give exactly one of 'polygon' or 'circle'")
        if self.polygon is not None and len(self.polygon) < 3:
            raise ValueError("a polygon needs at least 3 points")
        return self


Side = Literal["hostile", "friendly", "civil"]


class _RcsOverrides(_Model):
    rcs_frontal: Rcs | None = Field(None, description="replaces the catalog's frontal RCS")
    rcs_beam: Rcs | None = Field(None, description="replaces the catalog's beam RCS")
    rcs_rear: Rcs | None = Field(None, description="replaces the catalog's rear RCS")


class AirObject(_RcsOverrides):
    """One aircraft, drone or missile flying a route."""

    id: str = Field(min_length=1, description="unique name of the object")
    type: str = Field(description="catalog target name, e.g. RQ-4A, F-35A, Tomahawk")
    side: Side = Field("hostile", description="hostile, friendly or civil")
    start: Duration = Field(0.0, description="time after the epoch at which it is airborne")
    route: list[Waypoint] = Field(min_length=2, description="two or more waypoints")

    @model_validator(mode="after")
    def _timing(self) -> AirObject:
        times = [w.time for w in self.route]
        if any(t is not None for t in times):
            if any(t is None for t in times):
                raise ValueError("give 'time' for every waypoint of the route, or for none")
            if any(b <= a for a, b in itertools.pairwise(times)):  # type: ignore[operator]
                raise ValueError("waypoint times must increase along the route")
        if self.route[0].alt is None:
            raise ValueError("the first waypoint needs an altitude ('alt')")
        return self


class Raid(_RcsOverrides):
    """Many objects of one type from one place to one target, for saturation studies."""

    id: str = Field(min_length=1, description="unique name; objects are <id>-1, <id>-2, ...")
    type: str = Field(description="catalog target name")
    side: Side = Field("hostile", description="hostile, friendly or civil")
    count: int = Field(ge=1, le=100_000, description="number of objects")
    origin: Point = Field(alias="from", description="{lat, lon} where the objects start")
    to: str | Point = Field(description="a defended-area id or a point")
    altitude: AltitudeField = Field(description="flight altitude, e.g. '30 m AGL' or FL300")
    speed: Speed | None = Field(None, description="defaults to the type's cruise speed")
    start: Duration = Field(0.0, description="launch time of the first object after the epoch")
    spacing: Duration = Field(10.0, description="time between successive launches")
    spread: Length = Field(0.0, description="lateral spacing between successive objects")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Terrain(_Model):
    """Digital elevation model used for line of sight."""

    dem: str = Field(description="GeoTIFF or SRTM .hgt file, relative to the scenario file")
    k: float = Field(4.0 / 3.0, gt=0.5, le=10.0, description="effective earth radius factor")
    nodata: Literal["error", "fill", "sea-level"] = Field(
        "error",
        description="DEM voids: stop with an error, fill from the nearest height, or sea level",
    )


class World(_Model):
    """How far from the origin the scenario may reach."""

    radius: PositiveLength = Field(
        1_000_000.0, description="waypoints farther than this from the origin are rejected"
    )


class Scenario(_Model):
    """A whole scenario file (``schema_version: 1``)."""

    schema_version: Literal[1] = Field(description="always 1 for this format")
    name: str = Field(description="title shown in summaries and reports")
    description: str = Field("", description="free text: what, sources, caveats")
    epoch: dt.datetime = Field(description="scenario time zero, e.g. 2019-06-19T23:03:00Z")
    duration: PositiveDuration = Field(description="simulated time span")
    tick: PositiveDuration = Field(1.0, description="engine time step")
    seed: int = Field(1, ge=0, description="root random seed (overridden by --seed)")
    origin: Position | None = Field(None, description="local frame origin; default first site")
    world: World = Field(default_factory=World, description="extent of the world")
    terrain: Terrain | None = Field(None, description="DEM for line of sight (optional)")
    tracking: dict[str, Any] = Field(
        default_factory=dict, description="tracker parameters (see docs/models/tracking.md)"
    )
    trajectory_interval: PositiveDuration = Field(
        2.0, description="sampling interval of recorded trajectories"
    )
    sites: list[Site] = Field(default_factory=list, description="deployed systems")
    defended_areas: list[DefendedArea] = Field(
        default_factory=list, description="areas the defence protects"
    )
    air: list[AirObject] = Field(default_factory=list, description="individual air objects")
    raids: list[Raid] = Field(default_factory=list, description="streams of identical objects")

    @model_validator(mode="after")
    def _consistency(self) -> Scenario:
        if self.tick > self.duration:
            raise ValueError("'tick' is longer than 'duration'")
        ids = [s.id for s in self.sites] + [a.id for a in self.air] + [r.id for r in self.raids]
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise ValueError(f"id {i!r} is used twice")
            seen.add(i)
        if self.epoch.tzinfo is None:
            raise ValueError("'epoch' needs a time zone, e.g. 2019-06-19T23:00:00Z")
        return self
