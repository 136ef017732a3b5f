"""`python -m bench`: run, report, compare, list.

Exit codes: 0 success; 1 the run finished but something is wrong (an agreement outside
tolerance, a failed benchmark or gradient check, a report that could not be built);
2 bad usage or an unusable results file (ResultsError); 130 interrupted (the results so far
are saved: `run --resume DIR` completes them).

NumPy must not be imported before `run` has set the thread variables, so this module
imports the heavy parts inside the commands.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import results

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


def _names(values, known, what):
    """Repeatable, comma-separated option values, validated against known (and 'sweep')."""
    names = []
    for value in values or []:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            expanded = known["sweep"] if name == "sweep" and "sweep" in known else [name]
            for item in expanded:
                if item not in known["all"]:
                    raise SystemExit(f"bench run: unknown {what} {item!r}; known: "
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


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the benchmarks, save results and the report",
                              description=RUN_HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--quick", action="store_true",
                     help="fewer workloads (the sweep at 4 widths) and short timing: the whole "
                          "pipeline, report included, in under a minute")
    run.add_argument("--out", metavar="DIR", type=Path,
                     help="output folder (default: results/<UTC timestamp>/)")
    run.add_argument("--impl", action="append", metavar="NAME",
                     help="implementations/peers to run: python, numpy, fortran, torch, "
                          "sklearn, numpy-loop (repeatable or comma-separated; default: the "
                          "three implementations, plus the peers unless --no-peers)")
    run.add_argument("--workload", action="append", metavar="NAME",
                     help="workloads to run (repeatable or comma-separated; 'sweep' means all "
                          "width-N; default: all, or the quick set with --quick); see "
                          "`python -m bench list`")
    run.add_argument("--threads", type=int, default=1, metavar="N",
                     help="threads for BLAS, OpenMP and PyTorch, pinned and recorded "
                          "(default 1)")
    run.add_argument("--also-threads", type=int, default=None, metavar="N",
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
                                 description="Build the merged PDF report from one or more "
                                             "saved runs (results.json files or run folders); "
                                             "several runs are shown side by side.")
    report.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                        help="results.json files or run folders")
    report.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                        help="output PDF (default: report.pdf in the run folder for one run, "
                             "report.pdf in the current folder for several)")

    compare = commands.add_parser(
        "compare", help="compare runs: changes with intervals (terminal, JSON or Markdown, "
                        "and a PDF)",
        description="Compare every later run with the first (the baseline), per "
                    "implementation x workload: new / old time per epoch with its 95% "
                    "interval and a Mann-Whitney test on the saved per-round samples. A "
                    "change is called only when it is significant and larger than the "
                    "minimum effect (the whole interval beyond it). Warns when the runs "
                    "differ in options, CPU, threads, build flags or BLAS kernels. Exit "
                    "code 1 with --fail-above when a slowdown is larger than FACTOR with "
                    "confidence.")
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN",
                         help="two or more results.json files or run folders; the first is "
                              "the baseline")
    compare.add_argument("--min-effect", type=float, default=0.05, metavar="FRACTION",
                         help="the smallest change called (default 0.05: 5%%)")
    compare.add_argument("--fail-above", type=float, default=None, metavar="FACTOR",
                         help="exit 1 when a run is slower than the baseline by more than "
                              "FACTOR (e.g. 1.10) with 95%% confidence: a gate for CI")
    compare.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                         help="terminal output (default text)")
    compare.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                         help="the PDF (default: compare.pdf in the last run's folder)")

    commands.add_parser("list", help="list the workloads and implementations",
                        description="The workloads (network, training, data source) and "
                                    "which implementations and peers are available here.")
    return parser


def command_line(argv):
    """The command as typed (for the results: exactly reproducible)."""
    return shlex.join(["python", "-m", "bench", *argv])


def plan_options(args):
    """run.options from the arguments (names validated)."""
    from bench import registry  # noqa: PLC0415 - standard library only
    from bench.workloads import QUICK, SWEEP, WORKLOADS  # noqa: PLC0415

    impls = _names(args.impl, {"all": list(registry.ALL)}, "implementation")
    peers = args.peers
    if peers is None:
        peers = not impls
    if not impls:
        impls = list(registry.IMPLEMENTATIONS)
    if peers:
        impls += [name for name in registry.PEERS if name not in impls]
    else:
        impls = [name for name in impls if name not in registry.PEERS or args.impl]
    workloads = _names(args.workload, {"all": list(WORKLOADS), "sweep": list(SWEEP)},
                       "workload")
    if not workloads:
        workloads = list(QUICK if args.quick else WORKLOADS)
    if args.threads < 1:
        raise SystemExit("bench run: --threads must be >= 1")
    also = available_cpus() if args.also_threads is None else args.also_threads
    if also < 0:
        raise SystemExit("bench run: --also-threads must be >= 0")
    return {"quick": bool(args.quick), "threads": args.threads,
            "also_threads": also if also > args.threads else 0,
            "peers": any(name in registry.PEERS for name in impls),
            "implementations": impls, "workloads": workloads, "dtypes": _dtypes(args.dtype)}


def _dtypes(values):
    """--dtype -> the run's precisions (default: both; bench/precision.py decides where)."""
    from bench import precision  # noqa: PLC0415 - no NumPy at import

    try:
        return precision.parse(values) or list(precision.DEFAULT_DTYPES)
    except ValueError as error:
        raise SystemExit(f"bench run: --dtype: {error}") from None


def cmd_run(args, argv):
    from bench import environment  # noqa: PLC0415 - no NumPy at import

    if args.resume is not None:
        given = [flag for flag, value in (("--quick", args.quick), ("--out", args.out),
                                          ("--impl", args.impl), ("--workload", args.workload),
                                          ("--peers", args.peers), ("--dtype", args.dtype),
                                          ("--also-threads", args.also_threads is not None))
                 if value not in (None, False)]
        if given or args.threads != 1:
            raise SystemExit(f"bench run: --resume takes the options saved in the run; "
                             f"do not give {', '.join(given) or '--threads'}")
        doc = results.load(args.resume)
        options = doc["run"]["options"]
        out = results.results_path(args.resume).parent
    else:
        doc = None
        options = plan_options(args)
        out = args.out
        if out is None:
            out = Path("results") / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if (out / results.RESULTS_FILE).exists():
            raise SystemExit(f"bench run: {out / results.RESULTS_FILE} exists; use "
                             f"--resume {out} to complete it, or another --out")
        options["out"] = str(out)
    environment.pin_thread_env(options["threads"])  # before NumPy is imported

    from bench import measure, runner  # noqa: PLC0415 - imports NumPy

    settings = measure.QUICK_SETTINGS if options["quick"] else measure.DEFAULT_SETTINGS
    run = runner.Runner(out, options, settings, command_line(argv), list(argv),
                        resume_doc=doc)
    start = time.perf_counter()
    try:
        code = runner.execute(run)
    except runner.RunError as error:
        print(f"bench run: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(run.doc['results']) if run.doc else 0} results saved in "
              f"{run.results_file}; "
              f"complete the run with: python -m bench run --resume {out}", file=sys.stderr)
        return 130
    _print(f"wall time: {time.perf_counter() - start:.1f} s")
    return code


def _print(line):
    print(line, flush=True)


def cmd_report(args):
    docs = [results.load(path) for path in args.results]
    output = args.output
    if output is None:
        if len(args.results) == 1:
            output = results.results_path(args.results[0]).parent / "report.pdf"
        else:
            output = Path("report.pdf")
    import reports  # noqa: PLC0415

    path = reports.build_report(docs, output)
    print(f"report: {path}")
    return 0


def cmd_compare(args, parser):
    from bench import compare  # noqa: PLC0415

    if len(args.runs) < 2:
        parser.error("compare needs at least two runs (the first is the baseline)")
    if not 0 <= args.min_effect < 10:
        parser.error("--min-effect must be a fraction between 0 and 10 (0.05 is 5%)")
    if args.fail_above is not None and not args.fail_above >= 1:
        parser.error("--fail-above must be a factor of at least 1 (1.10: 10% slower)")
    docs = [results.load(path) for path in args.runs]
    names = [str(path) for path in args.runs]
    comparison = compare.compare(docs, names, args.min_effect)
    print(compare.FORMATS[args.format](comparison))
    output = args.output or results.results_path(args.runs[-1]).parent / "compare.pdf"
    from reports import compare as compare_report  # noqa: PLC0415

    path = compare_report.build_compare_report(docs, comparison, output)
    if args.format == "text":
        print(f"\ncompare report: {path}")
    if args.fail_above is not None:
        failing = compare.slowdowns_above(comparison, args.fail_above)
        for name, row in failing:
            print(f"bench compare: {row['implementation']} on {row['workload']} is "
                  f"{row['ratio']:.3g}x slower in {name} (95% interval from "
                  f"{row['ci_low']:.3g}x), above --fail-above {args.fail_above:g}",
                  file=sys.stderr)
        if failing:
            return 1
    return 0


def cmd_list(args):
    from bench import registry, summary  # noqa: PLC0415
    from bench import workloads as wl  # noqa: PLC0415

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
    print(summary._table(("name", "layers", "hidden/output/loss", "epochs", "batch", "lr",
                          "momentum", "l2", "train/test", "data", ""), rows))
    print("\nData sources")
    for name, (source, licence, _) in wl.DATA_SOURCES.items():
        print(f"  {name}: {source}; licence: {licence}")
    print("\nImplementations")
    rows = []
    for name, (available, why) in registry.availability().items():
        rows.append((name, registry.kind(name), "yes" if available else "no",
                     "" if available else why))
    print(summary._table(("name", "kind", "available", "why not"), rows))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "compare":
            return cmd_compare(args, parser)
        return cmd_list(args)
    except results.ResultsError as error:
        print(f"bench {args.command}: {error}", file=sys.stderr)
        return 2
