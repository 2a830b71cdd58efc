"""Scenario chunks on Dask workers give the serial run's numbers; Parquet results read back with
DuckDB add up to the in-memory result."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import get_task_stream
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from beredt.api import create_app
from beredt.cli import get_app
from beredt.domain.dataset import Dataset
from beredt.errors import InvalidInput, Unavailable
from beredt.plan.evaluate import evaluate_options
from beredt.plan.options import build_options
from beredt.plan.parameters import PlanParameters
from beredt.sim import Policies, SimResult, compile_model, load_scenario, run_scenarios, simulate
from beredt.sim.distributed import (
    active_client,
    chunk_rows,
    local_cluster,
    parse_local,
    scenario_chunks,
    use_client,
)
from tests.api_support import make_site

SCENARIO = (
    Path(__file__).parents[1] / "src" / "beredt" / "scenarios" / "export-ban-analgesics-api.toml"
)


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """Two workers with one thread each, inside this process (no processes left behind)."""
    from distributed import Client

    with local_cluster(2, processes=False) as cluster, Client(cluster) as c:
        yield c


def _numbers(r: SimResult) -> dict[str, object]:
    return {
        "unmet mean": r.unmet_ddd.mean,
        "unmet se": r.unmet_ddd.se,
        "unmet p5": r.unmet_ddd.p5,
        "unmet p95": r.unmet_ddd.p95,
        "shortage days": r.shortage_days.mean,
        "shortage days se": r.shortage_days.se,
        "first shortage day": r.first_shortage_day.mean,
        "first stock-out": r.first_stockout_day.mean,
        "first stock-out se": r.first_stockout_day.se,
        "stock-out probability": r.stockout_prob,
        "surge": r.surge_ddd_mean,
        "preparedness": r.preparedness_used_ddd_mean,
        "alternatives": r.alternatives_ddd_mean,
        "imports": r.imports_ddd_mean,
        "national loss": r.national_loss,
        "any vital shortage": r.any_vital_shortage,
        "vital shortage days": r.vital_shortage_days,
        "vital over 7 days": r.vital_over_7_days,
        "substances short": r.substances_short,
        "unmet by criticality": r.unmet_by_criticality,
    }


def test_simulate_on_dask_equals_the_serial_run(small_dataset: Dataset, client: object) -> None:
    policies = Policies.today(small_dataset)
    two = Policies(
        np.vstack([policies.preparedness_ddd, 0 * policies.preparedness_ddd]),
        policies.agreements,
        ("today", "no stock"),
    )
    kwargs = {"n_scenarios": 700, "seed": 11, "policies": two, "keep_per_scenario": True}
    serial = simulate(small_dataset, SCENARIO, **kwargs)  # type: ignore[arg-type]
    spread = simulate(small_dataset, SCENARIO, client=client, **kwargs)  # type: ignore[arg-type]
    assert serial.national_loss.mean() > 0  # the scenario does bite
    for name, value in _numbers(serial).items():
        np.testing.assert_array_equal(value, _numbers(spread)[name], err_msg=name)


def test_chunks_come_back_in_scenario_order(small_dataset: Dataset, client: object) -> None:
    model = compile_model(
        small_dataset, load_scenario(SCENARIO), Policies.today(small_dataset), 120
    )
    whole = run_scenarios(model, 5, 0, 500)
    firsts, parts = [], []
    for first, out in scenario_chunks(model, 5, 500, 128, client):  # type: ignore[arg-type]
        firsts.append(first)
        parts.append(out.unmet)
    # at least 4 chunks per worker thread, each a multiple of the 64-scenario reduction block
    assert firsts == list(range(0, 500, 64))
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole.unmet)
    assert chunk_rows(10_000, 2_000, 2) == 1_280
    assert parse_local("local") is None
    assert parse_local("local:3") == 3
    with pytest.raises(InvalidInput, match="local"):
        parse_local("local:none")


@pytest.mark.slow
def test_option_evaluation_on_the_active_client(small_dataset: Dataset, client: object) -> None:
    params = PlanParameters(n_scenarios=320)
    menu = build_options(small_dataset, params)
    serial = evaluate_options(small_dataset, menu, params, scenario=SCENARIO, seed=4)
    assert active_client() is None
    with use_client(client):  # type: ignore[arg-type]
        assert active_client() is client
        spread = evaluate_options(small_dataset, menu, params, scenario=SCENARIO, seed=4)
    assert active_client() is None
    np.testing.assert_array_equal(serial.unmet_ddd_mean, spread.unmet_ddd_mean)
    np.testing.assert_array_equal(serial.unmet_ddd_se, spread.unmet_ddd_se)
    np.testing.assert_array_equal(serial.loss_per_year, spread.loss_per_year)


def _same(a: object, b: object) -> None:
    """Equal JSON documents (NaN equal to NaN, as written)."""
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_sensitivity_on_dask_equals_the_serial_run(small_dataset: Dataset, client: object) -> None:
    from beredt.sim.sensitivity import tornado

    serial = tornado(small_dataset, n_scenarios=128, horizon_days=120, seed=5)
    with use_client(client):  # type: ignore[arg-type]
        spread = tornado(small_dataset, n_scenarios=128, horizon_days=120, seed=5)
    assert serial.baseline["untreated_patient_days"] > 0
    _same(serial.to_dict(), spread.to_dict())


@pytest.mark.slow
def test_backtest_and_outlook_on_dask_equal_the_serial_runs(
    sample_dataset: Dataset, client: object
) -> None:
    from beredt.calibrate.backtest import backtest, default_cuts
    from beredt.calibrate.outlook import outlook

    cuts = default_cuts(sample_dataset)[-2:]
    assert len(cuts) == 2
    serial_bt = backtest(sample_dataset, cuts, n_scenarios=64, seed=3)
    serial_ol = outlook(sample_dataset, months=(3, 6), n_scenarios=300, seed=3)
    steps: list[tuple[int, int]] = []
    with use_client(client):  # type: ignore[arg-type]
        spread_bt = backtest(
            sample_dataset, cuts, n_scenarios=64, seed=3, progress=lambda d, n: steps.append((d, n))
        )
        spread_ol = outlook(sample_dataset, months=(3, 6), n_scenarios=300, seed=3)
    assert steps == [(64, 128), (128, 128)]  # a cut is a task
    _same(serial_bt.to_dict(), spread_bt.to_dict())
    _same(serial_ol.to_dict(), spread_ol.to_dict())


@pytest.mark.slow
def test_the_run_on_dask_writes_the_serial_results(tmp_path: Path, client: object) -> None:
    """`beredt run --scheduler`: every stage that simulates (calibration's back-test and
    outlook, plan, sensitivity, frontier, scenario library, investment cases) on the workers."""
    from beredt.app.analyses import RunParameters
    from beredt.app.pipeline import RunOptions, run_pipeline

    sample = Path(__file__).parents[1] / "src" / "beredt" / "data" / "sample-no"
    docs = []
    for name, scheduler in (("serial", None), ("dask", client.scheduler.address)):  # type: ignore[attr-defined]
        result = run_pipeline(
            RunOptions(
                bundle=sample,
                out=tmp_path / name,
                lang="en",
                db=f"sqlite:///{tmp_path}/{name}.db",
                parameters=RunParameters(scenarios=10, frontier_points=3),
                scheduler=scheduler,
            )
        )
        docs.append(result.results_json.read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "dask" / "run.json").read_text())["scheduler"].startswith(
        "inproc"
    )
    assert docs[0] == docs[1]


@pytest.mark.slow
def test_local_worker_processes_start_without_malloc_trim() -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers; ours are spawned without it."""
    from distributed import Client

    def trim() -> str | None:
        return os.environ.get("MALLOC_TRIM_THRESHOLD_")

    with local_cluster(1) as cluster, Client(cluster) as c:
        assert set(c.run(trim).values()) == {None}
        assert set(c.run(lambda: os.environ.get("NUMBA_NUM_THREADS")).values()) == {"1"}
    dask_default = {"MALLOC_TRIM_THRESHOLD_": "65536"}
    with local_cluster(1, environ=dask_default) as cluster, Client(cluster) as c:
        assert set(c.run(trim).values()) == {"65536"}


def test_parquet_results_add_up_in_duckdb(small_dataset: Dataset, tmp_path: Path) -> None:
    import duckdb

    n = 300
    result = simulate(
        small_dataset, SCENARIO, n_scenarios=n, seed=9, chunk_scenarios=128, parquet=tmp_path
    )
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    n_subs = small_dataset.n_substances
    assert meta["rows"] == n * n_subs
    assert meta["files"] == 3
    assert meta["option_labels"] == ["today"]
    rows = f"read_parquet('{tmp_path}/substances/*.parquet')"
    con = duckdb.connect()
    count, scenarios = con.execute(
        f"SELECT count(*), count(DISTINCT scenario) FROM {rows}"
    ).fetchone()  # type: ignore[misc]
    assert (count, scenarios) == (n * n_subs, n)
    by_sub = con.execute(
        f"""SELECT atc_code, avg(unmet_ddd), avg(shortage_days), count(first_shortage_day),
                   avg(first_stockout_day), sum(surge_ddd), sum(alternatives_ddd)
            FROM {rows} WHERE option = 0 GROUP BY atc_code"""
    ).fetchall()
    table = result.substance_table(0).set_index("atc_code")
    assert len(by_sub) == n_subs
    for atc, unmet, sdays, n_short, first_so, surge, alt in by_sub:
        row = table.loc[atc]
        assert unmet == pytest.approx(row["unmet_ddd_mean"], rel=1e-9, abs=1e-9)
        assert sdays == pytest.approx(row["shortage_days_mean"], rel=1e-9, abs=1e-12)
        assert n_short / n == pytest.approx(row["shortage_prob"], abs=1e-12)
        if np.isnan(row["first_stockout_day_mean"]):
            assert first_so is None
        else:
            assert first_so == pytest.approx(row["first_stockout_day_mean"], rel=1e-9)
        assert surge / n == pytest.approx(row["surge_ddd_mean"], rel=1e-9, abs=1e-9)
        assert alt / n == pytest.approx(row["alternatives_ddd_mean"], rel=1e-9, abs=1e-9)
    national = con.execute(
        f"SELECT scenario, national_loss, any_vital_shortage FROM "
        f"read_parquet('{tmp_path}/national/*.parquet') ORDER BY scenario"
    ).fetchnumpy()
    np.testing.assert_array_equal(national["scenario"], np.arange(n))
    np.testing.assert_allclose(national["national_loss"], result.national_loss[0], rtol=1e-12)
    np.testing.assert_array_equal(national["any_vital_shortage"], result.any_vital_shortage[0])
    assert result.national_loss[0].sum() > 0
    # a second run into the same folder replaces the first
    simulate(small_dataset, SCENARIO, n_scenarios=64, seed=9, parquet=tmp_path)
    assert con.execute(f"SELECT count(*) FROM {rows}").fetchone() == (64 * n_subs,)


def test_simulate_command_with_scheduler_and_parquet(
    small_bundle_path: Path, tmp_path: Path, client: object
) -> None:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "COLUMNS": "160"}
    runner = CliRunner()
    done = runner.invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert done.exit_code == 0, done.output
    args = ["simulate", "export-ban-analgesics-api", "-n", "256", "--seed", "3", "--json", "-"]
    serial = runner.invoke(get_app(), args, env=env)
    assert serial.exit_code == 0, serial.output
    address = client.scheduler.address  # type: ignore[attr-defined]
    out = tmp_path / "pq"
    spread = runner.invoke(
        get_app(), [*args, "--scheduler", address, "--parquet", str(out)], env=env
    )
    assert spread.exit_code == 0, spread.output
    one, two = json.loads(serial.stdout)["options"][0], json.loads(spread.stdout)["options"][0]
    assert one["national"] == two["national"]
    assert one["substances"] == two["substances"]
    assert sorted(p.name for p in (out / "national").iterdir())[0] == "part-000000000.parquet"


def test_the_active_client_belongs_to_its_thread(client: object) -> None:
    """A server's request threads do not pick up the cluster of a job running beside them."""
    import threading

    seen: list[object] = []
    with use_client(client):  # type: ignore[arg-type]
        assert active_client() is client
        other = threading.Thread(target=lambda: seen.append(active_client()))
        other.start()
        other.join()
        with use_client(client):  # type: ignore[arg-type]
            assert active_client() is client
        assert active_client() is client  # the inner block leaves the outer one active
    assert seen == [None]
    assert active_client() is None


def test_a_scheduler_that_cannot_be_used_gets_a_clear_error(
    small_bundle_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from beredt.sim import distributed

    with pytest.raises(InvalidInput, match="not a Dask scheduler address"):
        distributed.check_scheduler("bogus")
    with pytest.raises(InvalidInput, match="local:N"):
        distributed.check_scheduler("local:0")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: nobody answers there
        with pytest.raises(Unavailable, match=f"answers at 127.0.0.1 port {port}"):
            distributed.check_scheduler(f"tcp://127.0.0.1:{port}")
        # a host whose name begins with "local" is an address, not a local cluster
        with pytest.raises(Unavailable, match=f"localhost:{port}: no Dask scheduler"):
            distributed.check_scheduler(f"localhost:{port}")
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "COLUMNS": "200"}
    runner = CliRunner()
    assert (
        runner.invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env).exit_code
        == 0
    )
    for command in (["simulate", "background", "-n", "64"], ["serve", "--port", "1"]):
        result = runner.invoke(get_app(), [*command, "--scheduler", "tcp//nowhere"], env=env)
        assert result.exit_code == 2, result.output
        assert "error: --scheduler 'tcp//nowhere': not a Dask scheduler address" in result.stderr
        assert "Traceback" not in result.output


def test_server_jobs_simulate_on_the_scheduler(client: object, tmp_path: Path) -> None:
    """`beredt serve --scheduler`: a job's chunks run on the workers, with the serial numbers."""
    site = make_site(f"sqlite:///{tmp_path / 'beredt.db'}")
    address = client.scheduler.address  # type: ignore[attr-defined]
    job = {
        "kind": "simulate",
        "parameters": {"scenario": "export-ban-analgesics-api", "scenarios": 256, "seed": 3},
    }
    results, tasks = [], []
    for scheduler in (None, address):
        with (
            get_task_stream(client) as stream,  # type: ignore[arg-type]
            TestClient(create_app(site.url, scheduler=scheduler)) as api,
        ):
            auth = site.headers("analyst")
            job_id = api.post("/api/v1/jobs", headers=auth, json=job).json()["job_id"]
            for _ in range(600):
                state = api.get(f"/api/v1/jobs/{job_id}", headers=auth).json()
                if state["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.1)
            assert state["status"] == "succeeded", state
            doc = api.get(f"/api/v1/jobs/{job_id}/result", headers=auth).json()
            doc.pop("wall_seconds")
            results.append(doc)
            assert active_client() is None  # nothing leaks into the request threads
        tasks.append(
            {
                str(task["key"][0] if isinstance(task["key"], tuple) else task["key"]).split("-")[0]
                for task in stream.data
            }
        )
    assert results[0] == results[1]
    assert tasks[0] == set()  # without a scheduler the server simulates itself
    assert "_run_chunk" in tasks[1]


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (["measures", "--scenarios", "128"], "measures"),
        (["invest", "--line", "{line}", "--scenarios", "128", "--paths", "300"], "invest"),
    ],
)
def test_industry_commands_on_the_scheduler(
    small_bundle_path: Path, tmp_path: Path, client: object, command: list[str], summary: str
) -> None:
    """`beredt measures|invest --scheduler`: their simulations on the workers, same numbers."""
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "COLUMNS": "200"}
    runner = CliRunner()
    assert (
        runner.invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env).exit_code
        == 0
    )
    line = (
        "id=T1,capex=40M,fixed=3M,build_days=365,life_years=12,atc=J01CA04,capacity=20000,"
        "unit_cost=1.5,domestic=5000,export=6000,price=4,fee=1.5M,reserved=6000,response_days=30"
    )
    args = [part.format(line=line) for part in command] + ["--json", "-"]
    docs = []
    for extra in ([], ["--scheduler", client.scheduler.address]):  # type: ignore[attr-defined]
        with get_task_stream(client) as stream:  # type: ignore[arg-type]
            result = runner.invoke(get_app(), [*args, *extra], env=env)
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout[result.stdout.index("{") :])
        if summary == "invest":
            assert doc["result"].pop("wall_seconds") > 0
        docs.append(doc)
        assert bool(stream.data) == bool(extra)
    assert docs[0] == docs[1]
    if summary == "invest":
        assert docs[0]["result"]["cases"][0]["p_at_break_even"] >= 0.9
    else:
        assert docs[0]["agreement_values"]  # the simulated loss avoided per agreement


def test_the_server_log_keeps_dask_to_its_warnings() -> None:
    import logging

    from beredt.cli.server import _quiet_dask

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "message", None, None)

    assert not _quiet_dask(record("distributed.scheduler", logging.INFO))
    assert _quiet_dask(record("distributed.worker", logging.WARNING))
    assert _quiet_dask(record("beredt.jobs", logging.INFO))
