"""``openiads serve``: the read-only study browser over a run store.

The store is written by the runs package's own :class:`RunStore` (a small study of six
replications with made-up statistics); replays use the synthetic sample outcome so these
tests do not depend on the engine's catalog. Checks: endpoints and pages, sorting, unknown
ids and path traversal give 4xx, and schemathesis over the published OpenAPI schema finds no
server error.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    # Starlette's test client prefers the httpx2 package and warns once, at import, when it
    # finds httpx instead; both work the same for these tests.
    warnings.simplefilter("ignore")
    import schemathesis
    from fastapi.testclient import TestClient

from openiads.outcome import Outcome
from openiads.viewer.sample import sample_outcome

LEAKS = [1, 4, 0, 2, 3, 2]  # per replication; replication 1 is the worst


def _make_store(path: Path) -> str:
    from openiads.runs.store import ReplicationResult, RunStore
    from openiads.runs.worker import flatten_summary

    sid = "0123456789ab"
    record = {
        "study_id": sid,
        "created_utc": datetime(2026, 11, 25, 12, 0, tzinfo=UTC).replace(tzinfo=None),
        "name": "Test study",
        "scenario_file": "scenarios/test.yaml",
        "scenario_text": "schema_version: 1\nname: Test study\n",
        "scenario_sha256": "0" * 64,
        "seed": 7,
        "runs": len(LEAKS),
        "package_version": "0.1.0",
        "catalog_version": "test",
        "sweep": [],
        "uncertainty": "none",
        "keep": "",
        "command": "openiads study scenarios/test.yaml",
    }
    results = []
    for rep, leaks in enumerate(LEAKS):
        summary = {"leaks": leaks, "kills": 8 - leaks, "launched": {"sam-long": 10 - rep}}
        results.append(
            ReplicationResult(
                point=0,
                rep=rep,
                status="done",
                duration_s=0.5 + rep,
                summary=summary,
                stats=flatten_summary(summary),
            )
        )
    with RunStore(path) as store:
        store.register_study(record, [{}])
        store.write_batch(sid, results)
    return sid


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("store") / "study.duckdb"
    return path, _make_store(path)


REPLAYED: list[tuple[str, int, int]] = []


def _fake_replay(store: Path, study_id: str, rep: int, point: int) -> Outcome:
    REPLAYED.append((study_id, rep, point))
    out = sample_outcome(n_threats=4)
    out.manifest = {**out.manifest, "study_id": study_id, "replication": rep}
    return out


@pytest.fixture(scope="module")
def app(store):
    from openiads.viewer.server import create_app

    return create_app(store[0], replayer=_fake_replay)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def test_lists_studies(client, store):
    res = client.get("/api/studies")
    assert res.status_code == 200
    [study] = res.json()
    assert study["study_id"] == store[1]
    assert study["done"] == len(LEAKS)
    assert study["runs"] == len(LEAKS)


def test_study_detail_has_scenario_and_metrics(client, store):
    res = client.get(f"/api/studies/{store[1]}")
    assert res.status_code == 200
    body = res.json()
    assert body["scenario_text"].startswith("schema_version: 1")
    assert body["seed"] == 7
    assert {"leaks", "kills"} <= set(body["metrics"])


def test_replications_sorted_worst_first(client, store):
    res = client.get(f"/api/studies/{store[1]}/replications?sort=leaks&order=desc")
    assert res.status_code == 200
    rows = res.json()
    assert [r["stats"]["leaks"] for r in rows] == sorted(LEAKS, reverse=True)
    assert rows[0]["rep"] == 1
    res = client.get(f"/api/studies/{store[1]}/replications?sort=rep&limit=2&offset=1")
    assert [r["rep"] for r in res.json()] == [1, 2]


def test_unknown_sort_column_is_400(client, store):
    res = client.get(f"/api/studies/{store[1]}/replications?sort=nosuch")
    assert res.status_code == 400


def test_one_replication(client, store):
    res = client.get(f"/api/studies/{store[1]}/replications/3")
    assert res.status_code == 200
    body = res.json()
    assert body["stats"]["leaks"] == LEAKS[3]
    assert body["summary"]["launched"] == {"sam-long": 7}
    assert body["keyed_stats"] == [
        {"metric": "launched", "key": "sam-long", "type": "", "value": 7.0}
    ]


def test_pages(client, store):
    index = client.get("/")
    assert index.status_code == 200
    assert store[1] in index.text
    page = client.get(f"/studies/{store[1]}")
    assert page.status_code == 200
    assert page.text.count("replay</a>") == len(LEAKS)
    assert "<th>leaks</th>" in page.text


def test_replay_page_is_the_html_replay(client, store):
    REPLAYED.clear()
    res = client.get(f"/studies/{store[1]}/replay/1")
    assert res.status_code == 200
    assert 'id="replay-data"' in res.text
    assert REPLAYED == [(store[1], 1, 0)]
    again = client.get(f"/studies/{store[1]}/replay/1")  # cached: not re-simulated
    assert again.status_code == 200
    assert REPLAYED == [(store[1], 1, 0)]


@pytest.mark.parametrize(
    "url",
    [
        "/api/studies/ffffffffffff",
        "/studies/ffffffffffff",
        "/api/studies/{sid}/replications/99",
        "/api/studies/{sid}/replications/0?point=5",
        "/studies/{sid}/replay/99",
        "/studies/ffffffffffff/replay/0",
        "/api/studies/ffffffffffff/replications",
        "/api/studies/{sid}/replications?point=3",
        "/nosuchpage",
    ],
)
def test_unknown_ids_are_404(client, store, url):
    res = client.get(url.format(sid=store[1]))
    assert res.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/studies/../../etc/passwd",
        "/studies/..%2F..%2Fetc%2Fpasswd",
        "/studies/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/studies/..",
        "/api/studies/%2e%2e",
        "/api/studies/%2Fetc%2Fpasswd",
        "/api/studies//etc/passwd",
        "/studies/{sid}/replay/..%2F..%2Fetc%2Fpasswd",
        "/studies/{sid}/replay/-1",
        "/studies/C:%5CWindows%5Cwin.ini",
        "/api/studies/{sid}%00.duckdb",
    ],
)
def test_path_traversal_is_refused(client, store, url):
    res = client.get(url.format(sid=store[1]))
    assert 400 <= res.status_code < 500
    assert "root:" not in res.text


def test_openapi_schema_is_published(client):
    res = client.get("/openapi.json")
    assert res.status_code == 200
    paths = res.json()["paths"]
    assert "/api/studies" in paths
    assert "/api/studies/{study_id}/replications" in paths


def test_api_fuzzed_against_its_schema(app):
    """schemathesis over every operation of the published schema: generated path and query
    values (ids, traversal-like text, out-of-range numbers) never give a 5xx, and every
    response matches the schema."""
    from hypothesis import given

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            if case.operation.path.endswith("/replay/{rep}"):
                # a replay re-simulates: fuzz its parameters, but not on a stored replication
                case.path_parameters = {**(case.path_parameters or {}), "rep": 99}
            case.call_and_validate()

        run()


# ---------------------------------------------------------------- the command
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openiads.cli", *args], capture_output=True, text=True, check=False
    )


def test_serve_missing_store_is_one_line(tmp_path):
    res = _cli("serve", str(tmp_path / "nope.duckdb"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_serve_not_a_store_is_one_line(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    res = _cli("serve", str(bad))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("host", [None, "0.0.0.0"])
def test_serve_binds_localhost_and_warns_when_exposed(store, host):
    import httpx

    port = _free_port()
    args = [sys.executable, "-m", "openiads.cli", "serve", str(store[0]), "--port", str(port)]
    if host:
        args += ["--host", host]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/api/studies", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert body is not None, "server did not start"
        assert body[0]["study_id"] == store[1]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    if host:
        assert "warning" in err
        assert host in err
    else:
        assert "warning" not in err
        assert "http://127.0.0.1:" in out
    json.dumps(body)  # plain JSON all the way


@pytest.mark.slow
def test_replay_of_a_real_study_matches_its_stored_events(tmp_path):
    """A small study of the bundled Hormuz vignette (events kept), served with the default
    replayer: the replay page of replication 1 shows exactly the events the study stored."""
    import re
    from collections import Counter

    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "hormuz-2019.yaml"
    out = tmp_path / "h.duckdb"
    res = _cli(
        "study",
        str(scenario),
        "--runs",
        "2",
        "--keep",
        "events",
        "--out",
        str(out),
        "-w",
        "1",
        "-q",
    )
    assert res.returncode == 0, res.stderr  # an engine failure must fail, not skip, this test
    from openiads.runs.store import RunStore
    from openiads.viewer.server import create_app

    with RunStore(out, read_only=True) as st:
        sid = st.studies()[0]["study_id"]
        stored = Counter(st.events(sid, 0, 1)["kind"].to_pylist())
    with TestClient(create_app(out)) as c:
        page = c.get(f"/studies/{sid}/replay/1")
        assert page.status_code == 200
        m = re.search(r'<script id="replay-data" type="application/json">(.*?)</script>', page.text)
        assert m
        data = json.loads(m.group(1).replace("<\\/", "</"))
        assert data["summary"]["seed"] is not None
    ev = data["events"]
    shown = Counter(ev["kinds"][k] for k in ev["k"]) + Counter(data["unlisted_events"])
    assert shown == stored
