"""`backprop-bench` (or `python -m bench`): run, report, compare, list.

Exit codes:
  0   done;
  1   the work was done but something is wrong: an agreement outside tolerance, a failed
      benchmark or gradient check, a report that could not be built, or an output that could
      not be written once the run had started (a full disk: what was saved before stays, and
      `run --resume DIR` measures the rest);
  2   nothing was done: bad usage (argparse's message: an unknown name, a thread count out of
      range, an --out or -o that cannot be written, options given with --resume; or one
      line: an output that is one of the inputs), an unusable results file (ResultsError)
      or saved options this machine cannot run, or an output folder in use by another run;
  3   `compare --fail-above`: no confident slowdown, but some comparison undecided (measured
      under interference or while the canary moved, or timed in one run only);
  130 interrupted (the results so far are saved: `run --resume DIR` completes them).

NumPy must not be imported before `run` has set the thread variables, so this module
imports the heavy parts inside the commands.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import files, results

# The most threads --threads and --also-threads take: one per CPU this process may use.
# (More only oversubscribes: NumPy on mnist-shaped with 8 OpenBLAS threads on 2 CPUs took
# 5.8 s per epoch against 47 ms with one.) A count a library cannot run is refused too
# (bench.environment.check_threads).
THREADS_PER_CPU = 1
PROG = "python -m bench"         # how the command was invoked (set by main)

DESCRIPTION = """\
Benchmark one backpropagation algorithm (pure Python, NumPy, Fortran, and the peers
PyTorch, scikit-learn and numpy-loop, NumPy one sample at a time) on shared workloads, and
report the results as a PDF."""

RUN_HELP = """\
Time every implementation (and peer, when installed) on every workload with
pytest-benchmark; save results.json (rewritten as each benchmark finishes) and report.pdf
in the output folder. The default run takes about 2-4 minutes on 2 cores, --quick about
half a minute. Exit code 1 if an agreement with the reference is outside tolerance, a
benchmark failed or the report could not be built; 130 if interrupted (resume it)."""


class UsageError(ValueError):
    """A command-line option that cannot be used (reported through argparse: exit 2)."""


class Refused(ValueError):
    """An argument that cannot be used, said in one line, `bench COMMAND: MESSAGE` (exit 2)."""


def _split(values, what, flag):
    """Repeatable, comma-separated option values -> the names in them, in order; a value that
    names nothing ('', ',') is a UsageError (it would otherwise mean the default)."""
    names = []
    for value in values or []:
        given = [name.strip() for name in value.split(",") if name.strip()]
        if not given:
            raise UsageError(f"argument {flag}: {value!r} names no {what}")
        names += given
    return names


def _names(values, known, what, flag, also=lambda name: False):
    """Repeatable, comma-separated option values, validated against known (and 'sweep'; and
    any name `also` accepts)."""
    names = []
    for name in _split(values, what, flag):
        expanded = known["sweep"] if name == "sweep" and "sweep" in known else [name]
        for item in expanded:
            if item not in known["all"] and not also(item):
                raise UsageError(f"argument {flag}: unknown {what} {item!r}; known: "
                                 f"{', '.join(known['all'])}")
            if item not in names:
                names.append(item)
    return names


def available_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _version():
    """This project's version as installed (pip's metadata)."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - only for --version

    try:
        return version("backprop-bench")
    except PackageNotFoundError:
        return "(not installed)"


def max_threads():
    """The largest thread count a run takes (THREADS_PER_CPU per available CPU)."""
    return THREADS_PER_CPU * available_cpus()


def _thread_count(minimum):
    """argparse type: an integer from minimum to max_threads()."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not minimum <= value <= max_threads():
            raise argparse.ArgumentTypeError(
                f"{value} is out of range: from {minimum} to {max_threads()} (the CPUs this "
                f"process may use)")
        return value
    parse.__name__ = "thread count"
    return parse


def build_parser(prog=None):
    parser = argparse.ArgumentParser(prog=prog or PROG, description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the benchmarks, save results and the report",
                              description=RUN_HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run.set_defaults(command_parser=run)
    run.add_argument("--quick", action="store_true",
                     help="fewer workloads (the sweep at 4 widths) and short timing: the whole "
                          "pipeline, report included, in under a minute")
    run.add_argument("--out", metavar="DIR", type=Path,
                     help="output folder (default: a new folder results/<UTC time to the "
                          "millisecond>/, with -2, -3, ... if two runs start together)")
    run.add_argument("--impl", action="append", metavar="NAME",
                     help="implementations/peers to run: python, numpy, fortran, torch, "
                          "sklearn, numpy-loop (repeatable or comma-separated; default: the "
                          "three implementations, plus the peers unless --no-peers)")
    run.add_argument("--workload", action="append", metavar="NAME",
                     help="workloads to run (repeatable or comma-separated; 'sweep' means all "
                          "width-N; default: all, or the quick set with --quick); see "
                          "`python -m bench list`")
    run.add_argument("--workload-file", action="append", type=Path, metavar="FILE.toml",
                     help="a workload of your own, defined by a TOML file (repeatable): its "
                          "network, training and data (docs/workload-files.md); it runs when "
                          "--workload names it, or when no --workload is given")
    run.add_argument("--threads", type=_thread_count(1), default=None, metavar="N",
                     help="threads for BLAS, OpenMP and PyTorch, pinned and recorded "
                          "(default 1; at most one per CPU)")
    run.add_argument("--also-threads", type=_thread_count(0), default=None, metavar="N",
                     help="after the main timings, time numpy and fortran on the large "
                          "workloads (mnist-shaped, wide) again with N BLAS threads, to show "
                          f"the gain (default: this machine's CPUs, {available_cpus()} here; "
                          "0 or a number not above --threads: do not)")
    run.add_argument("--peers", action=argparse.BooleanOptionalAction, default=None,
                     help="also run the peers PyTorch, scikit-learn and numpy-loop (NumPy "
                          "one sample at a time) (default: yes unless "
                          "--impl is given; a peer that is not installed is recorded as "
                          "skipped with the reason)")
    run.add_argument("--dtype", action="append", metavar="NAME",
                     help="precisions: float64, float32 (repeatable or comma-separated; "
                          "default both: float32 on the batched workloads digits, "
                          "mnist-shaped and wide for numpy, fortran, torch and sklearn)")
    run.add_argument("--resume", metavar="DIR", type=Path,
                     help="complete an interrupted run in DIR: only the missing "
                          "implementation x workload pairs, with the options saved in it")

    report = commands.add_parser("report", help="build the PDF report from saved results",
                                 description="Build the merged PDF report of a saved run "
                                             "(a results.json file or a run folder). Given "
                                             "several runs, it builds their comparison "
                                             "instead, as `compare` does: each later run "
                                             "against the first, with intervals.")
    report.set_defaults(command_parser=report)
    report.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                        help="results.json files or run folders")
    report.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                        help="output PDF (default: report.pdf in the run folder for one run, "
                             "report.pdf in the current folder for several)")

    compare = commands.add_parser(
        "compare", help="compare runs: changes with intervals (terminal, JSON or Markdown, "
                        "and a PDF with -o)",
        description="Compare every later run with the first (the baseline), per "
                    "implementation x workload x precision, and the more-threads timings: "
                    "new / old time per epoch with its 95% interval and a Mann-Whitney test "
                    "on the saved per-round samples. A change is called only when it is "
                    "significant (p < 0.05) and larger than the minimum effect even at its "
                    "least: the two runs' 95% median intervals lie apart by more than the "
                    "effect (new low / old high above 1 + effect for slower, new high / old "
                    "low below 1 / (1 + effect) for faster); the interval of new / old is "
                    "shown, not used to call it. A comparison measured under interference or "
                    "while the machine itself changed speed (the canary), or timed in one run "
                    "only, is undecided. Warns when the runs differ in options, CPU, threads, "
                    "build flags or BLAS kernels. With --fail-above, exit code 1 when a "
                    "slowdown is larger than FACTOR with confidence, else 3 when any "
                    "comparison is undecided, else 0; the last line (on the standard error) "
                    "gives the verdict and its counts.")
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN",
                         help="two or more results.json files or run folders; the first is "
                              "the baseline")
    compare.add_argument("--min-effect", type=float, default=0.05, metavar="FRACTION",
                         help="the smallest change called (default 0.05: 5%%)")
    compare.add_argument("--fail-above", type=float, default=None, metavar="FACTOR",
                         help="a gate for CI: exit 1 when a run is slower than the baseline "
                              "by more than FACTOR (e.g. 1.10) with 95%% confidence, else 3 "
                              "when a comparison is undecided, else 0")
    compare.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                         help="terminal output (default text)")
    compare.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                         help="also write the comparison as a PDF here (default: none)")
    compare.set_defaults(command_parser=compare)

    check = commands.add_parser(
        "check", help="check that an implementation keeps the contract (docs/contract.md)",
        description="Run the contract as a conformance suite on one implementation, against "
                    "the reference (NumPy): Mazur's worked example, finite-difference gradient "
                    "checks over every activation and loss, agreement after training on every "
                    "named workload (float32 too where the class declares it), the input "
                    "rules, and predict. One line per check with its figure, and a last line "
                    "with the count. Exit 0 when every check holds, 1 when any fails, 2 on a "
                    "usage error.")
    check.add_argument("implementation", metavar="NAME|MODULE:CLASS",
                       help="a name `bench list` shows, or a class by its import path")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text lines (default) or one JSON document")
    check.set_defaults(command_parser=check)

    commands.add_parser("list", help="list the workloads and implementations",
                        description="The workloads (network, training, data source) and "
                                    "which implementations and peers are available here, "
                                    "the external ones with where they come from.")
    return parser


def command_line(argv):
    """The command as typed (for the results: exactly reproducible)."""
    return shlex.join([*shlex.split(PROG), *argv])


def plan_options(args):
    """run.options from the arguments (names validated; UsageError otherwise)."""
    from bench import registry  # noqa: PLC0415 - standard library only
    from bench.workloads import QUICK, SWEEP, WORKLOADS  # noqa: PLC0415 - needed by run only

    known = registry.names()          # the project's own, its peers, and external ones
    impls = _names(args.impl, {"all": known}, "implementation", "--impl",
                   also=registry.is_object_path)
    peers = args.peers
    if peers is None:
        peers = not impls
    if not impls:
        impls = [name for name in known if registry.kind(name) != "peer"]
    if peers:
        impls += [name for name in registry.PEERS if name not in impls]
    else:
        impls = [name for name in impls if name not in registry.PEERS or args.impl]
    threads = 1 if args.threads is None else args.threads   # in range: _thread_count
    users = _user_workloads(args.workload_file, threads)
    workloads = _names(args.workload, {"all": list(WORKLOADS) + users, "sweep": list(SWEEP)},
                       "workload", "--workload")
    if not workloads:
        workloads = list(QUICK if args.quick else WORKLOADS) + users
    also = min(available_cpus(), max_threads()) if args.also_threads is None \
        else args.also_threads
    return {"quick": bool(args.quick), "threads": threads,
            "also_threads": also if also > threads else 0,
            "peers": any(name in registry.PEERS for name in impls),
            "implementations": impls, "workloads": workloads, "dtypes": _dtypes(args.dtype)}


def _user_workloads(paths, threads):
    """The names of the workloads that --workload-file files define, each file read and
    checked before anything runs (Refused, exit 2, one line naming the file and the key or
    the row), then made known to the run (bench.workloads.register)."""
    if not paths:
        return []
    from bench import environment  # noqa: PLC0415 - no NumPy at import

    environment.pin_thread_env(threads)      # the data are read with NumPy
    from bench import workload_files, workloads  # noqa: PLC0415 - they import NumPy

    try:
        loaded = workload_files.load_all(paths)
    except workload_files.WorkloadFileError as error:
        raise Refused(f"argument --workload-file: {error}") from None
    for workload in loaded:
        workloads.register(workload)
    return [workload.name for workload in loaded]


def _saved_user_workloads(doc):
    """Make known the workloads of a run to resume that its files defined, from the
    definitions the run saved (the files need not exist; a CSV must still hold the data it
    held: Refused otherwise, naming it)."""
    from bench import workload_files, workloads  # noqa: PLC0415 - imports NumPy

    for name in doc["run"]["options"]["workloads"]:
        saved = doc["workloads"].get(name, {}).get("user")
        if saved:
            try:
                workloads.register(workload_files.from_definition(**saved))
            except workload_files.WorkloadFileError as error:
                raise Refused(f"argument --resume: {error}") from None


def _dtypes(values):
    """--dtype -> the run's precisions (default: both; bench/precision.py decides where);
    UsageError for an unknown name or a value that names none."""
    from bench import precision  # noqa: PLC0415 - no NumPy at import

    try:
        return precision.parse(_split(values, "precision", "--dtype")) or list(
            precision.DEFAULT_DTYPES)
    except ValueError as error:
        raise UsageError(f"argument --dtype: {error}") from None


def _path_problem(path):
    """Why path cannot be an output folder (None if it can be, or be made)."""
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    return _parent_problem(path)


def _parent_problem(path):
    """Why path cannot be made where it lies: its nearest existing parent is a file (None if
    that parent is a folder)."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else f"{parent} is a file, not a folder"
    return None


def _prepare_folder(folder, flag, parser):
    """Make folder (if need be) and lock it for this run: the FolderLock, held until the
    run ends. A folder that cannot be made or written is a usage error (exit 2); one in use
    by another run raises files.FolderLocked (exit 2)."""
    problem = _path_problem(folder)
    if problem:
        parser.error(f"argument {flag}: {problem}")
    try:
        files.make_folder(folder)
        return files.FolderLock(folder).acquire()
    except files.WriteError as error:
        parser.error(f"argument {flag}: {error}")


def _new_run_folder(root, parser):
    """The default --out: a folder in root named by the UTC time to the millisecond, with -2,
    -3, ... when taken; created exclusively, so that two runs started together never share
    one. A root that cannot be written is a usage error (exit 2)."""
    now = datetime.now(UTC)
    name = f"{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z"
    try:
        files.make_folder(root)
        for number in itertools.count(1):
            folder = root / (name if number == 1 else f"{name}-{number}")
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                continue
            except OSError as error:
                raise files.WriteError(folder, error) from error
    except files.WriteError as error:
        parser.error(f"argument --out: {error}")


def _saved_options_problem(options):
    """Why the options saved in a run cannot run here, by the command line's own rules
    (thread counts within this machine's CPUs, known precisions), or None."""
    from bench import precision  # noqa: PLC0415 - no NumPy at import

    for key, minimum in (("threads", 1), ("also_threads", 0)):
        value = options.get(key)
        if value is not None:
            try:
                _thread_count(minimum)(str(value))
            except argparse.ArgumentTypeError as error:
                return f"run.options.{key}: {error}"
    dtypes = options.get("dtypes")
    if dtypes is not None:
        if not isinstance(dtypes, list) or not all(isinstance(d, str) for d in dtypes):
            return f"run.options.dtypes must be a list of names, got {dtypes!r}"
        try:
            precision.parse(dtypes)
        except ValueError as error:
            return f"run.options.dtypes: {error}"
    return None


def _load_resumable(path):
    """The results document of a run to resume; ResultsError (exit 2) if it cannot be used or
    its saved options cannot run here."""
    doc = results.load(path)
    problem = _saved_options_problem(doc["run"]["options"])
    if problem:
        raise results.ResultsError(path, f"{problem} (saved by the run; --resume runs with "
                                         f"the options it saved)")
    return doc


def _resume_options(args, parser):
    """The options given beside --resume (none may be: the run's saved options are used)."""
    given = [flag for flag, value in (("--quick", args.quick or None), ("--out", args.out),
                                      ("--impl", args.impl), ("--workload", args.workload),
                                      ("--workload-file", args.workload_file),
                                      ("--peers/--no-peers", args.peers),
                                      ("--threads", args.threads), ("--dtype", args.dtype),
                                      ("--also-threads", args.also_threads))
             if value is not None]
    if given:
        parser.error(f"argument --resume: the run's saved options are used; do not give "
                     f"{', '.join(given)}")


def cmd_run(args, argv):
    from bench import environment  # noqa: PLC0415 - no NumPy at import

    parser = args.command_parser
    if args.resume is not None:
        _resume_options(args, parser)
        path = results.results_path(args.resume)
        _load_resumable(path)                   # valid, before anything is written
        out = path.parent
        lock = _prepare_folder(out, "--resume", parser)
        try:
            doc = _load_resumable(path)         # as it is now that this run owns the folder
            options = doc["run"]["options"]
            removed = [*files.remove_stray_temporaries(out),
                       *files.remove_stray_temporaries(out / "benchmarks")]
            if removed:
                _print(f"removed {len(removed)} temporary file(s) left by an interrupted "
                       f"save: {', '.join(removed)}")
        except BaseException:
            lock.release()
            raise
    else:
        doc = None
        try:
            options = plan_options(args)
        except UsageError as error:
            parser.error(str(error))
        out = args.out
        if out is None:
            out = _new_run_folder(Path("results"), parser)
        taken = (f"argument --out: {out / results.RESULTS_FILE} exists; complete that run "
                 f"with --resume {out}, or give another --out")
        if (out / results.RESULTS_FILE).exists():
            parser.error(taken)
        _not_an_input(out, _enclosing_runs(out), "--out")
        lock = _prepare_folder(out, "--out", parser)
        if (out / results.RESULTS_FILE).exists():    # saved by a run that just ended
            lock.release()
            parser.error(taken)
        options["out"] = str(out)
    with lock:
        return _run_locked(out, options, doc, argv, environment)


def _run_locked(out, options, doc, argv, environment):
    """The run itself, in an output folder this process has locked."""
    environment.pin_thread_env(options["threads"])  # before NumPy is imported
    if doc is not None:
        _saved_user_workloads(doc)

    from bench import runner  # noqa: PLC0415 - imports NumPy
    from bench import settings as timing  # noqa: PLC0415 - beside it

    settings = timing.QUICK_SETTINGS if options["quick"] else timing.DEFAULT_SETTINGS
    run = runner.Runner(out, options, settings, command_line(argv), list(argv),
                        resume_doc=doc)
    start = time.perf_counter()
    try:
        code = runner.execute(run)
    except (runner.RunError, environment.ThreadsError) as error:
        print(f"bench run: {error}", file=sys.stderr)
        return 2
    except files.WriteError as error:
        print(f"bench run: {_stopped(error, run, out)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(run.doc['results']) if run.doc else 0} results saved in "
              f"{run.results_file}; "
              f"complete the run with: {PROG} run --resume {_argument(out)}", file=sys.stderr)
        return 130
    code = max(code, _run_report(run.results_file, out))
    _print(f"wall time: {time.perf_counter() - start:.1f} s")
    return code


def _run_report(results_file, out):
    """The run's report.pdf, built from its saved results alone (so that it and one rebuilt
    later by `bench report` are the same bytes); -> 0, or 1 if it could not be built."""
    import reports  # noqa: PLC0415 - reportlab is loaded only to write a PDF

    report = out / "report.pdf"
    start = time.perf_counter()
    try:
        files.last_write(lambda: reports.build_report([results.load(results_file)], report),
                         report)
    except Exception as error:  # noqa: BLE001 - the results are saved; say what failed
        _print(f"\nreport: FAILED ({type(error).__name__}: {error}); the results are saved; "
               f"retry with: {PROG} report {_argument(out)} -o {_argument(report)}")
        return 1
    _print(f"\nreport: {report} ({time.perf_counter() - start:.1f} s)")
    _print(f"results: {results_file}")
    return 0


def _stopped(error, run, out):
    """What a save that failed (files.WriteError) stopped, what it kept, and what to do."""
    fix = "make room" if error.disk_full else "put that right"
    if run.results_file.exists():
        return (f"{error}; stopped. {run.results_file} keeps the {len(run.doc['results'])} "
                f"results saved before; {fix}, then complete the run with: {PROG} run "
                f"--resume {_argument(out)}")
    return f"{error}; stopped. nothing was saved; {fix} and run again"


def _argument(path):
    """path as a shell argument that the command line reads back as that path (quoted; a
    relative path that starts with '-' given as ./-name, not an option)."""
    text = str(path)
    return shlex.quote(f"./{text}" if text.startswith("-") else text)


def _print(line):
    print(line, flush=True)


def _output_file(path, parser, flag):
    """Refuse an output file that is a folder or lies under a file (usage errors)."""
    if path.is_dir():
        parser.error(f"argument {flag}: {path} is a folder; name the PDF file to write")
    problem = _parent_problem(path)
    if problem:
        parser.error(f"argument {flag}: {problem}")


def _run_files(path):
    """The files of the run that path (a results file or a run folder) names, which no output
    may replace: its results file and its benchmarks folder (pytest-benchmark's records)."""
    results_file = results.results_path(path).resolve()
    return results_file, results_file.parent / "benchmarks"


def _not_an_input(output, inputs, flag):
    """Refuse (Refused) an output path that is, through symlinks or hard links, the results
    file of one of the input runs, or lies inside their benchmarks folders."""
    target = Path(output).resolve()
    for path in inputs:
        results_file, records = _run_files(path)
        if target == results_file or (target.exists() and results_file.exists()
                                      and os.path.samefile(target, results_file)):
            raise Refused(f"argument {flag}: {output} is {results_file}, the results of an "
                          f"input run; name another file")
        if target == records or records in target.parents:
            raise Refused(f"argument {flag}: {output} lies inside {records}, the records of "
                          f"the run in {records.parent}; name a place outside them")


def _enclosing_runs(folder):
    """The run folders (holding a results file) that folder lies inside."""
    return [parent for parent in Path(folder).resolve().parents
            if (parent / results.RESULTS_FILE).is_file()]


def cmd_report(args):
    output = args.output
    if output is not None:
        _output_file(output, args.command_parser, "-o/--output")
        _not_an_input(output, args.results, "-o/--output")
    docs = [results.load(path) for path in args.results]
    if output is None:
        if len(args.results) == 1:
            output = results.results_path(args.results[0]).parent / "report.pdf"
        else:
            output = Path("report.pdf")
    comparison = None
    if len(docs) > 1:            # several runs: their comparison, as `compare` makes it
        from bench import compare  # noqa: PLC0415 - only the commands that compare load it

        comparison = compare.compare(docs, [str(path) for path in args.results])
    import reports  # noqa: PLC0415 - reportlab is loaded only to write a PDF

    path = files.last_write(lambda: reports.build_report(docs, output, comparison), output)
    print(f"report: {path}")
    return 0


def cmd_compare(args):
    from bench import compare  # noqa: PLC0415 - only the commands that compare load it

    parser = args.command_parser
    if args.output is not None:
        _output_file(args.output, parser, "-o/--output")
        _not_an_input(args.output, args.runs, "-o/--output")
    if len(args.runs) < 2:
        parser.error("compare needs at least two runs (the first is the baseline)")
    if not 0 <= args.min_effect < 10:
        parser.error("--min-effect must be a fraction between 0 and 10 (0.05 is 5%)")
    if args.fail_above is not None and not args.fail_above >= 1:
        parser.error("--fail-above must be a factor of at least 1 (1.10: 10% slower)")
    docs = [results.load(path) for path in args.runs]
    names = [str(path) for path in args.runs]
    comparison = compare.compare(docs, names, args.min_effect)
    print(compare.FORMATS[args.format](comparison), flush=True)
    if args.output is not None:
        from reports import compare as compare_report  # noqa: PLC0415 - loads reportlab

        path = files.last_write(
            lambda: compare_report.build_compare_report(docs, comparison, args.output),
            args.output)
        print(f"compare report: {path}", file=sys.stdout if args.format == "text" else sys.stderr,
              flush=True)
    if args.fail_above is None:
        files.ignore_interrupts()               # the work is done
        return 0
    for name, row in compare.slowdowns_above(comparison, args.fail_above):
        print(f"bench compare: {row['case']} on {row['workload']} is "
              f"{row['ratio']:.3g}x slower in {name} (at least {row['least']:.3g}x "
              f"with 95% confidence), above --fail-above {args.fail_above:g}",
              file=sys.stderr)
    code, line = compare.verdict(comparison, args.fail_above)
    print(f"bench compare: {line}", file=sys.stderr)
    files.ignore_interrupts()                   # the work is done
    return code


def cmd_check(args):
    """The conformance suite on one implementation (bench.conformance)."""
    from bench import conformance, registry  # noqa: PLC0415 - they import NumPy

    try:
        cls = registry.load_one(args.implementation)
        reference = registry.load_one(registry.REFERENCE)
    except registry.ImplementationError as error:
        args.command_parser.error(str(error))
    checked = conformance.run_checks(cls, reference)
    if args.format == "json":
        print(json.dumps({"implementation": args.implementation,
                          "checks": [check.as_dict() for check in checked],
                          "passed": sum(check.passed for check in checked),
                          "failed": sum(not check.passed for check in checked)}, indent=1))
    else:
        for check in checked:
            print(check.line())
        print(conformance.verdict(checked))
    files.ignore_interrupts()                   # the work is done
    return 0 if all(check.passed for check in checked) else 1


def cmd_list(args):
    from bench import registry, summary  # noqa: PLC0415 - loaded by list alone
    from bench import workloads as wl  # noqa: PLC0415 - loaded by list alone

    rows = []
    for name, workload in wl.WORKLOADS.items():
        spec, config = workload.spec, workload.config
        data = wl.dataset(workload)
        source, _, synthetic = wl.DATA_SOURCES[workload.data]
        rows.append((name, "-".join(map(str, spec.layer_sizes)),
                     f"{spec.hidden_activation}/{spec.output_activation}/{spec.loss}",
                     f"{config.epochs}", f"{config.batch_size}", f"{config.learning_rate:g}",
                     f"{config.momentum:g}", f"{config.l2:g}",
                     f"{data.n_train}/{data.n_test}",
                     f"{workload.data}{' (synthetic)' if synthetic else ''}",
                     "quick" if name in wl.QUICK else ""))
    print("Workloads")
    print(summary.table(("name", "layers", "hidden/output/loss", "epochs", "batch", "lr",
                          "momentum", "l2", "train/test", "data", ""), rows))
    print("\nData sources")
    for name, (source, licence, _) in wl.DATA_SOURCES.items():
        print(f"  {name}: {source}; licence: {licence}")
    print("\nImplementations")
    rows = []
    for name, (available, why, entry) in registry.availability().items():
        origin = "this project" if entry and entry.distribution == registry.DISTRIBUTION \
            else (entry.origin() if entry else "")
        rows.append((name, registry.kind(name), "yes" if available else "no", origin,
                     "" if available else why))
    print(summary.table(("name", "kind", "available", "from", "why not"), rows))
    files.ignore_interrupts()                   # the work is done
    return 0


def _path_arguments(args):
    """(flag, path) of every path the command will use; path None where its default lies in
    the working folder (run's --out; report's -o for several runs)."""
    if args.command == "run":
        return [("--resume", args.resume)] if args.resume is not None else [("--out", args.out)]
    if args.command == "report":
        output = args.output
        if output is None and len(args.results) == 1:
            output = args.results[0]          # its default lies in the run's folder
        return [("RESULTS", path) for path in args.results] + [("-o/--output", output)]
    if args.command == "compare":
        return [("RUN", path) for path in args.runs] + (
            [("-o/--output", args.output)] if args.output is not None else [])
    return []


def _without_working_folder(args):
    """No command needs its working folder: when it was deleted, every path must be absolute
    (Refused, naming the argument, if one is not), and the process moves to / so that the
    libraries that ask for the working folder (reportlab and pytest do) get one."""
    try:
        os.getcwd()
        return
    except FileNotFoundError:
        pass
    for flag, path in _path_arguments(args):
        if path is None or not path.is_absolute():
            given = "its default" if path is None else str(path)
            raise Refused(f"argument {flag}: the working folder no longer exists, and "
                          f"{given} lies in it; give an absolute path")
    os.chdir("/")


def main(argv=None):
    """The program (argv None: sys.argv), or a call from Python with argv. Once a command's
    work is done, SIGINT is ignored until the program exits (files.last_write); a call from
    Python gets its SIGINT handler back on return."""
    global PROG  # noqa: PLW0603 - how this process was invoked, for messages and records
    if argv is None:
        argv = sys.argv[1:]
        name = os.path.basename(sys.argv[0])
        PROG = "python -m bench" if name in ("__main__.py", "-m", "") else name
        return _main(argv)
    handler = signal.getsignal(signal.SIGINT)
    try:
        return _main(list(argv))
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, handler)


def _main(argv):
    args = build_parser().parse_args(argv)
    try:
        _without_working_folder(args)
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "compare":
            return cmd_compare(args)
        if args.command == "check":
            return cmd_check(args)
        return cmd_list(args)
    except results.ResultsError as error:
        print(f"bench {args.command}: {error}", file=sys.stderr)
        return 2
    except (files.FolderLocked, Refused) as error:
        print(f"bench {args.command}: {error}", file=sys.stderr)
        return 2
    except files.WriteError as error:
        print(f"bench {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nbench {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into a command that stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
