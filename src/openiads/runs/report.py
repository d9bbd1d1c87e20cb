"""Statistics of a stored study, as tables (rich), JSON and plots (matplotlib).

:func:`study_statistics` turns the per-replication rows of a store into the figures an analyst
reads, per sweep point: leakers (mean with a Student-t interval, quantiles), probability that
nothing leaks (Wilson interval), kills, interceptors spent (in total and per fire unit), time
until each fire unit's magazine is empty (and how often it empties at all), first-detection
ranges per target type (and how often a type is detected at all); for uncertainty studies the
Spearman rank correlation of every drawn catalog figure with the outcome (tornado chart).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from openiads.runs import stats as st
from openiads.runs.store import RunStore

#: Quantiles reported for distributions.
QUANTILES = (0.05, 0.5, 0.95)


def _mean_block(values: np.ndarray, confidence: float) -> dict[str, Any]:
    mi = st.mean_interval(values, confidence)
    q = st.quantiles(values, QUANTILES)
    out: dict[str, Any] = mi.as_dict()
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() >= 0.0 and out["low"] < 0.0:
        out["low"] = 0.0  # a mean of non-negative counts, times or ranges is never negative
    out.update({f"q{round(p * 100):02d}": float(v) for p, v in zip(QUANTILES, q, strict=True)})
    out["min"] = float(finite.min()) if finite.size else math.nan
    out["max"] = float(finite.max()) if finite.size else math.nan
    return out


def _prop_block(k: int, n: int, confidence: float) -> dict[str, Any]:
    low, high = st.wilson_interval(k, n, confidence)
    return {
        "p": k / n if n else math.nan,
        "low": float(low),
        "high": float(high),
        "k": int(k),
        "n": int(n),
    }


def _locate(reps: np.ndarray, rep_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``rep_values`` in the sorted ``reps`` and whether each is there."""
    pos = np.searchsorted(reps, rep_values)
    if reps.size == 0:
        return pos, np.zeros(pos.shape, dtype=bool)
    return pos, reps[np.minimum(pos, reps.size - 1)] == rep_values


class _Rows:
    """The long ``stats`` rows of one study as NumPy columns."""

    def __init__(self, table: Any) -> None:
        self.point = np.asarray(table["point"].to_numpy(zero_copy_only=False), dtype=np.int64)
        self.rep = np.asarray(table["rep"].to_numpy(zero_copy_only=False), dtype=np.int64)
        self.metric = np.asarray(table["metric"].to_pylist(), dtype=object)
        self.key = np.asarray(table["key"].to_pylist(), dtype=object)
        self.type = np.asarray(table["type"].to_pylist(), dtype=object)
        # NULL (the engine said None) reads as NaN
        self.value = np.asarray(table["value"].to_numpy(zero_copy_only=False), dtype=float)

    def select(self, point: int, metric: str) -> np.ndarray:
        return np.flatnonzero((self.point == point) & (self.metric == metric))

    def scalar(self, point: int, metric: str, reps: np.ndarray) -> np.ndarray:
        """Value of a study-wide metric for each replication in ``reps`` (NaN if absent)."""
        idx = self.select(point, metric)
        idx = idx[self.key[idx] == ""]
        out = np.full(reps.size, np.nan)
        pos, ok = _locate(reps, self.rep[idx])
        out[pos[ok]] = self.value[idx[ok]]
        return out

    def keyed(self, point: int, metric: str) -> dict[str, np.ndarray]:
        """``{key: row indices}`` of a per-key metric."""
        idx = self.select(point, metric)
        idx = idx[self.key[idx] != ""]
        out: dict[str, np.ndarray] = {}
        for k in sorted(set(self.key[idx].tolist())):
            out[k] = idx[self.key[idx] == k]
        return out


def study_statistics(
    store: RunStore, study_id: str, *, confidence: float = st.CONFIDENCE
) -> dict[str, Any]:
    """All statistics of one study, as a JSON-ready dict (see the module docstring)."""
    rec = store.study(study_id)
    points = store.points(study_id)
    reps_table = store.replications(study_id)
    r_point = np.asarray(reps_table["point"].to_numpy(zero_copy_only=False), dtype=np.int64)
    r_rep = np.asarray(reps_table["rep"].to_numpy(zero_copy_only=False), dtype=np.int64)
    r_status = np.asarray(reps_table["status"].to_pylist(), dtype=object)
    r_error = np.asarray(reps_table["error"].to_pylist(), dtype=object)
    rows = _Rows(store.stats(study_id))
    draws = store.draws(study_id)
    out_points = []
    for p in points:
        i = int(p["point"])
        sel = r_point == i
        reps = np.sort(r_rep[sel & (r_status == "done")])
        n = int(reps.size)
        block: dict[str, Any] = {
            "point": i,
            "params": p["params"],
            "label": p["label"],
            "done": n,
            "failed": int(np.count_nonzero(sel & (r_status != "done"))),
            "errors": sorted({str(e) for e in r_error[sel & (r_status != "done")]})[:3],
        }
        leakers = rows.scalar(i, "leakers", reps)
        if n and np.isfinite(leakers).any():
            ok = np.isfinite(leakers)
            block["leakers"] = _mean_block(leakers, confidence)
            block["p_no_leak"] = _prop_block(
                int(np.count_nonzero(leakers[ok] == 0)), int(ok.sum()), confidence
            )
        for metric in ("kills", "hostile"):
            vals = rows.scalar(i, metric, reps)
            if n and np.isfinite(vals).any():
                block[metric] = _mean_block(vals, confidence)
        spent_keys = rows.keyed(i, "interceptors_spent_by_fire_unit") or rows.keyed(
            i, "interceptors_spent"
        )
        total = rows.scalar(i, "interceptors_spent", reps)
        per_unit = {}
        summed = np.zeros(reps.size)
        for unit, idx in spent_keys.items():
            vals = np.zeros(reps.size)
            pos, okp = _locate(reps, rows.rep[idx])
            vals[pos[okp]] = np.nan_to_num(rows.value[idx[okp]])
            summed += vals
            per_unit[unit] = _mean_block(vals, confidence)
        if not np.isfinite(total).any() and spent_keys:
            total = summed
        if n and np.isfinite(total).any():
            block["interceptors_spent_total"] = _mean_block(total, confidence)
            block["_spent_total_values"] = total
        if per_unit:
            block["interceptors_spent"] = per_unit
        mags = rows.keyed(i, "magazine_empty_s")
        if mags:
            mag_out = {}
            for unit, idx in mags.items():
                vals = rows.value[idx]
                k = int(np.count_nonzero(np.isfinite(vals)))
                mag_out[unit] = {
                    "p_empty": _prop_block(k, int(vals.size), confidence),
                    "time_s": _mean_block(vals, confidence),
                }
            block["magazine_empty"] = mag_out
        det = rows.keyed(i, "first_detection_range_m")
        if det:
            by_type: dict[str, list[np.ndarray]] = {}
            for _obj, idx in det.items():
                typ = str(rows.type[idx[0]]) or "?"
                by_type.setdefault(typ, []).append(rows.value[idx])
            det_out = {}
            for typ, parts in sorted(by_type.items()):
                vals = np.concatenate(parts)
                k = int(np.count_nonzero(np.isfinite(vals)))
                det_out[typ] = {
                    "objects": len(parts),
                    "p_detected": _prop_block(k, int(vals.size), confidence),
                    "range_m": _mean_block(vals, confidence),
                }
            block["first_detection"] = det_out
        block["_leakers_values"] = leakers
        block["_reps"] = reps
        out_points.append(block)

    result: dict[str, Any] = {
        "caveat": "",
        "study": {
            k: rec[k]
            for k in (
                "study_id",
                "name",
                "scenario_file",
                "scenario_sha256",
                "seed",
                "runs",
                "package_version",
                "catalog_version",
                "sweep",
                "uncertainty",
                "keep",
            )
        },
        "confidence": confidence,
        "points": out_points,
    }
    if draws.num_rows:
        result["sensitivity"] = _sensitivity(draws, out_points, confidence)
    result["caveat"] = caveat(result)
    return result


def _sensitivity(
    draws: Any, points: list[dict[str, Any]], confidence: float
) -> list[dict[str, Any]]:
    """Spearman ρ of each drawn figure with leakers and interceptors spent, per point."""
    d_point = np.asarray(draws["point"].to_numpy(zero_copy_only=False), dtype=np.int64)
    d_rep = np.asarray(draws["rep"].to_numpy(zero_copy_only=False), dtype=np.int64)
    d_path = np.asarray(draws["path"].to_pylist(), dtype=object)
    d_val = np.asarray(draws["value"].to_numpy(zero_copy_only=False), dtype=float)
    out = []
    for block in points:
        i = block["point"]
        reps = block["_reps"]
        idx = np.flatnonzero(d_point == i)
        if not idx.size or reps.size < 3:
            continue
        unique_paths, cols = np.unique(d_path[idx], return_inverse=True)  # sorted paths
        paths = [str(p) for p in unique_paths]
        matrix = np.full((reps.size, len(paths)), np.nan)
        pos, ok = _locate(reps, d_rep[idx])
        matrix[pos[ok], cols[ok]] = d_val[idx[ok]]
        # The catalog links figures that rest on one claim (one draw for all of them): rank
        # such a group once, as one bar.
        groups: dict[bytes, list[int]] = {}
        for j in range(matrix.shape[1]):
            groups.setdefault(matrix[:, j].tobytes(), []).append(j)
        members = [[paths[j] for j in js] for js in groups.values()]
        matrix = matrix[:, [js[0] for js in groups.values()]]
        paths = [m[0] for m in members]
        outcomes = {"leakers": block["_leakers_values"]}
        if "_spent_total_values" in block:
            outcomes["interceptors_spent_total"] = block["_spent_total_values"]
        for name, y in outcomes.items():
            good = np.isfinite(y) & np.all(np.isfinite(matrix), axis=1)
            if good.sum() < 3:
                continue
            rho = st.rank_correlation(matrix[good], y[good])
            low, high = st.rank_correlation_interval(rho, int(good.sum()), confidence)
            figures: list[dict[str, Any]] = [
                {
                    "path": m[0] if len(m) == 1 else f"{m[0]} (+{len(m) - 1} linked)",
                    "paths": m,
                    "rho": float(r),
                    "low": float(lo),
                    "high": float(hi),
                }
                for m, r, lo, hi in zip(members, rho, low, high, strict=True)
            ]
            figures.sort(key=lambda f: -abs(float(f["rho"])) if math.isfinite(f["rho"]) else 0.0)
            out.append({"point": i, "outcome": name, "n": int(good.sum()), "figures": figures})
    return out


def public(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` without the private arrays (keys starting with ``_``), JSON-ready."""

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items() if not str(k).startswith("_")}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        if isinstance(obj, float) and not math.isfinite(obj):
            return None
        if isinstance(obj, np.generic):
            return clean(obj.item())
        return obj

    return dict(clean(stats))


# ----------------------------------------------------------------------------- tables


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def _ci(block: dict[str, Any], scale: float = 1.0, digits: int = 2) -> str:
    m, lo, hi = block["mean"], block["low"], block["high"]
    if not math.isfinite(m):
        return "–"
    if not math.isfinite(lo):
        return _fmt(m / scale, digits)
    return f"{_fmt(m / scale, digits)} [{_fmt(lo / scale, digits)}, {_fmt(hi / scale, digits)}]"


def _q(block: dict[str, Any], scale: float = 1.0, digits: int = 1) -> str:
    return " / ".join(_fmt(block[k] / scale, digits) for k in ("q05", "q50", "q95"))


def _p(block: dict[str, Any]) -> str:
    if not block["n"]:
        return "–"
    return f"{block['p']:.3f} [{block['low']:.3f}, {block['high']:.3f}]"


def make_console() -> Any:
    """A rich console; wide when writing to a file or a pipe."""
    from rich.console import Console

    con = Console()
    # Written to a file or a pipe: wide enough that tables do not wrap.
    return con if con.is_terminal else Console(width=160)


def outcome_table(stats: dict[str, Any], max_points: int | None = None) -> Any:
    """The headline table: leakers, P(no leak), kills, interceptors per sweep point."""
    from rich.table import Table

    pct = round(stats["confidence"] * 100)
    pts = stats["points"] if max_points is None else stats["points"][:max_points]
    t = Table(title=f"Outcome per sweep point (mean [{pct}% CI]; q05 / median / q95)")
    t.add_column("point")
    t.add_column("runs", justify="right")
    t.add_column("leakers", justify="right")
    t.add_column("leakers q", justify="right")
    t.add_column("P(no leak) [Wilson]", justify="right")
    t.add_column("kills", justify="right")
    t.add_column("interceptors", justify="right")
    t.add_column("interceptors q", justify="right")
    for b in pts:
        runs = f"{b['done']}" + (f" (+{b['failed']} failed)" if b["failed"] else "")
        t.add_row(
            b["label"],
            runs,
            _ci(b["leakers"]) if "leakers" in b else "–",
            _q(b["leakers"]) if "leakers" in b else "–",
            _p(b["p_no_leak"]) if "p_no_leak" in b else "–",
            _ci(b["kills"]) if "kills" in b else "–",
            _ci(b["interceptors_spent_total"]) if "interceptors_spent_total" in b else "–",
            _q(b["interceptors_spent_total"]) if "interceptors_spent_total" in b else "–",
        )
    return t


def print_report(stats: dict[str, Any], console: Any = None) -> None:
    """Print the statistics of one study as rich tables."""
    from rich.table import Table

    con = console or make_console()
    s = stats["study"]
    pct = round(stats["confidence"] * 100)
    con.print(
        f"[bold]{s['name']}[/bold]  study {s['study_id']}  seed {s['seed']}  "
        f"runs {s['runs']}  uncertainty {s['uncertainty']}  catalog {s['catalog_version']}"
    )
    if s["sweep"]:
        con.print("sweep: " + "; ".join(f"{w['path']} = {w['values']}" for w in s["sweep"]))
    pts = stats["points"]

    t = outcome_table(stats)
    con.print(t)
    for b in pts:
        for err in b.get("errors", []):
            con.print(f"[red]point {b['label']}: {b['failed']} replications failed[/red]: {err}")

    t = Table(title="Fire units: interceptors spent and magazine exhaustion")
    for c in ("point", "fire unit", "spent", "P(magazine empty)", "time to empty (s)"):
        t.add_column(c, justify="left" if c in ("point", "fire unit") else "right")
    for b in pts:
        units = sorted(set(b.get("interceptors_spent", {})) | set(b.get("magazine_empty", {})))
        for u in units:
            spent = b.get("interceptors_spent", {}).get(u)
            mag = b.get("magazine_empty", {}).get(u)
            t.add_row(
                b["label"],
                u,
                _ci(spent) if spent else "–",
                _p(mag["p_empty"]) if mag else "–",
                _ci(mag["time_s"], digits=0) if mag else "–",
            )
    if t.row_count:
        con.print(t)

    t = Table(title="First detection per target type")
    for c in ("point", "type", "objects", "P(detected)", "range km", "range km q"):
        t.add_column(c, justify="left" if c in ("point", "type") else "right")
    for b in pts:
        for typ, d in b.get("first_detection", {}).items():
            t.add_row(
                b["label"],
                typ,
                str(d["objects"]),
                _p(d["p_detected"]),
                _ci(d["range_m"], scale=1000.0, digits=1),
                _q(d["range_m"], scale=1000.0, digits=1),
            )
    if t.row_count:
        con.print(t)

    for sens in stats.get("sensitivity", []):
        label = pts[sens["point"]]["label"] if sens["point"] < len(pts) else sens["point"]
        t = Table(
            title=f"Rank correlation of drawn figures with {sens['outcome']} "
            f"(Spearman ρ [{pct}%], n={sens['n']}, point {label})"
        )
        t.add_column("catalog figure")
        t.add_column("ρ", justify="right")
        t.add_column("interval", justify="right")
        for f in sens["figures"][:15]:
            t.add_row(f["path"], _fmt(f["rho"], 3), f"[{_fmt(f['low'], 2)}, {_fmt(f['high'], 2)}]")
        con.print(t)
    con.print(caveat(stats))


def caveat(stats: dict[str, Any]) -> str:
    """The plain-words limits of what the tables say."""
    pct = round(stats["confidence"] * 100)
    text = (
        f"Caveat: intervals ({pct}%) are the sampling error of these replications only. They say "
        "nothing about whether the model or its public figures are right: a precise answer "
        "from wrong inputs is still wrong."
    )
    if stats["study"]["uncertainty"] == "catalog":
        text += (
            " Rank correlations cover only the ranges the catalog states for each figure, and "
            "with many figures some bars stand out by chance."
        )
    else:
        text += " Catalog figures were held at their nominal values (see --uncertainty catalog)."
    return text


# ----------------------------------------------------------------------------- plots

_NUM_PREFIX = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _numeric(values: list[Any]) -> list[float] | None:
    out = []
    for v in values:
        if isinstance(v, bool):
            return None
        if isinstance(v, int | float):
            out.append(float(v))
            continue
        m = _NUM_PREFIX.match(str(v))
        if not m:
            return None
        out.append(float(m.group(1)))
    return out if len(set(out)) == len(out) else None


def _save(fig: Any, out_dir: Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        meta = {"Date": None} if fmt == "svg" else None
        fig.savefig(path, format=fmt, dpi=120, bbox_inches="tight", metadata=meta)
        paths.append(path)
    return paths


def write_plots(
    stats: dict[str, Any],
    out_dir: str | Path,
    *,
    prefix: str = "",
    formats: tuple[str, ...] = ("png", "svg"),
) -> list[Path]:
    """Leaker and expenditure distributions, sweep curves, tornado chart. Returns the files."""
    from matplotlib.figure import Figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sid = stats["study"]["study_id"]
    base = f"{prefix}{sid}"
    pts = [b for b in stats["points"] if b["done"]]
    written: list[Path] = []
    shown = pts[:6]
    name = stats["study"]["name"]
    written += _count_histogram(
        shown,
        "_leakers_values",
        "leakers per replication",
        f"Leakers — {name}",
        out / f"{base}-leakers",
        formats,
    )
    written += _count_histogram(
        shown,
        "_spent_total_values",
        "interceptors launched per replication (all fire units)",
        f"Interceptor expenditure — {name}",
        out / f"{base}-expenditure",
        formats,
    )
    sweep = stats["study"]["sweep"]
    if sweep and any("leakers" in b for b in pts):
        written += _sweep_plot(stats, sweep, out, base, formats)
    for sens in _tornado_choices(stats.get("sensitivity", [])):
        figs = [f for f in sens["figures"] if math.isfinite(f["rho"])][:15][::-1]
        if not figs:
            continue
        fig = Figure(figsize=(7, 0.4 * len(figs) + 1.5))
        ax = fig.add_subplot()
        y = np.arange(len(figs))
        rho = np.array([f["rho"] for f in figs])
        err = np.array([[f["rho"] - f["low"] for f in figs], [f["high"] - f["rho"] for f in figs]])
        ax.barh(y, rho, xerr=err, color=np.where(rho >= 0, "#c0392b", "#2471a3"), capsize=2)
        ax.set_yticks(y, [f["path"] for f in figs], fontsize="small")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlim(-1, 1)
        ax.set_xlabel(f"Spearman rank correlation with {sens['outcome']}")
        ax.set_title(f"What drives the spread — point {sens['point']} (n={sens['n']})")
        written += _save(fig, out, f"{base}-tornado-p{sens['point']}-{sens['outcome']}", formats)
    return written


def _count_histogram(
    points: list[dict[str, Any]],
    key: str,
    xlabel: str,
    title: str,
    path: Path,
    formats: tuple[str, ...],
) -> list[Path]:
    """Distribution of a per-replication count, one step histogram per sweep point (unit
    bins, normalised); nothing if no point has a finite value."""
    from matplotlib.figure import Figure

    series = [(b["label"], np.asarray(b[key], dtype=float)) for b in points if key in b]
    series = [(label, v[np.isfinite(v)]) for label, v in series]
    series = [(label, v) for label, v in series if v.size]
    if not series:
        return []
    top = max(int(v.max()) for _, v in series)
    bins = list(np.arange(-0.5, top + 1.5, 1.0))
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    for label, v in series:
        ax.hist(v, bins=bins, histtype="step", linewidth=1.5, label=label, density=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of replications")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return _save(fig, path.parent, path.name, formats)


def _tornado_choices(sensitivity: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One tornado per sweep point (first six): leakers, or expenditure if leakers never vary."""
    by_point: dict[int, dict[str, Any]] = {}
    for sens in sensitivity:
        if not any(math.isfinite(f["rho"]) for f in sens["figures"]):
            continue
        have = by_point.get(sens["point"])
        if have is None or (sens["outcome"] == "leakers" and have["outcome"] != "leakers"):
            by_point[sens["point"]] = sens
    return [by_point[p] for p in sorted(by_point)[:6]]


def _sweep_plot(
    stats: dict[str, Any],
    sweep: list[dict[str, Any]],
    out: Path,
    base: str,
    formats: tuple[str, ...],
) -> list[Path]:
    from matplotlib.figure import Figure

    pts = stats["points"]
    written: list[Path] = []
    for dim, w in enumerate(sweep):
        values = w["values"]
        xs_num = _numeric(values)
        xs = xs_num if xs_num is not None else list(range(len(values)))
        # One line per combination of the other swept parameters.
        lines: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        for b in pts:
            if "leakers" not in b:
                continue
            v = b["params"].get(w["path"])
            if v not in values:
                continue
            others = ", ".join(
                f"{k.rsplit('.', 1)[-1]}={val}" for k, val in b["params"].items() if k != w["path"]
            )
            lines.setdefault(others, []).append((xs[values.index(v)], b))
        fig = Figure(figsize=(9, 4))
        ax1 = fig.add_subplot(1, 2, 1)
        ax2 = fig.add_subplot(1, 2, 2)
        for label, items in list(lines.items())[:8]:
            items.sort(key=lambda it: it[0])
            x = np.array([it[0] for it in items])
            lk = [it[1]["leakers"] for it in items]
            m = np.array([b["mean"] for b in lk])
            lo = np.array([b["low"] for b in lk])
            hi = np.array([b["high"] for b in lk])
            ax1.errorbar(
                x,
                m,
                yerr=[np.nan_to_num(m - lo), np.nan_to_num(hi - m)],
                marker="o",
                capsize=3,
                label=label or None,
            )
            pn = [it[1]["p_no_leak"] for it in items]
            p = np.array([b["p"] for b in pn])
            plo = np.array([b["low"] for b in pn])
            phi = np.array([b["high"] for b in pn])
            ax2.errorbar(x, p, yerr=[p - plo, phi - p], marker="s", capsize=3, label=label or None)
        for ax in (ax1, ax2):
            ax.set_xticks(xs, [str(v) for v in values])
            ax.set_xlabel(w["path"])
            ax.grid(alpha=0.3)
        pct = round(stats["confidence"] * 100)
        ax1.set_ylabel(f"leakers (mean, {pct}% CI)")
        ax2.set_ylabel(f"P(nothing leaks) (Wilson {pct}%)")
        ax2.set_ylim(-0.02, 1.02)
        if any(lines) and len(lines) > 1:
            ax1.legend(fontsize="small")
        fig.suptitle(f"Sweep of {w['path']} — {stats['study']['name']}")
        written += _save(fig, out, f"{base}-sweep-{dim}", formats)
    return written


def report(
    store_path: str | Path,
    *,
    study_id: str | None = None,
    out_dir: str | Path | None = None,
    formats: tuple[str, ...] = ("png", "svg"),
    confidence: float = st.CONFIDENCE,
    plots: bool = True,
    console: Any = None,
    as_json: bool = False,
) -> dict[str, Any]:
    """What ``openiads report`` does for one study (the latest by default).

    Returns ``{"statistics": ..., "plots": [paths]}``.
    """
    import json

    path = Path(store_path)
    with RunStore(path, read_only=True) as store:
        sid = store.resolve_study(study_id)
        stats = study_statistics(store, sid, confidence=confidence)
    files: list[Path] = []
    if plots:
        folder = Path(out_dir) if out_dir is not None else path.parent
        files = write_plots(stats, folder, prefix=f"{path.stem}-", formats=formats)
    pub = public(stats)
    if as_json:
        print(
            json.dumps({"statistics": pub, "plots": [str(f) for f in files]}, indent=2, default=str)
        )
    else:
        print_report(stats, console)
        if files:
            (console or make_console()).print("plots: " + ", ".join(str(f) for f in files))
    return {"statistics": pub, "plots": files}
