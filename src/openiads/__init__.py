"""openiads: an open, reproducible simulator and analysis toolkit for integrated air defence.

Everything in the core works in SI units (m, s, rad, m^2, W, Hz) in a local east-north-up
frame; decibels appear only in names ending in ``_db``. See docs/design.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openiads")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
