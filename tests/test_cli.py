"""The command line: exit codes (0 done, 1 something failed, 2 usage or input error, 130
interrupted), a catalogue of corrupted results files through report, compare and --resume,
a save that fails in the middle of a run (a full disk simulated by ENOSPC), the lock on the
output folder, and the installed command. Timings are never tested."""

import copy
import errno
import os
import subprocess
import sys
import textwrap
from datetime import UTC

import pytest
from test_bench import bench, minimal_doc

from bench import cli, files, registry, results, summary
from bench.results import Run, fields, schema


def snapshot(folder):
    """Every file under folder with its size and modification time."""
    state = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            info = os.stat(path)
            state[os.path.relpath(path, folder)] = (info.st_size, info.st_mtime_ns)
    return state


def saved(doc, folder):
    folder.mkdir(parents=True, exist_ok=True)
    results.save(doc, folder)
    return folder


def one_line_error(err, prefix):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    assert "Traceback" not in err
    return lines[0]


# ---- the catalogue of corrupted results files -------------------------------------------------

def mutated(change):
    doc = minimal_doc()
    doc["run"]["sessions"] = [{"started": "2026-11-28T04:30:00Z", "command": "x"}]
    doc["gradient_checks"]["numpy"] = {"max_rel_error": 1e-10, "tolerance": 1e-6,
                                       "step": 1e-5, "cases": 20, "passed": True}
    change(doc)
    return results.dumps(doc)


def result0(**fields):
    return lambda d: d["results"][0].update(fields)


def stats0(**fields):
    return lambda d: d["results"][0]["time_per_epoch"].update(fields)


def duplicate(d):
    d["results"].append(copy.deepcopy(d["results"][0]))


# name: (file text, or a change to a valid document; what the one-line error names)
CORRUPTED = {
    # the 21 that gave tracebacks
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "median 1e308": (mutated(stats0(median=1e308)), "results[0].time_per_epoch.median"),
    "median 5e-324": (mutated(stats0(median=5e-324)), "results[0].time_per_epoch.median"),
    "environment.dgemm a string": (mutated(lambda d: d["environment"].update(dgemm="fast")),
                                   "environment.dgemm must be an object"),
    "environment.blas a number": (mutated(lambda d: d["environment"].update(blas=3)),
                                  "environment.blas must be a list"),
    "run.started a number": (mutated(lambda d: d["run"].update(started=1700000000)),
                             "run.started must be text"),
    "flops_per_epoch a string": (
        mutated(lambda d: d["workloads"]["xor"].update(flops_per_epoch="224")),
        "workloads['xor'].flops_per_epoch must be an integer"),
    "run.options empty": (mutated(lambda d: d["run"].update(options={})),
                          "run.options.quick is missing"),
    "threads '2' (options)": (
        mutated(lambda d: d["run"]["options"].update(threads="2")),
        "run.options.threads must be an integer, got '2'"),
    "threads '2' (result)": (mutated(result0(threads="2")),
                             "results[0].threads must be an integer, got '2'"),
    "unknown workload (options)": (
        mutated(lambda d: d["run"]["options"]["workloads"].append("nope")),
        "run.options.workloads[1] is not a known name: 'nope'"),
    "unknown workload (definitions)": (
        mutated(lambda d: d["workloads"].update(nope=d["workloads"]["xor"])),
        "workloads['nope'] is not a workload this version knows"),
    "run.sessions a number": (mutated(lambda d: d["run"].update(sessions=2)),
                              "run.sessions must be a list"),
    "gradient_checks entry a string": (
        mutated(lambda d: d["gradient_checks"].update(numpy="passed")),
        "gradient_checks['numpy'] must be an object"),
    # the ones accepted without a word
    "schema_version true": (mutated(lambda d: d.update(schema_version=True)),
                            "schema_version True is not supported"),
    "duplicate results": (mutated(duplicate), "results[1] repeats (numpy, xor, float64)"),
    "implementation cobol": (mutated(result0(implementation="cobol")),
                             "results[0].implementation is not a known implementation"),
    "accuracy 7": (mutated(result0(train_accuracy=7)),
                   "results[0].train_accuracy must be at most 1, got 7"),
    "negative peak memory": (mutated(result0(peak_memory_bytes=-5)),
                             "results[0].peak_memory_bytes must be between 0"),
    # and more of the same families
    "median 1e999 (infinite)": (mutated(stats0(median=123.5)).replace("123.5", "1e999"),
                                "results[0].time_per_epoch.median must be a finite number"),
    "median infinite": (mutated(stats0(median=float("inf"))),
                        "results[0].time_per_epoch.median must be a finite number"),
    "median NaN": (mutated(stats0(median=float("nan"))), "must be a finite number, got NaN"),
    "median true": (mutated(stats0(median=True)), "time_per_epoch.median must be a number"),
    "integer of 400 digits": (mutated(stats0(rounds=10 ** 400)),
                              "results[0].time_per_epoch.rounds must be between 1"),
    "integer of 5000 digits": ('{"schema_version": ' + "9" * 5000 + "}", "not valid JSON"),
    "history entry a string": (mutated(result0(history=[0.1, "x"])),
                               "results[0].history[1] must be a number"),
    "within_tolerance 'yes'": (
        mutated(lambda d: d["results"][0]["agreement"].update(within_tolerance="yes")),
        "results[0].agreement.within_tolerance must be true or false"),
    "kind that does not match": (mutated(result0(kind="peer")),
                                 "results[0].kind must be 'implementation' for numpy"),
    "result of an undefined workload": (mutated(result0(workload="iris")),
                                        "results[0].workload names 'iris'"),
    "more_threads with 1 thread": (
        mutated(lambda d: d.update(more_threads={"threads": 1, "results": []})),
        "more_threads.threads must be between 2"),
    "worked example trace a string": (
        mutated(lambda d: d.update(worked_example={"traces": {"numpy": "x"}})),
        "worked_example.traces['numpy'] must be an object"),
    "source text a number": (
        mutated(lambda d: d.update(sources={"numpy": {"path": "p", "first_line": 3,
                                                      "language": "python", "text": 5}})),
        "sources['numpy'].text must be text"),
    "run.finished not a time": (mutated(lambda d: d["run"].update(finished="yesterday")),
                                "run.finished must be a UTC time"),
    "layer size zero": (mutated(lambda d: d["workloads"]["xor"].update(layer_sizes=[2, 0])),
                        "workloads['xor'].layer_sizes[1] must be between 1"),
    # the interleaved timing's fields
    "samples not one per round": (mutated(stats0(samples=[1e-4, 1e-4])),
                                  "results[0].time_per_epoch.samples must hold one time per"),
    "interval not around the median": (mutated(stats0(ci_low=2e-4, ci_high=3e-4)),
                                       "must have ci_low <= median <= ci_high"),
    "ratio interval inverted": (mutated(lambda d: d.update(ratios=[{
        "workload": "xor", "numerator": "numpy", "denominator": "fortran", "ratio": 2.0,
        "numerator_dtype": "float64", "denominator_dtype": "float64",
        "ci_low": 2.5, "ci_high": 1.5, "cycles": 9}])), "ratios[0] must have ci_low <= ratio"),
    "ratio of an unknown implementation": (mutated(lambda d: d.update(ratios=[{
        "workload": "xor", "numerator": "numpy", "denominator": "cobol", "ratio": 2.0,
        "numerator_dtype": "float64", "denominator_dtype": "float64", "ci_low": None,
        "ci_high": None, "cycles": 9}])), "ratios[0].denominator is not a known implementation"),
    "sampling stopped for no reason": (mutated(lambda d: d.update(sampling={"xor": {
        "cycles": 6, "stopped": "tired", "worst_half_width": 0.1}})),
        "sampling['xor'].stopped must be one of"),
    "truncated": (None, "not valid JSON"),
    "empty": ("", "is empty"),
    "not UTF-8": ("\udcff", "is not UTF-8"),
    "top level a list": ("[1, 2]", "top level is not an object"),
    "another tool's JSON": ('{"benchmarks": []}', "not a backprop-bench results file"),
}


def corrupted_file(case, folder):
    text, _ = CORRUPTED[case]
    if text is None:
        text = mutated(lambda d: None)[:500]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / results.RESULTS_FILE
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize("command", ["report", "compare", "resume"])
@pytest.mark.parametrize("case", list(CORRUPTED))
def test_a_corrupted_results_file_exits_2_with_one_line_and_writes_nothing(
        case, command, tmp_path, capsys):
    _, field = CORRUPTED[case]
    bad = corrupted_file(case, tmp_path / "bad")
    good = saved(minimal_doc(), tmp_path / "good")
    before = snapshot(tmp_path)
    argv = {"report": ["report", str(bad.parent)],
            "compare": ["compare", str(good), str(bad.parent)],
            "resume": ["run", "--resume", str(bad.parent)]}[command]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    line = one_line_error(captured.err, f"bench {argv[0]}: {bad}: ")
    assert field in line
    assert snapshot(tmp_path) == before        # nothing written, not even a lock file


def test_the_catalogue_through_the_real_command_line(tmp_path):
    """Three of the cases in a subprocess: exit 2, one line on stderr, nothing else."""
    for case in ("nested 100,000 deep", "median 1e308", "gradient_checks entry a string"):
        bad = corrupted_file(case, tmp_path / case.replace(" ", "_"))
        for argv in (["report", str(bad)], ["compare", str(bad), str(bad)],
                     ["run", "--resume", str(bad.parent)]):
            done = bench(argv, cwd=tmp_path, timeout=60)
            assert done.returncode == 2, (case, argv, done.stderr)
            one_line_error(done.stderr, f"bench {argv[0]}: {bad}: ")


def test_every_workload_and_implementation_name_is_known_to_the_schema():
    from bench.workloads import WORKLOADS

    assert all(results.known_workload(name) for name in WORKLOADS)
    assert not results.known_workload("width-3")
    plain = fields.Context("results.json", {})
    assert all(schema.known_implementation(name, plain) for name in registry.ALL)
    assert not schema.known_implementation("cobol", plain)
    # an implementation from outside the project is known when the file says where from
    saved = fields.Context("results.json", {"implementations": {"cobol": {
        "object": "cobol_bench:Network", "distribution": "cobol-bench", "version": "1.0"}}})
    assert schema.known_implementation("cobol", saved)


# ---- exit codes --------------------------------------------------------------------------------

def usage_error(argv, capsys):
    """argparse's exit 2 and the last line of its message."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("usage: ")
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, message", [
    (["--threads", "0"], "argument --threads: 0 is out of range: from 1 to"),
    (["--threads", "-1"], "argument --threads: -1 is out of range"),
    (["--threads", "4611686018427387904"], "argument --threads: 4611686018427387904 is out"),
    (["--threads", "two"], "argument --threads: 'two' is not a whole number"),
    (["--also-threads", "-1"], "argument --also-threads: -1 is out of range: from 0 to"),
    (["--impl", "cobol"], "argument --impl: unknown implementation 'cobol'"),
    (["--workload", "nope"], "argument --workload: unknown workload 'nope'"),
])
def test_flag_errors_exit_2_through_argparse(argv, message, capsys):
    line = usage_error(["run", *argv], capsys)
    assert line.startswith("python -m bench run: error: " + message), line


def test_thread_counts_are_bounded_by_the_machine():
    parser = cli.build_parser()
    top = cli.max_threads()
    assert top == cli.THREADS_PER_CPU * cli.available_cpus()
    assert cli.plan_options(parser.parse_args(["run", "--threads", str(top)]))["threads"] == top
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--threads", str(top + 1)])


def test_resume_takes_no_other_options(tmp_path, capsys):
    folder = saved(minimal_doc(), tmp_path / "run")
    before = snapshot(tmp_path)
    for extra, named in ((["--quick"], "--quick"), (["--threads", "2"], "--threads"),
                         (["--threads", "1"], "--threads"), (["--no-peers"], "--peers"),
                         (["--out", str(tmp_path)], "--out")):
        line = usage_error(["run", "--resume", str(folder), *extra], capsys)
        assert "argument --resume: the run's saved options are used; do not give" in line
        assert named in line
    assert snapshot(tmp_path) == before


def test_output_places_that_cannot_be_used_exit_2(tmp_path, capsys):
    folder = saved(minimal_doc(), tmp_path / "run")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    before = snapshot(tmp_path)
    cases = [
        (["run", "--out", str(folder)], f"argument --out: {folder}/results.json exists; "
                                        f"complete that run with --resume {folder}"),
        (["run", "--out", str(a_file)], f"argument --out: {a_file} is a file, not a folder"),
        (["run", "--out", str(a_file / "under")],
         f"argument --out: {a_file} is a file, not a folder"),
        (["report", str(folder), "-o", str(tmp_path)],
         f"argument -o/--output: {tmp_path} is a folder"),
        (["report", str(folder), "-o", str(a_file / "r.pdf")],
         f"argument -o/--output: {a_file} is a file, not a folder"),
    ]
    for argv, message in cases:
        line = usage_error(argv, capsys)
        assert line.startswith(f"python -m bench {argv[0]}: error: {message}"), line
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.isdir("/sys/kernel"),
                    reason="needs a place root cannot write (/sys); as a user see below")
def test_out_in_a_place_that_cannot_be_written_exits_2_as_root(capsys):
    line = usage_error(["run", "--out", "/sys/kernel/backprop-bench-test"], capsys)
    assert line.startswith("python -m bench run: error: argument --out: cannot write "
                           "/sys/kernel/backprop-bench-test: "), line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_in_a_read_only_folder_exits_2_as_a_user(tmp_path, capsys):
    tmp_path.chmod(0o555)
    try:
        line = usage_error(["run", "--out", str(tmp_path / "run")], capsys)
    finally:
        tmp_path.chmod(0o755)
    assert "argument --out: cannot write" in line and "Permission denied" in line


def test_resume_in_a_read_only_folder_exits_2(tmp_path, capsys, monkeypatch):
    """Read-only simulated (the tests may run as root): opening the lock file gives EROFS."""
    folder = saved(minimal_doc(), tmp_path / "run")
    real_open = files.os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).startswith(str(folder)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", read_only)
    before = snapshot(tmp_path)
    line = usage_error(["run", "--resume", str(folder)], capsys)
    assert line == (f"python -m bench run: error: argument --resume: cannot write "
                    f"{folder}/{files.LOCK_FILE}: Read-only file system")
    assert snapshot(tmp_path) == before


def test_report_on_a_full_disk_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    folder = saved(minimal_doc(), tmp_path / "run")
    real_replace = files.os.replace

    def full(source, target):
        if str(target).endswith(".pdf"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", full)
    before = snapshot(tmp_path)
    assert cli.main(["report", str(folder)]) == 1
    one_line_error(capsys.readouterr().err,
                   f"bench report: cannot write {folder}/report.pdf: the disk is full (No space "
                   f"left on device)")
    assert snapshot(tmp_path) == before        # no report.pdf, whole or half, no temporary


# ---- a run whose save fails, and the lock, end to end -----------------------------------------

# Runs the command line with os.replace failing (ENOSPC unless another errno is named) for one
# target file name from the Nth time on, as a full disk would (the run must stop at the first).
FULL_DISK = textwrap.dedent("""
    import errno, os, sys
    from bench import cli
    name, first, code = sys.argv[1], int(sys.argv[2]), getattr(errno, sys.argv[3])
    real, count = os.replace, [0]
    def replace(source, target, *args, **kwargs):
        if os.path.basename(target) == name:
            count[0] += 1
            if count[0] >= first:
                raise OSError(code, os.strerror(code))
        return real(source, target, *args, **kwargs)
    os.replace = replace
    sys.exit(cli.main(sys.argv[4:]))
""")
SMALL = ["--quick", "--impl", "numpy,fortran", "--workload", "xor,iris", "--no-peers",
         "--also-threads", "0"]


def full_disk_run(name, first, argv, cwd, error="ENOSPC"):
    return subprocess.run([sys.executable, "-c", FULL_DISK, name, str(first), error, *argv],
                          cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_a_failed_save_stops_the_run_and_resume_measures_what_was_lost(tmp_path):
    out = tmp_path / "run"
    # saves of results.json: 1 at the start, 2 after the once-per-run checks, then one per
    # workload (its cases are timed together and saved at once): the 4th is iris's
    done = full_disk_run("results.json", 4, ["run", *SMALL, "--out", str(out)], tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    line = one_line_error(done.stderr, f"bench run: cannot write {out}/results.json: the disk "
                                       "is full (No space left on device); stopped.")
    assert "make room" in line
    assert f"run --resume {out}" in line and "Traceback" not in done.stdout
    kept = results.load(out)                   # the last good version, intact
    assert [r["status"] for r in kept["results"]] == ["ok", "ok"]
    assert not kept["run"]["complete"]
    assert not (out / "report.pdf").exists()
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]
    # make room: resume measures the pair that could not be saved, and the rest
    resumed = bench(["run", "--resume", str(out)], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    doc = results.load(out)
    assert doc["run"]["complete"] and len(doc["results"]) == 4
    assert all(r["status"] == "ok" for r in doc["results"]), doc["results"]
    assert doc["results"][:2] == kept["results"]
    assert "[2/2]" in resumed.stdout
    # the summary keeps the workload order after a resume (the file's keys are sorted)
    table = resumed.stdout[resumed.stdout.index("Summary"):]
    assert table.index("\nxor ") < table.index("\niris ")


def test_a_failed_report_write_keeps_the_results_and_exits_1(tmp_path):
    out = tmp_path / "run"
    done = full_disk_run("report.pdf", 1, ["run", *SMALL, "--out", str(out)], tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"cannot write {out}/report.pdf: the disk is full" in done.stdout
    assert results.load(out)["run"]["complete"]
    assert not (out / "report.pdf").exists()
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_resume_removes_stray_temporary_files(tmp_path):
    out = tmp_path / "run"
    doc = minimal_doc()
    doc["run"]["options"].update(also_threads=0, out=str(out), quick=True)
    doc["run"]["complete"] = True
    saved(doc, out)
    (out / "benchmarks").mkdir()
    strays = [out / ".results-abc123.tmp", out / ".results.json.0123abcd.tmp",
              out / "benchmarks" / ".benchmarks-1.json.89abcdef.tmp"]
    for stray in strays:
        stray.write_text("half")
    done = bench(["run", "--resume", str(out)], cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr  # 1: the saved agreement is outside
    assert "removed 3 temporary file(s)" in done.stdout
    assert not any(stray.exists() for stray in strays)


LOCK_HOLDER = textwrap.dedent("""
    import sys
    from bench import files
    files.make_folder(sys.argv[1])
    lock = files.FolderLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    sys.stdin.read()
""")


def test_a_second_run_or_resume_into_a_locked_folder_exits_2_naming_the_holder(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(out)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        first = bench(["run", *SMALL, "--out", str(out)], cwd=tmp_path, timeout=60)
        assert first.returncode == 2, first.stderr
        one_line_error(first.stderr, f"bench run: {out} is in use by process {holder.pid}")
        assert not (out / "results.json").exists()
        saved(minimal_doc(), out)
        before = snapshot(out)
        second = bench(["run", "--resume", str(out)], cwd=tmp_path, timeout=60)
        assert second.returncode == 2, second.stderr
        one_line_error(second.stderr, f"bench run: {out} is in use by process {holder.pid}")
        assert snapshot(out) == before
    finally:
        holder.communicate("")


def test_two_runs_started_together_one_runs_the_other_exits_2(tmp_path):
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "bench", "run", *SMALL, "--out", str(out)]
    runs = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((run.wait(timeout=300), run.stderr.read(), run.pid) for run in runs)
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    (code_a, _, _), (code_b, err_b, _) = outcomes
    assert (code_a, code_b) == (0, 2), outcomes
    # the second stopped at the lock (its pid, or "another process" when it was caught before
    # the holder wrote its pid), or, had the first finished, at its results
    assert "is in use by" in err_b or "results.json exists" in err_b, err_b
    doc = results.load(out)
    assert doc["run"]["complete"] and len(doc["run"]["sessions"]) == 1


# ---- the installed command ---------------------------------------------------------------------

def test_list_does_not_import_the_peers(tmp_path):
    code = ("import sys\nfrom bench import cli\nassert cli.main(['list']) == 0\n"
            "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_console_script_is_the_same_command_line(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "backprop-bench")
    done = subprocess.run([script, "run", "--impl", "cobol"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(
        "backprop-bench run: error: argument --impl: unknown implementation 'cobol'")


def test_skip_hints_name_what_pip_installs_anywhere():
    assert registry.install_hint("torch") == "pip install 'torch==2.13.0'"
    assert registry.install_hint("scikit-learn").startswith("pip install 'scikit-learn")
    assert registry.install_hint("nothing-like-it") == "pip install nothing-like-it"


def test_version_recorded_and_commit_only_from_a_checkout(monkeypatch, tmp_path):
    from importlib.metadata import version

    from bench import environment

    assert environment.project_version() == version("backprop-bench")
    commit, _ = environment.git_state()
    assert commit is None or len(commit) == 40
    monkeypatch.setattr(environment, "REPO", tmp_path)   # as in an installed wheel
    assert environment.git_state() == (None, None)


def test_summary_rows_follow_the_run_order_not_the_file_order():
    doc = minimal_doc()
    from bench import workloads as wl

    for name in ("width-8", "width-512", "iris"):
        doc["workloads"][name] = wl.results_entry(wl.get(name))
    doc["run"]["options"]["workloads"] = ["xor", "iris", "width-8", "width-512"]
    doc["workloads"] = dict(sorted(doc["workloads"].items()))     # as saved: sorted keys
    assert [row["workload"] for row in summary.summary_rows(Run(doc))] == [
        "xor", "iris", "width-8", "width-512"]


def test_the_thread_count_is_the_one_the_libraries_run_with(tmp_path):
    out = tmp_path / "run"
    threads = cli.max_threads()
    done = bench(["run", "--quick", "--impl", "numpy", "--workload", "xor", "--no-peers",
                  "--also-threads", "0", "--threads", str(threads), "--out", str(out)],
                 cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    env = results.load(out)["environment"]
    assert env["threads"] == threads
    blas = [library for library in env["blas"] if library.get("user_api") == "blas"]
    assert blas and all(library["num_threads"] == threads for library in blas)  # as reported


def test_version_flag(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"python -m bench {version('backprop-bench')}"


def test_a_benchmark_json_that_cannot_be_written_stops_the_run_with_one_line(tmp_path):
    out = tmp_path / "run"
    done = full_disk_run("benchmarks-1.json", 1, ["run", *SMALL, "--out", str(out)],
                         tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    one_line_error(done.stderr, f"bench run: cannot write {out}/benchmarks/benchmarks-1.json: "
                                "the disk is full (No space left on device); stopped.")
    assert os.listdir(out / "benchmarks") == []     # nothing half-written
    # the record is written after each workload's results: xor's were saved before it
    assert [r["workload"] for r in results.load(out)["results"]] == ["xor", "xor"]


def test_a_thread_count_a_library_cannot_run_is_refused(monkeypatch):
    import threadpoolctl

    from bench import environment

    libraries = [{"user_api": "blas", "prefix": "libopenblas", "num_threads": 64}]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: libraries)
    with pytest.raises(environment.ThreadsError,
                       match="100 threads asked for, but libopenblas .blas. runs with 64"):
        environment.check_threads(100)
    environment.check_threads(64)


# ---- an output is never one of the inputs (issue 21) -------------------------------------------

def run_with_files(folder):
    """A saved run folder with a pytest-benchmark record beside its results, as a run leaves."""
    saved(minimal_doc(), folder)
    (folder / "benchmarks").mkdir()
    (folder / "benchmarks" / "benchmarks-1.json").write_text('{"benchmarks": []}\n')
    return folder


def output_is_input_cases(tmp_path):
    """(argv, what the one line names) for outputs that are an input or inside an input run."""
    a, b = run_with_files(tmp_path / "a"), run_with_files(tmp_path / "b")
    (tmp_path / "link.pdf").symlink_to(a / "results.json")
    (tmp_path / "alias").symlink_to(a)
    return [
        (["report", str(a), "-o", str(a / "results.json")], f"{a}/results.json"),
        (["report", str(a / "results.json"), "-o", str(tmp_path / "link.pdf")],
         f"{a}/results.json"),
        (["report", str(a), str(b), "-o", str(b / "results.json")], f"{b}/results.json"),
        (["compare", str(a), str(b), "-o", str(a / "results.json")], f"{a}/results.json"),
        (["compare", str(a), str(b), "-o", str(a / "benchmarks" / "benchmarks-1.json")],
         f"{a}/benchmarks"),
        (["compare", str(a), str(b), "-o", str(tmp_path / "alias" / "benchmarks" / "new.pdf")],
         f"{a}/benchmarks"),
        (["run", "--out", str(a / "benchmarks")], f"{a}/benchmarks"),
    ]


def test_an_output_that_is_an_input_or_inside_an_input_run_exits_2_and_writes_nothing(
        tmp_path, capsys):
    for argv, named in output_is_input_cases(tmp_path):
        before = snapshot(tmp_path)
        assert cli.main(argv) == 2, argv
        line = one_line_error(capsys.readouterr().err, f"bench {argv[0]}: argument ")
        assert named in line, (argv, line)
        assert snapshot(tmp_path) == before, argv


# ---- no command needs its working directory (issue 21) -----------------------------------------

# Runs the command line from a working directory deleted before it starts.
NO_CWD = textwrap.dedent("""
    import os, sys
    os.chdir(sys.argv[1])
    os.rmdir(sys.argv[1])
    from bench import cli
    sys.exit(cli.main(sys.argv[2:]))
""")


def from_a_deleted_folder(argv, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    return subprocess.run([sys.executable, "-c", NO_CWD, str(gone), *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)


def test_report_and_compare_from_a_deleted_working_directory(tmp_path):
    a, b = saved(minimal_doc(), tmp_path / "a"), saved(minimal_doc(), tmp_path / "b")
    done = from_a_deleted_folder(["report", str(a)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (a / "report.pdf").read_bytes()[:5] == b"%PDF-"
    done = from_a_deleted_folder(["compare", str(a), str(b), "-o", str(tmp_path / "c.pdf")],
                                 tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_path_that_needs_the_deleted_working_directory_exits_2_in_one_line(tmp_path):
    a = saved(minimal_doc(), tmp_path / "a")
    before = snapshot(tmp_path)
    for argv, flag in ((["report", str(a), str(a)], "-o/--output"),
                       (["report", str(a), "-o", "r.pdf"], "-o/--output"),
                       (["report", "a"], "RESULTS"),
                       (["run", "--quick", "--impl", "numpy"], "--out")):
        done = from_a_deleted_folder(argv, tmp_path)
        assert done.returncode == 2, (argv, done.stderr)
        line = one_line_error(done.stderr, f"bench {argv[0]}: argument {flag}: ")
        assert "working folder no longer exists" in line, line
    assert snapshot(tmp_path) == before


def test_a_run_from_a_deleted_working_directory(tmp_path):
    out = tmp_path / "run"
    done = from_a_deleted_folder(["run", "--quick", "--impl", "numpy", "--workload", "xor",
                                  "--no-peers", "--also-threads", "0", "--out", str(out)],
                                 tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert results.load(out)["run"]["complete"] and (out / "report.pdf").exists()


# ---- the default output folder (issue 21) -------------------------------------------------------

def test_runs_started_in_the_same_instant_get_their_own_default_folders(tmp_path, monkeypatch):
    """The clock stopped: every run asks for its default --out at the same instant, and each
    gets a folder of its own (created exclusively), named by the time."""
    from datetime import datetime

    instant = datetime(2026, 11, 28, 5, 0, 0, 123456, tzinfo=UTC)

    class Stopped(datetime):
        @classmethod
        def now(cls, tz=None):
            return instant

    folders = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "datetime", Stopped)
    monkeypatch.setattr(cli, "_run_locked", lambda out, *args: folders.append(out) or 0)
    for _ in range(3):
        assert cli.main(["run", "--quick", "--impl", "numpy", "--no-peers"]) == 0
    assert len(set(folders)) == 3
    assert all(folder.parent == cli.Path("results") and folder.is_dir() for folder in folders)
    assert all(folder.name.startswith("20261128T050000.123") for folder in folders)


# ---- --resume checks the saved options by the command line's rules (issue 21) -----------------

@pytest.mark.parametrize("change, named", [
    (lambda o: o.update(dtypes=["float16"]), "run.options.dtypes[0] is not a known name: "
                                             "'float16'"),
    (lambda o: o.update(dtypes="float32"), "run.options.dtypes must be a list, got 'float32'"),
    (lambda o: o.update(threads=cli.max_threads() + 1),
     f"run.options.threads: {cli.max_threads() + 1} is out of range: from 1 to"),
    (lambda o: o.update(also_threads=cli.max_threads() + 1),
     f"run.options.also_threads: {cli.max_threads() + 1} is out of range: from 0 to"),
])
def test_resume_checks_the_saved_options_by_the_command_lines_rules(change, named, tmp_path,
                                                                    capsys, monkeypatch):
    doc = minimal_doc()
    change(doc["run"]["options"])
    folder = saved(doc, tmp_path / "run")
    ran = []
    monkeypatch.setattr(cli, "_run_locked", lambda *args: ran.append(args) or 0)
    before = snapshot(tmp_path)
    assert cli.main(["run", "--resume", str(folder)]) == 2
    line = one_line_error(capsys.readouterr().err, f"bench run: {folder}/results.json: ")
    assert named in line, line
    assert not ran and snapshot(tmp_path) == before


# ---- a failed save names its own cause (issue 21) ---------------------------------------------

def test_a_save_that_fails_for_another_cause_names_it_not_a_full_disk(tmp_path):
    out = tmp_path / "run"
    done = full_disk_run("results.json", 1, ["run", *SMALL, "--out", str(out)], tmp_path,
                         error="EIO")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    line = one_line_error(done.stderr, f"bench run: cannot write {out}/results.json: "
                                       "Input/output error; stopped.")
    assert "full" not in line and "make room" not in line
    assert "nothing was saved" in line


def test_a_run_whose_working_folder_is_deleted_says_so(tmp_path):
    """--out relative to a working folder deleted while the run starts: the save says that."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = textwrap.dedent("""
        import os, sys
        from bench import cli, runner
        start = runner.Runner.start
        def start_then_delete(self):
            os.system(f"rm -rf {os.getcwd()}")
            return start(self)
        runner.Runner.start = start_then_delete
        sys.exit(cli.main(sys.argv[1:]))
    """)
    done = subprocess.run([sys.executable, "-c", script, "run", *SMALL, "--out", "run"],
                          cwd=gone, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    line = one_line_error(done.stderr, "bench run: cannot write run")
    assert ": the working folder no longer exists; stopped." in line
    assert "full" not in line and "make room" not in line


# ---- output folders hold only what a user reads or needs (issue 21) ---------------------------

def test_a_finished_run_leaves_no_lock_and_no_session_files(tmp_path):
    out = tmp_path / "run"
    done = bench(["run", "--quick", "--impl", "numpy,numpy-loop", "--workload", "xor",
                  "--also-threads", "0", "--out", str(out)], cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert sorted(os.listdir(out)) == ["benchmarks", "report.pdf", "results.json"]
    assert os.listdir(out / "benchmarks") == ["benchmarks-1.json"]


# ---- a SIGINT after the work is done (issue 21) ------------------------------------------------

# Runs the command line with SIGINT sent to this process just after (or, with "before", just
# before) the function named by argv[1:3] (module, attribute) runs; with "exit", after main
# has returned, as the process exits.
LATE_SIGINT = textwrap.dedent("""
    import importlib, os, signal, sys
    from bench import cli
    module, name, when = sys.argv[1:4]
    if module != "-":
        module = importlib.import_module(module)
        real = getattr(module, name)
        def interrupted(*args, **kwargs):
            if when == "before":
                os.kill(os.getpid(), signal.SIGINT)
            result = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)
            return result
        setattr(module, name, interrupted)
    sys.argv = ["__main__.py", *sys.argv[4:]]       # as `python -m bench` starts it
    code = cli.main()
    if when == "exit":
        os.kill(os.getpid(), signal.SIGINT)
    sys.exit(code)
""")


def late_sigint(where, when, argv, cwd):
    module, _, name = where.rpartition(".") if where != "-" else ("-", "", "-")
    return subprocess.run([sys.executable, "-c", LATE_SIGINT, module, name, when, *argv],
                          cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("where, when", [("reports.build_report", "after"), ("-", "exit")])
def test_a_sigint_after_the_report_is_written_does_not_fail_report(where, when, tmp_path):
    folder = saved(minimal_doc(), tmp_path / "run")
    done = late_sigint(where, when, ["report", str(folder)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_sigint_before_the_report_is_written_interrupts_it(tmp_path):
    folder = saved(minimal_doc(), tmp_path / "run")
    done = late_sigint("reports.build_report", "before", ["report", str(folder)], tmp_path)
    assert done.returncode == 130, done.stderr
    assert "interrupted" in done.stderr and not (folder / "report.pdf").exists()


def test_a_sigint_after_the_compare_report_is_written_keeps_the_verdict(tmp_path):
    a, b = saved(minimal_doc(), tmp_path / "a"), saved(minimal_doc(), tmp_path / "b")
    done = late_sigint("reports.compare.build_compare_report", "after",
                       ["compare", str(a), str(b), "-o", str(tmp_path / "c.pdf")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.pdf").exists()


def test_a_sigint_after_a_runs_report_is_written_does_not_fail_the_run(tmp_path):
    out = tmp_path / "run"
    done = late_sigint("reports.build_report", "after",
                       ["run", "--quick", "--impl", "numpy", "--workload", "xor", "--no-peers",
                        "--also-threads", "0", "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "interrupted" not in done.stderr and (out / "report.pdf").exists()


def test_a_call_from_python_gets_its_sigint_handler_back(tmp_path):
    import signal

    folder = saved(minimal_doc(), tmp_path / "run")
    handler = signal.getsignal(signal.SIGINT)
    assert cli.main(["report", str(folder)]) == 0
    assert signal.getsignal(signal.SIGINT) is handler


# ---- the defects of issue 19: usage errors exit 2, names nothing, an --out like an option --

@pytest.mark.parametrize("argv", [["--impl", ""], ["--impl=,"], ["--workload", ","],
                                  ["--workload="], ["--dtype="], ["--dtype", "float16"]],
                         ids=["impl-empty", "impl-comma", "workload-comma", "workload-empty",
                              "dtype-empty", "dtype-float16"])
def test_an_option_that_names_nothing_or_an_unknown_precision_is_a_usage_error(
        argv, tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", *argv, "--out", str(out)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("python -m bench run: error: argument --"), error
    assert not out.exists()                        # nothing run, nothing written


def test_an_out_folder_named_like_an_option_is_a_folder(tmp_path):
    # the session once reached pytest, which read ./-inf as an option: every result was lost
    done = bench(["run", "--quick", "--impl", "numpy", "--workload", "xor", "--no-peers",
                  "--also-threads", "0", "--out", "./-inf"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    doc = results.load(tmp_path / "-inf")
    assert [r["status"] for r in doc["results"]] == ["ok"]
