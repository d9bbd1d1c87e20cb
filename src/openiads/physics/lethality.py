"""Kill probability: salvo and shoot-look-shoot arithmetic, and a single-shot Pk model.

Shots are independent Bernoulli trials with single-shot kill probability ``p`` and kill
assessment is perfect (a "look" always tells a kill from a miss). The single-shot model's
modifiers are ASSUMPTIONS of this project, not published figures: see
docs/models/kill-probability.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "salvo_pk",
    "shoot_look_shoot",
    "shoot_shoot_look",
    "shoot_shoot_look_expected_shots",
    "single_shot_pk",
]

FloatArray = NDArray[np.float64]


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def salvo_pk(p: ArrayLike, n: ArrayLike) -> Any:
    """Kill probability of a salvo of ``n`` independent shots: ``1 − (1 − p)^n``.

    Worked: p = 0.7 → 0.70, 0.91, 0.973 for n = 1, 2, 3.
    """
    return 1.0 - np.power(1.0 - _f(p), _f(n))


def shoot_look_shoot(p: ArrayLike, max_shots: ArrayLike) -> tuple[Any, Any]:
    """Fire one shot, look, fire again on a miss, up to ``max_shots``: ``(P_k, E[shots])``.

    ``P_k = 1 − (1 − p)^m`` and ``E[shots] = Σ_{i=0}^{m−1} (1 − p)^i = (1 − (1 − p)^m) / p``
    (``= m`` when ``p = 0``). Worked: p = 0.7, m = 2 → P_k 0.91, E 1.30.
    """
    p_f = _f(p)
    m = _f(max_shots)
    q_m = np.power(1.0 - p_f, m)
    pk = 1.0 - q_m
    safe_p = np.where(p_f > 0.0, p_f, 1.0)
    expected = np.where(p_f > 0.0, pk / safe_p, m)
    return pk, expected


def shoot_shoot_look(p: ArrayLike, max_salvos: ArrayLike) -> tuple[Any, Any]:
    """Two-round salvos, look after each, up to ``max_salvos`` salvos: ``(P_k, E[shots])``.

    A salvo kills with ``s = 1 − (1 − p)²``; ``P_k = 1 − (1 − s)^k`` and
    ``E[shots] = 2 (1 − (1 − s)^k) / s`` (``= 2k`` when ``p = 0``).
    """
    pk, salvos = shoot_look_shoot(salvo_pk(p, 2), max_salvos)
    return pk, 2.0 * salvos


def shoot_shoot_look_expected_shots(p: ArrayLike) -> Any:
    """Expected shots when two-round salvos are repeated until a kill: ``2 / (1 − (1 − p)²)``.

    Unlimited salvos (the limit of :func:`shoot_shoot_look` as ``max_salvos → ∞``); +inf for
    ``p = 0``. Worked: p = 0.7 → 2.1978.
    """
    s = salvo_pk(p, 2)
    with np.errstate(divide="ignore"):
        return 2.0 / s


def single_shot_pk(
    base_pk: ArrayLike,
    target_speed_mps: ArrayLike,
    max_target_speed_mps: ArrayLike,
    range_m: ArrayLike,
    max_range_m: ArrayLike,
    *,
    endgame_start_fraction: ArrayLike = 0.8,
    pk_fraction_at_max_range: ArrayLike = 0.5,
) -> Any:
    """Single-shot kill probability of one interceptor against one target (ASSUMPTION model).

    ``Pk = base_pk · f_speed · f_range`` where ``base_pk`` is the catalog's figure for the
    target class and

    * ``f_speed = 1`` while ``target_speed ≤ max_target_speed``, else 0 (the missile cannot
      engage targets faster than its published limit);
    * ``f_range = 1`` out to ``endgame_start_fraction · max_range``, then falls linearly to
      ``pk_fraction_at_max_range`` at ``max_range``, and is 0 beyond it (a missile near the end
      of its energy has less manoeuvre margin in the end game).

    Both modifiers are project ASSUMPTIONS, monotone non-increasing in speed and range; set
    ``endgame_start_fraction = 1`` and ``pk_fraction_at_max_range = 1`` to switch the range
    effect off. ``range_m`` is the intercept range (launcher to predicted intercept point).
    """
    base = _f(base_pk)
    speed_ok = _f(target_speed_mps) <= _f(max_target_speed_mps)
    r = _f(range_m)
    r_max = _f(max_range_m)
    start = _f(endgame_start_fraction) * r_max
    floor = _f(pk_fraction_at_max_range)
    span = r_max - start
    safe_span = np.where(span > 0.0, span, 1.0)
    ramp = np.where(span > 0.0, np.clip((r - start) / safe_span, 0.0, 1.0), 0.0)
    f_range = np.where(r <= r_max, 1.0 - (1.0 - floor) * ramp, 0.0)
    return np.where(speed_ok, base * f_range, 0.0)
