"""The engine reduces to the closed forms of physics.md §6 when the scenario does.

Many independent, non-manoeuvring, well-separated targets (so that tracking is not in
question), a fixed single-shot Pk and a full magazine:
the kill fraction and the shots spent per target must fall inside the 99 % sampling
interval of the formulas (Wilson interval for the proportion, normal interval for the mean).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from openiads.engine import simulate
from openiads.physics.lethality import salvo_pk, shoot_look_shoot
from openiads.scenario import compile_world, load_scenario_text

Z99 = 2.5758293035489004  # standard normal 99.5 % quantile

TEMPLATE = """
schema_version: 1
name: closed-form check
epoch: 2026-01-01T00:00:00Z
duration: {duration}
seed: 11
sites:
  - id: bn
    system: S-400
    position: {{lat: 27.0, lon: 56.0, alt: 0 m}}
    doctrine: {{salvo: {salvo}, shoot_look_shoot: {sls}, max_salvos: {max_salvos}, pk: {pk}}}
    missiles: {{9M96E2: 5000}}
    roe: weapons-free
defended_areas:
  - id: home
    circle: {{center: {{lat: 27.0, lon: 56.0}}, radius: 5 km}}
raids:
{raids}"""

RAID = """  - id: wave{k}
    type: F-16C
    count: {count}
    from: {{lat: {lat:.4f}, lon: {lon:.4f}}}
    to: home
    altitude: FL200
    speed: 250 m/s
    spacing: 30 s
"""
STREAMS = 6


def scenario_text(count: int, salvo: int, sls: bool, max_salvos: int, p: float) -> str:
    """``count`` well-separated, non-manoeuvring targets in six streams 130 km out."""
    per = count // STREAMS
    raids = "".join(
        RAID.format(
            k=k,
            count=per,
            lat=27.0 + 1.2 * math.cos(2 * math.pi * k / STREAMS),
            lon=56.0 + 1.3 * math.sin(2 * math.pi * k / STREAMS),
        )
        for k in range(STREAMS)
    )
    return TEMPLATE.format(
        duration=f"{per * 30 + 700} s",
        salvo=salvo,
        sls=str(sls).lower(),
        max_salvos=max_salvos,
        pk=p,
        raids=raids,
    )


def wilson(k: int, n: int, z: float = Z99) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) for k successes in n trials."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _run(count: int, salvo: int, sls: bool, max_salvos: int, p: float) -> dict:
    text = scenario_text(count, salvo, sls, max_salvos, p)
    world = compile_world(load_scenario_text(text, "closed-form.yaml"))
    return simulate(world, 11, trajectory_dt_s=None).summary


@pytest.mark.slow
def test_two_round_salvo_matches_one_minus_q_squared() -> None:
    p, n = 0.7, 300
    s = _run(n, salvo=2, sls=False, max_salvos=1, p=p)
    objs = [o for o in s["objects"] if o["side"] == "hostile"]
    engaged = [o for o in objs if o["engagements"] > 0]
    assert len(engaged) == n, "every target must be engaged for the reduction to hold"
    shots = np.array([o["shots"] for o in engaged])
    assert np.all(shots == 2)
    kills = sum(o["status"] == "killed" for o in engaged)
    lo, hi = wilson(kills, n)
    assert lo <= salvo_pk(p, 2) <= hi, (kills / n, salvo_pk(p, 2))


@pytest.mark.slow
def test_shoot_look_shoot_matches_expected_shots() -> None:
    p, m, n = 0.7, 2, 300
    s = _run(n, salvo=1, sls=True, max_salvos=m, p=p)
    objs = [o for o in s["objects"] if o["side"] == "hostile"]
    assert all(o["engagements"] > 0 for o in objs)
    pk_expected, shots_expected = shoot_look_shoot(p, m)
    kills = sum(o["status"] == "killed" for o in objs)
    lo, hi = wilson(kills, n)
    assert lo <= pk_expected <= hi, (kills / n, pk_expected)
    shots = np.array([o["shots"] for o in objs], dtype=float)
    half = Z99 * shots.std(ddof=1) / math.sqrt(n)
    assert shots.mean() == pytest.approx(shots_expected, abs=half, rel=0)
    assert shoot_look_shoot(0.7, 2) == pytest.approx((0.91, 1.30), rel=0, abs=1e-12)
