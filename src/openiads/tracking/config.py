"""Tracker parameters: declared once, with type, default, unit and meaning.

A scenario's ``tracking:`` block is validated with ``TrackerConfig.model_validate(block)``;
out-of-range values raise :class:`pydantic.ValidationError` whose messages name the field
and the allowed range (the scenario loader turns them into one-line input errors).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TrackerConfig(BaseModel):
    """Parameters of the per-radar trackers and of the command-post fusion.

    Every raw number carries its unit in its name. See ``docs/models/tracking.md`` for the
    equations each parameter enters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["cv", "ca", "imm"] = Field(
        default="cv",
        description=(
            "Motion model of every track: 'cv' nearly-constant velocity (white-noise "
            "acceleration), 'ca' nearly-constant acceleration (Wiener-process acceleration), "
            "'imm' interacting multiple model mixing 'cv' with a manoeuvre model (see "
            "imm_maneuver_model). 'cv' is the default: the most robust with long scan "
            "periods and dense streams; 'imm' holds hard manoeuvres at short scan periods."
        ),
    )
    process_noise_mps2: float = Field(
        default=2.0,
        gt=0.0,
        le=200.0,
        description=(
            "Acceleration noise of the CV model, m/s^2: the continuous white-noise "
            "acceleration has power spectral density q = process_noise_mps2^2 x 1 s "
            "(q in m^2/s^3), so the velocity random-walks by this many m/s per sqrt(s)."
        ),
    )
    maneuver_noise_mps3: float = Field(
        default=30.0,
        gt=0.0,
        le=2000.0,
        description=(
            "Jerk noise of the CA (manoeuvre) model, m/s^3: PSD of the white-noise jerk is "
            "maneuver_noise_mps3^2 x 1 s. A 5 g turn at 250 m/s rotates its acceleration at "
            "about 10 m/s^3; its onset within a second or two is a jerk of 25-50 m/s^3."
        ),
    )
    imm_maneuver_model: Literal["cv", "ca"] = Field(
        default="cv",
        description=(
            "IMM only: the manoeuvre model mixed with the quiet CV model: 'cv' a CV model "
            "with acceleration noise maneuver_accel_mps2 (6 states; stays tight at long scan "
            "periods), 'ca' the CA model with jerk noise maneuver_noise_mps3 (9 states)."
        ),
    )
    maneuver_accel_mps2: float = Field(
        default=40.0,
        gt=0.0,
        le=2000.0,
        description=(
            "IMM 'cv' manoeuvre model: acceleration noise, m/s^2 (PSD maneuver_accel_mps2^2 "
            "x 1 s). About the acceleration of the manoeuvres to follow: 5 g is 49 m/s^2."
        ),
    )
    imm_mean_sojourn_s: float = Field(
        default=20.0,
        gt=0.0,
        le=3600.0,
        description=(
            "IMM only: mean time a target flies quietly (CV mode) before a manoeuvre, s; the "
            "probability of starting one between two scans dt apart is "
            "1 - exp(-dt / imm_mean_sojourn_s)."
        ),
    )
    imm_maneuver_sojourn_s: float = Field(
        default=20.0,
        gt=0.0,
        le=3600.0,
        description="IMM only: mean duration of a manoeuvre (manoeuvre mode), s.",
    )
    gate_probability: float = Field(
        default=0.999,
        gt=0.5,
        lt=1.0,
        description=(
            "Probability that the true detection of a target falls inside its track's "
            "chi-square (3 degrees of freedom) Mahalanobis gate."
        ),
    )
    init_velocity_std_mps: float = Field(
        default=300.0,
        gt=0.0,
        le=5000.0,
        description=(
            "Standard deviation, per axis, of the velocity of a track started from a single "
            "detection, m/s (sets how wide the gate of a new track is)."
        ),
    )
    init_acceleration_std_mps2: float = Field(
        default=10.0,
        gt=0.0,
        le=1000.0,
        description="CA/IMM only: standard deviation, per axis, of a new track's acceleration, m/s^2.",
    )
    confirm_m: int = Field(
        default=3,
        ge=1,
        le=32,
        description="M of the M-of-N rule: detections a new track needs within its first N scans.",
    )
    confirm_n: int = Field(
        default=4,
        ge=1,
        le=32,
        description="N of the M-of-N rule: window of scans, counted from the track's first detection.",
    )
    delete_after_misses: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="A confirmed track is deleted after this many consecutive scans without a detection.",
    )
    max_position_std_m: float = Field(
        default=10_000.0,
        gt=0.0,
        le=1.0e7,
        description=(
            "A track is deleted when the standard deviation of its position on any axis "
            "grows beyond this, m."
        ),
    )
    fusion: Literal["measurement", "covariance_intersection", "best"] = Field(
        default="measurement",
        description=(
            "How the command post combines the radar tracks of one target: 'measurement' "
            "(each fused track is a filter updated with the detections its radar tracks "
            "take: centralised, exact for independent radar errors), "
            "'covariance_intersection' (fast CI of the radar-track estimates, consistent "
            "whatever their unknown correlation: for a post that receives tracks only), "
            "'best' (the radar track with the smallest position covariance)."
        ),
    )
    fusion_gate_probability: float = Field(
        default=0.9999,
        gt=0.5,
        lt=1.0,
        description=(
            "Probability that two radar tracks of the same target pass the chi-square "
            "(3 degrees of freedom) position gate of track-to-track association."
        ),
    )

    @model_validator(mode="after")
    def _m_not_above_n(self) -> TrackerConfig:
        if self.confirm_m > self.confirm_n:
            raise ValueError(
                f"confirm_m ({self.confirm_m}) must not exceed confirm_n ({self.confirm_n})"
            )
        return self
