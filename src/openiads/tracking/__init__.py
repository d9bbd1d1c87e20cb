"""Vectorised multi-target tracking and multi-radar fusion.

Public API::

    cfg = TrackerConfig(model="imm", ...)            # validated parameters
    pic = AirPicture(cfg, radar_ids, radar_positions_enu)
    events = pic.scan(t_s, radar_index, z_rae, sigma_rae, truth_id)
    events = pic.fuse(t_s)
    fused = pic.fused_tracks(t_s)                    # FusedTracks
    pic.metrics()

See docs/models/tracking.md for the models and their sources.
"""

from openiads.tracking.config import TrackerConfig
from openiads.tracking.metrics import gospa, ospa
from openiads.tracking.picture import AirPicture, FusedTracks

__all__ = ["AirPicture", "FusedTracks", "TrackerConfig", "gospa", "ospa"]
