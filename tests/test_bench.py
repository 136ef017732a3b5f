"""`python -m bench`: the quick run end to end, resume after a kill, results files that
cannot be used, the worked example against Mazur's published numbers, and the pieces the
runner is built from. Timings are never tested: only that they were recorded."""

import copy
import itertools
import json
import os
import subprocess
import sys

import pytest

from bench import checks, cli, measure, precision, registry, results, summary
from bench import settings as bench_settings
from bench import workloads as wl
from bench.results import Run
from python_impl.spec import AGREEMENT_TOLERANCE, FLOAT32_AGREEMENT_TOLERANCE

TIMED = ("ok", "partial")


def bench(args, cwd, env=None, timeout=300):
    """Run `python -m bench ARGS` in a subprocess; the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def check_complete(doc):
    """Every planned implementation x workload has a result, timed or skipped with a reason;
    every agreement is within tolerance."""
    options = doc["run"]["options"]
    for impl in options["implementations"]:
        for workload in options["workloads"]:
            result = results.find_result(doc, impl, workload)
            assert result is not None, (impl, workload)
            assert result["kind"] == registry.kind(impl)
            if result["status"] == "skipped":
                assert result["reason"], (impl, workload)
                continue
            assert result["status"] in TIMED
            assert result["time_per_epoch"]["median"] > 0
            stats = result["time_per_epoch"]
            assert stats["rounds"] >= 6 and len(stats["samples"]) == stats["rounds"]
            assert stats["ci_low"] <= stats["median"] <= stats["ci_high"]
            assert stats["min"] == min(stats["samples"]) and stats["max"] == max(stats["samples"])
            assert result["history"] and result["final_loss"] == result["history"][-1]
            agreement = result["agreement"]
            if impl == "sklearn":
                assert agreement is None and result["agreement_note"]
                continue
            assert agreement["reference"] == "numpy"
            assert agreement["within_tolerance"], (impl, workload, agreement)
            assert agreement["max_rel_param_diff"] <= AGREEMENT_TOLERANCE
            if result["status"] == "partial":
                assert result["timed_batches"] >= 1 and agreement["note"]
    # every two timed results of a workload have a paired ratio with its interval, from as
    # many cycles as each has rounds
    for workload in options["workloads"]:
        timed = [r for r in doc["results"] if r["workload"] == workload
                 and r["status"] in TIMED]
        sampling = doc["sampling"][workload]
        assert sampling["stopped"] in ("precision", "budget", "max_cycles")
        for a, b in itertools.combinations(timed, 2):
            ratio, low, high = results.find_ratio(doc, workload, a["implementation"],
                                                  b["implementation"], a["dtype"], b["dtype"])
            assert low <= ratio <= high
            assert a["time_per_epoch"]["rounds"] == sampling["cycles"]


def check_float32(doc):
    """The precision axis: every float32 case of the run has a result (timed, or skipped with
    its reason), agreeing with the float64 reference within the float32 tolerance, timed in
    its workload's interleaved group beside float64 (a paired float64 / float32 ratio)."""
    options = doc["run"]["options"]
    assert options["dtypes"] == ["float64", "float32"]
    expected = {(impl, workload) for impl in options["implementations"]
                for workload in options["workloads"]
                if "float32" in precision.case_dtypes(impl, workload, options["dtypes"])}
    assert {("numpy", "digits"), ("fortran", "wide"), ("torch", "mnist-shaped"),
            ("sklearn", "digits")} <= expected
    assert not {workload for _, workload in expected} - set(precision.FLOAT32_WORKLOADS)
    found = {(r["implementation"], r["workload"]) for r in doc["results"]
             if r.get("dtype") == "float32"}
    assert found == expected
    for impl, workload in expected:
        result = results.find_result(doc, impl, workload, dtype="float32")
        if result["status"] == "skipped":
            assert result["reason"] and impl == "torch-cuda"
            continue
        assert result["status"] == "ok" and result["gflops"] > 0
        if impl != "sklearn":
            agreement = result["agreement"]
            assert agreement["within_tolerance"], (impl, workload, agreement)
            assert agreement["tolerance"] == FLOAT32_AGREEMENT_TOLERANCE
            assert agreement["max_rel_param_diff"] > AGREEMENT_TOLERANCE  # really float32
        ratio = results.find_ratio(doc, workload, impl, impl, "float64", "float32")
        assert ratio is not None and ratio[1] <= ratio[0] <= ratio[2]
    assert doc["environment"]["sgemm"]["gflops_median"] > 0
    assert doc["environment"]["sgemm"]["measured"] == doc["environment"]["dgemm"]["measured"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One `python -m bench run --quick` in a fresh folder: (completed process, folder)."""
    out = tmp_path_factory.mktemp("quick") / "run"
    done = bench(["run", "--quick", "--out", str(out)], cwd=out.parent)
    return done, out


def test_quick_run_end_to_end(quick_run):
    done, out = quick_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doc = results.load(out)
    assert doc["run"]["complete"] and doc["run"]["options"]["quick"]
    assert doc["run"]["command"] == f"python -m bench run --quick --out {out}"
    assert set(doc["run"]["options"]["implementations"]) == set(registry.ALL)
    assert doc["run"]["options"]["workloads"] == list(wl.QUICK)
    check_complete(doc)
    check_float32(doc)
    # the three implementations are timed on the small workloads; nothing is silently lost
    for impl in registry.OWN:
        for workload in ("xor", "iris", "width-8"):
            assert results.find_result(doc, impl, workload)["status"] == "ok"
    env = doc["environment"]
    assert env["threads"] == 1 and env["dgemm"]["gflops_median"] > 0
    assert env["python_floor"]["seconds_per_step_median"] > 0    # measured beside python x xor
    assert env["dgemm"]["measured"] == "just before the first timing of wide"
    assert all(lib["num_threads"] == 1 for lib in env["blas"])
    assert env["fortran_build"]["blas"] and env["gfortran"].startswith("GNU Fortran")
    assert set(doc["worked_example"]["traces"]) == {"python", "numpy", "fortran", "torch"}
    assert all(check["passed"] for check in doc["gradient_checks"].values())
    assert set(doc["sources"]) == {"python", "numpy", "fortran"}
    assert all(entry["text"] and entry["first_line"] > 1 for entry in doc["sources"].values())
    more = check_more_threads(doc)
    # every implementation and peer on every workload in float64, and five of them (torch-cuda
    # skipped here without a GPU) on the three batched workloads in float32
    assert len(doc["results"]) == len(wl.QUICK) * len(registry.ALL) + 3 * 5
    total = len(doc["results"]) + len(more)
    assert "Summary" in done.stdout and f"[{total}/{total}]" in done.stdout
    check_profiles(doc)
    check_numpy_loop(doc)
    report = out / "report.pdf"
    assert report.read_bytes()[:5] == b"%PDF-"
    # pytest-benchmark's own record of the session is kept
    raw = json.loads((out / "benchmarks" / "benchmarks-1.json").read_text())
    timed = [r for r in doc["results"] + more if r["status"] in TIMED]
    assert len(raw["benchmarks"]) == len(timed)


def check_more_threads(doc):
    """By default a run times numpy and fortran on the large workloads again with every CPU
    (when there is more than one), agreeing with the reference; returns those results."""
    cpus = cli.available_cpus()
    if cpus == 1:
        assert doc["run"]["options"]["also_threads"] == 0 and "more_threads" not in doc
        return []
    assert doc["run"]["options"]["also_threads"] == cpus
    more = doc["more_threads"]
    assert more["threads"] == cpus
    # each pair twice, back to back: with the run's one thread, then with every CPU
    assert [(r["implementation"], r["workload"], r["threads"]) for r in more["results"]] == [
        (impl, w, threads) for w in ("mnist-shaped", "wide") for impl in ("numpy", "fortran")
        for threads in (1, cpus)]
    for result in more["results"]:
        assert result["status"] == "ok"
        assert result["agreement"]["within_tolerance"], result["agreement"]
        # the run's own results stay at one thread
        assert results.find_result(doc, result["implementation"],
                                   result["workload"])["threads"] == 1
    return more["results"]


def check_profiles(doc):
    """The quick run profiled python, numpy and fortran on xor and digits (and says why not
    where it did not); every share is a fraction and names its function."""
    profiles = doc["profiles"]
    for impl in ("python", "numpy", "fortran"):
        for workload in ("xor", "digits", "wide"):
            entry = profiles[impl][workload]
            if entry["status"] == "skipped":
                assert entry["reason"] and workload == "wide", (impl, workload, entry)
                continue
            assert entry["call"]["repeats"] >= 1 and entry["seconds"] > 0
            shares = [item["share"] for item in entry["top"]]
            assert entry["top"] and all(0.0 <= share <= 1.0 for share in shares)
            assert sum(shares) + entry["other_share"] == pytest.approx(1.0)
            assert all(":" in item["function"] for item in entry["top"])
    for workload in ("xor", "digits"):
        assert {item["function"].split(":")[0] for item in profiles["python"][workload]["top"]
                } <= {"python_impl.pure", "builtins", "math"}
        assert len(profiles["fortran"][workload]["top"]) == 2     # raw call and wrapper
    # NumPy's ufuncs are named, not hidden in their callers
    assert any(item["function"] == "numpy:matmul" for item in profiles["numpy"]["digits"]["top"])
    assert "numpy-loop" not in profiles or "xor" not in profiles["numpy-loop"]


def check_numpy_loop(doc):
    """numpy-loop: skipped with its reason on the per-sample workloads; on the batched ones
    timed (agreeing with NumPy to rounding) or skipped with a reason."""
    for name, workload in doc["workloads"].items():
        result = results.find_result(doc, "numpy-loop", name)
        assert result["kind"] == "peer"
        if workload["config"]["batch_size"] == 1:
            assert result["status"] == "skipped" and "one sample at a time" in result["reason"]
        elif result["status"] == "skipped":
            assert result["reason"]
        else:
            assert result["agreement"]["max_rel_param_diff"] < 1e-12
    assert results.find_result(doc, "numpy-loop", "digits")["status"] in TIMED


def test_report_and_compare_commands_on_saved_results(quick_run, tmp_path, capsys):
    done, out = quick_run
    assert done.returncode == 0
    assert cli.main(["report", str(out), "-o", str(tmp_path / "again.pdf")]) == 0
    # the run's own report is a function of its saved results: rebuilt, the same bytes
    assert (tmp_path / "again.pdf").read_bytes() == (out / "report.pdf").read_bytes()
    assert cli.main(["compare", str(out), str(out / "results.json"),
                     "-o", str(tmp_path / "compare.pdf")]) == 0
    table = capsys.readouterr().out
    assert "new/old" in table and "1.000" in table and "* slower" not in table
    assert (tmp_path / "compare.pdf").read_bytes()[:5] == b"%PDF-"


def test_resume_after_a_kill_completes_only_the_missing_pairs(tmp_path):
    out = tmp_path / "run"
    args = ["run", "--quick", "--impl", "python,numpy,fortran", "--workload",
            "xor,iris,width-8", "--out", str(out)]
    # SIGKILL once 3 results are saved: after the first workload, whose three cases are timed
    # together (interleaved) and saved at once
    env = dict(os.environ, BACKPROP_BENCH_KILL_AFTER="3")
    killed = bench(args, cwd=tmp_path, env=env)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    partial = results.load(out)
    assert len(partial["results"]) == 3 and not partial["run"]["complete"]
    assert {r["workload"] for r in partial["results"]} == {"xor"}
    # options cannot be changed on resume
    with pytest.raises(SystemExit) as usage:
        cli.main(["run", "--resume", str(out), "--quick"])
    assert usage.value.code == 2
    resumed = bench(["run", "--resume", str(out)], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    doc = results.load(out)
    assert doc["run"]["complete"] and len(doc["results"]) == 9
    assert len(doc["run"]["sessions"]) == 2
    check_complete(doc)
    for before in partial["results"]:  # finished pairs were not run again
        after = results.find_result(doc, before["implementation"], before["workload"])
        assert after == before
    assert "[6/6]" in resumed.stdout and "[7/" not in resumed.stdout


# ---- results files that cannot be used ------------------------------------------------------

def minimal_doc():
    """A small valid results document."""
    doc = results.new_results(
        {"started": "2026-11-28T04:30:00Z", "finished": None, "wall_seconds": None,
         "command": "python -m bench run", "argv": ["run"], "complete": False,
         "options": {"quick": False, "threads": 1, "also_threads": 0, "peers": False,
                     "implementations": ["numpy"], "workloads": ["xor"],
                     "dtypes": ["float64"], "out": "x"},
         "methodology": {"timing": {}}, "sessions": []},
        {"cpu_model": "test", "cpu_count": 2, "os": None, "python": None, "numpy": None,
         "blas": [], "threads": 1, "gfortran": None, "fortran_build": {}, "packages": {},
         "version": None, "git_commit": None, "git_dirty": None})
    doc["workloads"]["xor"] = wl.results_entry(wl.get("xor"))
    doc["results"].append({
        "implementation": "numpy", "kind": "implementation", "workload": "xor",
        "status": "ok", "reason": None, "timed_batches": None,
        "time_per_epoch": {"median": 1e-4, "iqr": 1e-6, "min": 9e-5, "max": 2e-4,
                           "mean": 1e-4, "stddev": 1e-6, "rounds": 5, "ci_low": None,
                           "ci_high": None, "samples": None},
        "samples_per_second": 4e4, "gflops": 0.01, "final_loss": 0.01,
        "train_accuracy": 1.0, "test_accuracy": None,
        "agreement": {"reference": "numpy", "max_rel_param_diff": 0.0,
                      "max_rel_history_diff": float("inf"), "within_tolerance": False,
                      "epochs_compared": 1, "tolerance": 1e-9, "note": None},
        "peak_memory_bytes": 0, "history": [0.2, 0.01], "threads": 1, "dtype": "float64"})
    return doc


def test_a_saved_document_loads_back_with_non_finite_numbers(tmp_path):
    doc = minimal_doc()
    results.save(doc, tmp_path / "results.json")
    assert '"inf"' in (tmp_path / "results.json").read_text()
    loaded = results.load(tmp_path)
    assert loaded["results"][0]["agreement"]["max_rel_history_diff"] == float("inf")
    assert loaded == doc
    assert not list(tmp_path.glob(".results-*"))  # no temporary file left behind


def _truncated(text):
    return text[: len(text) // 2]


def _mutated(change):
    doc = minimal_doc()
    change(doc)
    return results.dumps(doc)


BAD_FILES = {
    "empty": ("", "is empty"),
    "truncated": (None, "not valid JSON, truncated or corrupt"),
    "garbage": ("\x00\x01 not json", "not valid JSON"),
    "foreign": (json.dumps({"benchmarks": [], "machine_info": {}}), "not a backprop-bench"),
    "list": ("[1, 2, 3]", "top level is not an object"),
    "version": (_mutated(lambda d: d.update(schema_version=99)), "schema_version 99"),
    "no_results": (_mutated(lambda d: d.pop("results")), "missing top-level field 'results'"),
    "bad_status": (_mutated(lambda d: d["results"][0].update(status="done")), "status"),
    "skip_no_reason": (_mutated(lambda d: d["results"][0].update(status="skipped")),
                       "skipped without a reason"),
    "no_median": (_mutated(lambda d: d["results"][0]["time_per_epoch"].pop("median")),
                  "time_per_epoch.median"),
    "unknown_workload": (_mutated(lambda d: d["results"][0].update(workload="nope")),
                         "not defined"),
    "bad_history": (_mutated(lambda d: d["results"][0].update(history=["x"])), "history[0]"),
    "profile_share": (_mutated(lambda d: d.update(profiles={"numpy": {"xor": {
        "status": "ok", "top": [{"function": "numpy:matmul", "share": 1.5}]}}})),
        "profiles['numpy']['xor'].top[0].share must be at most 1, got 1.5"),
    "profile_no_reason": (_mutated(lambda d: d.update(profiles={"numpy": {"xor": {
        "status": "skipped"}}})), "profiles['numpy']['xor'] is skipped without a reason"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_unusable_results_file_is_a_results_error_naming_file_and_problem(case, tmp_path):
    text, problem = BAD_FILES[case]
    if text is None:
        good = tmp_path / "good.json"
        results.save(minimal_doc(), good)
        text = _truncated(good.read_text())
    path = tmp_path / f"{case}.json"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(results.ResultsError) as error:
        results.load(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)


def test_missing_file_and_cli_exit_code(tmp_path, capsys):
    with pytest.raises(results.ResultsError, match="no such results file"):
        results.load(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert cli.main(["report", str(bad), "-o", str(tmp_path / "r.pdf")]) == 2
    assert cli.main(["compare", str(bad), str(bad)]) == 2
    assert cli.main(["run", "--resume", str(tmp_path)]) == 2  # no results.json there
    err = capsys.readouterr().err
    assert f"bench report: {bad}: is not valid JSON" in err
    assert "Traceback" not in err


# ---- the worked example ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["python", "numpy", "fortran", "torch"])
def test_worked_example_matches_mazur(name):
    cls = registry.load([name])[name]
    trace = checks.trace(cls)
    # Mazur's published values (A Step by Step Backpropagation Example, 2015)
    assert trace["z"][0][0] == pytest.approx(0.3775, abs=1e-12)
    assert trace["a"][1][0] == pytest.approx(0.593269992, abs=5e-10)
    assert trace["a"][2] == pytest.approx([0.75136507, 0.772928465], abs=5e-9)
    assert trace["loss"] == pytest.approx(0.298371109, abs=5e-10)
    assert trace["nabla_w"][1][0][0] == pytest.approx(0.082167041, abs=5e-10)
    updated = trace["updated_params"]
    assert updated[1][0][0][0] == pytest.approx(0.35891648, abs=5e-9)   # w5
    assert updated[1][0][1][1] == pytest.approx(0.561370121, abs=5e-10)  # w8
    assert updated[0][0][0][0] == pytest.approx(0.149780716, abs=5e-10)  # w1
    assert trace["delta"] == trace["nabla_b"]


def test_gradient_check_passes_for_the_pytorch_peer():
    check = checks.gradient_check(registry.load(["torch"])["torch"])
    assert check["passed"] and check["cases"] == 20


def test_source_excerpts_lie_between_the_markers():
    entries = checks.sources(["python", "numpy", "fortran"])
    for name, entry in entries.items():
        lines = (checks.REPO / entry["path"]).read_text().splitlines()
        assert "backward pass: begin" in lines[entry["first_line"] - 2], name
        assert entry["text"].splitlines()[0].strip() == lines[entry["first_line"] - 1].strip()


# ---- pieces ---------------------------------------------------------------------------------

def test_rounds_keep_microsecond_epochs_off_the_timer_resolution():
    settings = bench_settings.DEFAULT_SETTINGS
    epochs = measure.epochs_per_round(1e-6, settings)
    assert epochs * 1e-6 >= settings.min_round_seconds > (epochs - 1) * 1e-6
    assert measure.epochs_per_round(2.0, settings) == 1
    rules = settings.rules(3)
    assert rules.min_cycles >= 6 and rules.budget_seconds == 3 * settings.benchmark_seconds
    assert settings.rules(1).budget_seconds == settings.min_workload_seconds


def test_agreement_measures():
    import numpy as np

    params = [(np.array([[1.0, -2.0]]), np.array([0.5, 0.0]))]
    moved = [(np.array([[1.0, -2.0 + 2e-9]]), np.array([0.5, 0.0]))]
    assert measure.max_rel_param_diff(moved, params) == pytest.approx(1e-9)
    assert measure.max_rel_history_diff([1.0, 2.0], [1.0]) == float("inf")
    run = measure.TrainRun(moved, [1.0], 0.0, 1, None, "rss-hwm")
    ref = measure.TrainRun(params, [1.0], 0.0, 1, None, "rss-hwm")
    assert measure.agreement(run, ref)["within_tolerance"]
    assert measure.accuracy([[0.7], [0.2]], [1, 1]) == 0.5
    assert measure.accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 0]) == 1.0


def test_option_parsing_and_plan():
    parser = cli.build_parser()
    options = cli.plan_options(parser.parse_args(["run"]))
    assert options["implementations"] == list(registry.ALL) and options["peers"]
    assert options["workloads"] == list(wl.WORKLOADS)
    options = cli.plan_options(parser.parse_args(
        ["run", "--quick", "--impl", "numpy", "--impl", "python,fortran", "--workload", "sweep"]))
    assert options["implementations"] == ["numpy", "python", "fortran"]
    assert not options["peers"] and options["workloads"] == list(wl.SWEEP)
    options = cli.plan_options(parser.parse_args(["run", "--no-peers"]))
    assert options["implementations"] == list(registry.OWN)
    with pytest.raises(cli.UsageError, match="argument --workload: unknown workload 'mnist'"):
        cli.plan_options(parser.parse_args(["run", "--workload", "mnist"]))
    # more threads: every CPU by default, none when not above --threads, never negative
    cpus = cli.available_cpus()
    options = cli.plan_options(parser.parse_args(["run"]))
    assert options["also_threads"] == (cpus if cpus > 1 else 0)
    assert cli.plan_options(parser.parse_args(["run", "--also-threads", "2"]))["also_threads"] == 2
    assert cli.plan_options(parser.parse_args(["run", "--also-threads", "0"]))["also_threads"] == 0
    assert cli.plan_options(parser.parse_args(
        ["run", "--threads", "2", "--also-threads", "2"]))["also_threads"] == 0
    with pytest.raises(SystemExit):  # argparse: exit 2 (tests/test_cli.py checks the text)
        parser.parse_args(["run", "--also-threads", "-1"])


# Python 3.12's sum() of floats compensates its rounding (3.11's adds in order, as the
# hand-written step does): there pure Python's dot products may differ in the last bit.
SUM_ADDS_IN_ORDER = sum([1.0, 1e100, 1.0, -1e100]) == 0.0


def test_python_floor_is_a_correct_step():
    """bench/floor.py's hand-written xor step trains to exactly pure Python's numbers (so
    its time is a floor for the same computation; to rounding where sum() compensates),
    and measure() times it."""
    from bench import floor
    from python_impl import pure
    from python_impl.spec import epoch_orders, init_params

    workload = wl.get("xor")
    X, Y = wl.dataset(workload).as_lists()
    config = workload.config
    init = init_params(workload.spec, workload.seed)
    orders = epoch_orders(len(X), config)
    net = pure.Network(workload.spec, params=init)
    history = net.train(X, Y, config, orders)
    P = floor.flat_params(init)
    floor_history = floor.train(P, X, Y, orders, config.learning_rate, config.momentum)
    trained = floor.flat_params(net.get_params())
    if SUM_ADDS_IN_ORDER:
        assert floor_history == history and P == trained
    else:
        assert floor_history == pytest.approx(history, rel=1e-12, abs=0)
        assert P == pytest.approx(trained, rel=1e-12, abs=0)
    assert len(P) == floor.N_PARAMS and P != floor.flat_params(init)
    measured = floor.measure(rounds=3)
    assert measured["seconds_per_step_median"] > 0 and measured["rounds"] == 3
    assert measured["steps_per_round"] == config.epochs * len(X)


def test_list_command(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in wl.WORKLOADS:
        assert name in out
    for name in registry.ALL:
        assert f"\n{name} " in out
    assert "synthetic" in out and "CC BY 4.0" in out


def test_summary_table_names_the_fastest_and_the_speedups():
    doc = minimal_doc()
    slow = copy.deepcopy(doc["results"][0])
    slow.update(implementation="python", agreement=dict(slow["agreement"],
                                                         max_rel_history_diff=0.0,
                                                         within_tolerance=True))
    slow["time_per_epoch"] = dict(slow["time_per_epoch"], median=5e-3)
    doc["results"].append(slow)
    row = summary.summary_rows(Run(doc))[0]
    assert row["fastest"] == "numpy" and row["vs_python"] is None    # no ratio saved
    results.put_ratio(doc, {"workload": "xor", "numerator": "numpy", "denominator": "python",
                            "numerator_dtype": "float64", "denominator_dtype": "float64",
                            "ratio": 0.02, "ci_low": 0.019, "ci_high": 0.025, "cycles": 9})
    ratio, low, high = summary.summary_rows(Run(doc))[0]["vs_python"]   # inverted
    assert (ratio, low, high) == pytest.approx((50.0, 40.0, 1 / 0.019))
    table = summary.summary_table(doc)
    assert "xor" in table and "50x" in table and "ok (worst 0.0e+00, 1 compared)" in table


# ---- interleaved timing and compare ---------------------------------------------------------

def test_benchmark_json_holds_per_epoch_rounds(quick_run):
    """pytest-benchmark's own file has each case's rounds as time per epoch, so that its
    compare gives the same ratios as the results (whatever epochs per round a run chose)."""
    done, out = quick_run
    doc = results.load(out)
    entries = {}
    for path in (out / "benchmarks").glob("*.json"):
        entries.update({e["param"]: e for e in json.loads(path.read_text())["benchmarks"]})
    timed = [r for r in doc["results"] if r["status"] in TIMED]
    assert timed
    for result in timed:
        entry = entries[result["timing"]["benchmark"]]
        assert entry["stats"]["data"] == pytest.approx(result["time_per_epoch"]["samples"])
        assert entry["stats"]["median"] == pytest.approx(result["time_per_epoch"]["median"])


def timed_doc(samples_by_impl):
    """minimal_doc with one timed xor result per implementation, from its samples."""
    doc = minimal_doc()
    template = doc["results"].pop()
    for impl, samples in samples_by_impl.items():
        result = copy.deepcopy(template)
        result["implementation"] = impl
        result["time_per_epoch"] = {"median": sorted(samples)[len(samples) // 2],
                                    "iqr": 1e-6, "min": min(samples), "max": max(samples),
                                    "mean": sum(samples) / len(samples), "stddev": 1e-6,
                                    "rounds": len(samples), "samples": samples,
                                    "ci_low": None, "ci_high": None}
        doc["results"].append(result)
    return doc


def test_compare_calls_a_real_slowdown_and_not_noise(tmp_path, capsys):
    from bench import compare

    noise = [1.00, 1.04, 0.97, 1.02, 0.99, 1.05, 0.96, 1.01, 1.03, 0.98]
    old = timed_doc({"numpy": [1e-3 * v for v in noise], "fortran": [5e-4 * v for v in noise]})
    new = timed_doc({"numpy": [3e-3 * v for v in noise[::-1]],       # 3x slower
                     "fortran": [5e-4 * v for v in noise[3:] + noise[:3]]})  # reshuffled
    new["environment"]["blas"] = [{"internal_api": "openblas", "architecture": "Prescott"}]
    comparison = compare.compare([old, new], ["A", "B"])
    rows = {r["implementation"]: r for r in comparison["comparisons"][0]["rows"]}
    assert rows["numpy"]["verdict"] == "slower" and rows["numpy"]["ratio"] == pytest.approx(3.0)
    assert rows["numpy"]["ci_low"] > 2.5 and rows["numpy"]["p_value"] < 1e-3
    assert rows["fortran"]["verdict"] == "no change"
    assert any("BLAS kernels differ" in w for w in comparison["comparisons"][0]["warnings"])
    assert compare.slowdowns_above(comparison, 2.0) and not compare.slowdowns_above(
        comparison, 4.0)
    # through the command: formats, the CI gate, the PDF
    for name, doc in (("a", old), ("b", new)):
        (tmp_path / name).mkdir()
        results.save(doc, tmp_path / name / "results.json")
    runs = [str(tmp_path / "a"), str(tmp_path / "b")]
    assert cli.main(["compare", *runs, "--format", "json", "-o", str(tmp_path / "c.pdf")]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["comparisons"][0]["rows"][0]["verdict"] == "slower"
    assert (tmp_path / "c.pdf").read_bytes()[:5] == b"%PDF-"
    assert cli.main(["compare", *runs, "--fail-above", "2", "-o", str(tmp_path / "c.pdf")]) == 1
    assert "above --fail-above 2" in capsys.readouterr().err
    assert cli.main(["compare", *runs, "--fail-above", "4", "--format", "markdown",
                     "-o", str(tmp_path / "c.pdf")]) == 0
    markdown = capsys.readouterr().out
    assert "| numpy | xor |" in markdown and "* slower" in markdown
    # three runs: each later one against the first
    assert cli.main(["compare", *runs, runs[0], "-o", str(tmp_path / "c.pdf")]) == 0
    text = capsys.readouterr().out
    assert text.count("* slower") == 1 and "warning: BLAS kernels differ" in text
    with pytest.raises(SystemExit):
        cli.main(["compare", runs[0]])


def test_compare_calls_nothing_measured_under_heavy_interference():
    from bench import compare

    noise = [1.00, 1.04, 0.97, 1.02, 0.99, 1.05, 0.96, 1.01, 1.03, 0.98]
    old = timed_doc({"numpy": [1e-3 * v for v in noise]})
    new = timed_doc({"numpy": [1.5e-3 * v for v in noise]})
    new["results"][0]["interference"] = {"other_cores": 1.3, "heavy": True}
    new["sampling"] = {"xor": {"cycles": 10, "stopped": "budget", "worst_half_width": 0.02,
                               "other_cores": 1.3, "heavy": True}}
    comparison = compare.compare([old, new], ["A", "B"])
    row = comparison["comparisons"][0]["rows"][0]
    assert row["verdict"] == "undecided" and "interference" in row["why"]
    assert row["ratio"] == pytest.approx(1.5) and row["disturbed"]
    assert row["undecided"] == "disturbed"
    assert any("heavy interference" in w for w in comparison["comparisons"][0]["warnings"])
    assert not compare.slowdowns_above(comparison, 1.1)


def test_heavy_interference_is_more_than_the_cores_left_free(monkeypatch):
    from bench import machine

    clock = iter([0.0, 1.0])
    busy = iter([(10.0, 0.0), (12.3, 0.0)])    # the machine: 2.3 busy cores over the block
    own = iter([5.0, 6.0])                     # of which this process took 1
    monkeypatch.setattr(machine.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(machine, "cpu_seconds", lambda: next(busy))
    monkeypatch.setattr(machine, "own_cpu_seconds", lambda: next(own))
    monkeypatch.setattr(machine, "cpu_count", lambda: 2)
    with machine.OtherLoad(threads=1) as load:
        pass
    assert load.figures["other_cores"] == pytest.approx(1.3)
    assert load.figures["own_cores"] == pytest.approx(1.0) and load.figures["heavy"]
    clock, busy, own = iter([0.0, 1.0]), iter([(0.0, 0.0), (1.6, 0.0)]), iter([0.0, 1.0])
    with machine.OtherLoad(threads=1) as load:   # 0.6 cores on the free one: not heavy
        pass
    assert load.figures["other_cores"] == pytest.approx(0.6) and not load.figures["heavy"]


def test_compare_calls_nothing_where_the_machine_itself_ran_slower():
    """A host that throttles this virtual machine shows in no kernel counter here, but in the
    canary timed in every cycle: every implementation 1.6x slower with the canary 1.6x
    slower is the machine, not the code; with the canary unchanged it is called."""
    from bench import compare

    noise = [1.00, 1.04, 0.97, 1.02, 0.99, 1.05, 0.96, 1.01, 1.03, 0.98]
    old = timed_doc({"numpy": [1e-3 * v for v in noise]})
    new = timed_doc({"numpy": [1.6e-3 * v for v in noise]})
    old["sampling"] = {"xor": {"cycles": 10, "stopped": "budget", "worst_half_width": 0.02,
                               "canary": [2e-3 * v for v in noise]}}
    new["sampling"] = {"xor": dict(old["sampling"]["xor"],
                                   canary=[3.2e-3 * v for v in noise])}
    row = compare.compare([old, new], ["A", "B"])["comparisons"][0]["rows"][0]
    assert row["verdict"] == "undecided" and "the machine itself ran 1.6x" in row["why"]
    assert row["undecided"] == "canary moved"
    new["sampling"]["xor"]["canary"] = [2e-3 * v for v in noise[::-1]]
    comparison = compare.compare([old, new], ["A", "B"])
    assert comparison["comparisons"][0]["rows"][0]["verdict"] == "slower"
    results.validate(new, "with a canary")
