"""Seed streams of a study: one root seed, one independent stream per replication.

Replication ``i`` gets ``SeedSequence(root, spawn_key=(i,))``, which is exactly
``SeedSequence(root).spawn(n)[i]`` for any ``n > i`` but is computed from ``(root, i)`` alone:
it does not depend on how many workers run the study, on which worker runs replication ``i``,
or on the order replications finish. Inside a replication, child 0 drives the engine and
child 1 draws the catalog figures of an uncertainty study, so adding ``--uncertainty`` never
changes the engine's own random numbers.

Every sweep point uses the same replication streams (common random numbers): the difference
between two sweep points is then due to the parameter, not to different luck.
"""

from __future__ import annotations

import numpy as np

#: Largest root seed accepted (stored in a signed 64-bit column).
MAX_SEED = 2**63 - 1


def check_seed(seed: int) -> int:
    """Return ``seed`` if it is a usable root seed, else raise ``ValueError``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"a seed must be an integer; got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"a seed must lie in [0, 2**63 - 1]; got {seed}")
    return int(seed)


def replication_seed(root: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` of a study with root seed ``root``."""
    return np.random.SeedSequence(check_seed(root), spawn_key=(int(replication),))


def engine_seed(root: int, replication: int) -> np.random.SeedSequence:
    """Stream handed to the engine for one replication (child 0 of its sequence)."""
    return np.random.SeedSequence(check_seed(root), spawn_key=(int(replication), 0))


def catalog_seed(root: int, replication: int) -> np.random.SeedSequence:
    """Stream that draws the catalog figures of one replication (child 1 of its sequence)."""
    return np.random.SeedSequence(check_seed(root), spawn_key=(int(replication), 1))
