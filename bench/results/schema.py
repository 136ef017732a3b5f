"""The results file, version 2, stated once as data: every field, what it holds and means, and
the rules across fields. Validation (bench.results.validate) and the prose of
docs/results.md (bench.results.docs) are both read from SCHEMA. Standard library only.

Required fields are those every reader needs and the writer always writes; optional ones are
recorded when measured (absent or null otherwise), and readers check for them. Fields the
schema does not name are let through unread.
"""

from __future__ import annotations

from bench.registry import ALL, kind
from bench.results.fields import (
    Anything,
    Boolean,
    Const,
    Integer,
    Key,
    List,
    Map,
    Name,
    Names,
    Number,
    Object,
    Rule,
    Seconds,
    Text,
    Timestamp,
    Tree,
    member,
    show,
)
from python_impl.spec import DTYPES

SCHEMA = "backprop-bench-results"
SCHEMA_VERSION = 2
RESULTS_FILE = "results.json"
FLOAT64, FLOAT32 = DTYPES
MORE_THREADS = "more_threads"     # the optional section of results timed with more threads
# What that section times: the implementations whose time goes to BLAS, on the workloads
# large enough to share out.
THREADED_IMPLEMENTATIONS = ("numpy", "fortran")
THREADED_WORKLOADS = ("mnist-shaped", "wide")
TIMED_STATUSES = ("ok", "partial")          # a result with figures
STATUSES = (*TIMED_STATUSES, "skipped")
KINDS = ("implementation", "peer", "external")
SAMPLING_STOPS = ("precision", "budget", "max_cycles")   # why a workload's cycles stopped
MAX_THREADS = 4096                 # a thread count in a file (a run's own bound is the CLI's)
TIME_RANGE = (1e-12, 1e7)          # seconds: a picosecond to about four months
RATE_MAX = 1e6                     # GFLOP/s
RATIO_MAX = 1e9                    # a ratio of two times per epoch


def known_workload(name):
    """Whether name is a workload this version defines."""
    from bench.workloads import WORKLOADS  # noqa: PLC0415 - standard library only, cheap

    return isinstance(name, str) and name in WORKLOADS


def run_workload(name, ctx):
    """Whether name is a workload this version defines or one a user defined, whose
    definition the document saved (its workload entry's "user")."""
    entry = ctx.workloads().get(name)
    return known_workload(name) or isinstance(entry, dict) and "user" in entry


def known_implementation(name, ctx):
    """Whether name is an implementation or peer of the vocabulary (bench.registry), or one
    from outside this project that the document says where it came from ("implementations")."""
    return isinstance(name, str) and (name in ALL or name in ctx.externals())


# ---- the names a field may hold -----------------------------------------------------------

def implementation(about, **kwargs):
    return Name(about, known_implementation,
                lambda name: f"is not a known implementation or peer: {show(name)}",
                "implementation or peer name", **kwargs)


def defined_workload(about):
    return Name(about, lambda name, ctx: name in ctx.workloads(),
                lambda name: f"names {name!r}, which is not defined in workloads",
                "name of a workload defined in workloads")


IMPLEMENTATION_KEY = Key("implementation or peer", known_implementation,
                         lambda name: f"is not a known implementation or peer: {show(name)}")
EXTERNAL_KEY = Key("implementation from outside this project",
                   lambda name, ctx: isinstance(name, str) and name not in ALL,
                   lambda name: f"is one of this project's own names: {show(name)}")
WORKLOAD_KEY = Key("workload this version knows, or a user's", run_workload,
                   lambda name: "is not a workload this version knows")
DEFINED_KEY = Key("workload defined in workloads", lambda name, ctx: name in ctx.workloads(),
                  lambda name: "is not defined in workloads")
ANY_KEY = Key("name", lambda name, ctx: True, lambda name: "")


# ---- rules across fields -------------------------------------------------------------------

def _interval_around(centre):
    """The rule of an estimate and its 95% interval: both ends or neither, around centre."""
    def check(value, at, ctx):
        low, high = value["ci_low"], value["ci_high"]
        ctx.require((low is None) == (high is None), at,
                    "must have both ci_low and ci_high, or neither")
        if low is not None:
            ctx.require(low <= value[centre] <= high, at,
                        f"must have ci_low <= {centre} <= ci_high")
    return Rule(f"ci_low and ci_high are both null or both set, ci_low <= {centre} <= ci_high",
                check)


def _one_sample_per_round(value, at, ctx):
    samples = value["samples"]
    if samples is not None:
        ctx.require(len(samples) == value["rounds"], f"{at}.samples",
                    f"must hold one time per round ({value['rounds']}), got {len(samples)}")


def _kind_of_implementation(value, at, ctx):
    expected = kind(value["implementation"])
    ctx.require(value["kind"] == expected, f"{at}.kind",
                f"must be {expected!r} for {value['implementation']}")


def _skipped_with_reason(value, at, ctx):
    if value["status"] == "skipped":
        reason = value.get("reason")
        ctx.require(isinstance(reason, str) and reason.strip(), at,
                    "is skipped without a reason")


def _at_least_two_layers(value, at, ctx):
    ctx.require(len(value) >= 2, at, "must have at least two layers")


def _no_repeats(words, key, shown):
    """A list rule: no two items with the same key(item); shown(key) names one in words."""
    def check(items, at, ctx):
        seen = set()
        for index, item in enumerate(items):
            found = key(item)
            ctx.require(found not in seen, f"{at}[{index}]",
                        f"repeats ({shown(found)}), which has an earlier result")
            seen.add(found)
    return Rule(f"no two results of the same {words}", check)


def _distinct_pairs(items, at, ctx):
    seen = set()
    for index, ratio in enumerate(items):
        sides = frozenset({(ratio["numerator"], ratio["numerator_dtype"]),
                           (ratio["denominator"], ratio["denominator_dtype"])})
        found = (ratio["workload"], sides)
        ctx.require(len(sides) == 2 and found not in seen, f"{at}[{index}]",
                    "repeats a pair of its workload, or pairs one with itself")
        seen.add(found)


def _misfit(value, shape):
    """Where nested lists value differ from shape (None: a number; a list: the shapes of
    its entries), as (path, what it must have), or None."""
    if shape is None:
        return None if not isinstance(value, list) else ("", "a number")
    if not isinstance(value, list) or len(value) != len(shape):
        return "", f"{len(shape)} entries"
    for index, (item, inner) in enumerate(zip(value, shape)):
        found = _misfit(item, inner)
        if found:
            return f"[{index}]{found[0]}", found[1]
    return None


def _vector(n):
    return [None] * n


def _matches_layer_sizes(example, at, ctx):
    """x, y, params and every trace shaped by layer_sizes (one sample per row of x and y;
    a trace holds that one sample's vectors)."""
    sizes = example["layer_sizes"]
    layers = range(len(sizes) - 1)
    rows = len(example["x"]) if isinstance(example["x"], list) else 1
    params = [[[_vector(sizes[l + 1])] * sizes[l], _vector(sizes[l + 1])] for l in layers]
    outputs = [_vector(sizes[l + 1]) for l in layers]
    shapes = [("x", example["x"], [_vector(sizes[0])] * rows),
              ("y", example["y"], [_vector(sizes[-1])] * rows),
              ("params", example["params"], params)]
    for impl, trace in example["traces"].items():
        shapes += [(f"traces[{impl!r}].{key}", trace[key], shape) for key, shape in (
            ("z", outputs), ("a", [_vector(size) for size in sizes]), ("delta", outputs),
            ("nabla_w", [[_vector(sizes[l + 1])] * sizes[l] for l in layers]),
            ("nabla_b", outputs), ("updated_params", params))]
    for where, value, shape in shapes:
        found = _misfit(value, shape)
        if found:
            ctx.fail(f"{member(at, where)}{found[0]}",
                     f"must have {found[1]} (layer_sizes {sizes})")


# ---- the fields -----------------------------------------------------------------------------

SESSION = Object("One invocation of the command: the run, then each --resume.", {
    "started": Timestamp("when it started"),
    "finished": Timestamp("when it ended (absent while it runs)", optional=True),
    "wall_seconds": Number("its wall time", lo=0, hi=1e9, optional=True),
    "command": Text("the command as typed", optional=True),
    "argv": List(Text(), "its arguments", optional=True),
    "machine": Anything("the machine's state as it started: load average, CPU frequency and "
                        "governor, steal time (bench/machine.py)", optional=True),
})

OPTIONS = Object("The options the run was made with; --resume runs with them.", {
    "quick": Boolean("--quick"),
    "threads": Integer("--threads: BLAS, OpenMP and PyTorch threads, pinned", lo=1,
                       hi=MAX_THREADS),
    "also_threads": Integer("--also-threads: the BLAS threads of the more_threads timings "
                            "(0: none)", lo=0, hi=MAX_THREADS),
    "peers": Boolean("--peers or --no-peers", optional=True),
    "implementations": Names("--impl: what was asked for", known_implementation,
                             "implementation or peer names"),
    "workloads": Names("--workload: what was asked for", run_workload, "workload names"),
    "dtypes": Names("--dtype: the precisions timed", lambda name, ctx: name in DTYPES,
                    "precisions (float64, float32)"),
    "out": Text("--out: the run folder", optional=True),
})

TIMING = Object("How the run timed: the settings, and texts the Methodology section prints.", {
    **{key: Number(about, lo=0, hi=1e9, optional=True) for key, about in (
        ("min_time_per_round", "seconds a round lasts at least"),
        ("warmup_rounds", "rounds run before timing"),
        ("min_rounds", "cycles at least"),
        ("max_rounds", "cycles at most"),
        ("partial_rounds", "rounds of a partial timing"),
        ("budget_seconds", "pure Python's time budget per workload"),
        ("target_seconds_per_benchmark", "a workload's budget per implementation timed"),
        ("max_partial_round_seconds", "the longest round of a partial timing"),
        ("precision_goal", "the relative half-width every ratio's interval aims for"))},
    **{key: Text(about, optional=True) for key, about in (
        ("timer", "the clock"), ("schedule", "the interleaved cycles"),
        ("intervals", "how the intervals are computed"), ("calibration", "round lengths"),
        ("pure_python", "how pure Python is timed within its budget"),
        ("gc", "the garbage collector"), ("interference", "how other processes are watched"),
        ("inside_timed_region", "what a round times"),
        ("outside_timed_region", "what is done outside it"),
        ("profiling", "how the profiles were made"))},
    "memory": Map(ANY_KEY, Text(), "how each peak_memory_method measures", optional=True),
    "settings": Anything("the settings object (bench/measure.py)", optional=True),
})

RUN = Object("The command, its options and how it timed.", {
    "started": Timestamp("when the run started"),
    "finished": Timestamp("when it last ended; null until then", null=True),
    "wall_seconds": Number("the wall time of its sessions; null until it ends", lo=0, hi=1e9,
                           null=True),
    "command": Text("the command line as typed"),
    "argv": List(Text(), "its arguments"),
    "complete": Boolean("every planned case has a result"),
    "options": OPTIONS,
    "methodology": Object("How the run measured.", {"timing": TIMING}),
    "sessions": List(SESSION, "one per invocation, in order"),
})

GEMM = Object("A matrix-multiply limit: NumPy's GEMM rate on an n x n product.", {
    "n": Integer("the matrix size", lo=1),
    "gflops_median": Number("GFLOP/s, median of the rounds", lo=0, hi=RATE_MAX, above=0),
    "gflops_iqr": Number("their interquartile range", lo=0, hi=RATE_MAX),
    "rounds": Integer("rounds timed", lo=1, optional=True),
    "threads": Integer("threads", lo=1, hi=MAX_THREADS, optional=True),
    "measured": Text("when: just before the first timing of wide, or at the start of the run",
                     optional=True),
}, optional=True)

ENVIRONMENT = Object("Where and with what the run ran (once per run).", {
    "cpu_model": Text("the CPU", null=True),
    "cpu_count": Integer("logical CPUs", lo=1, hi=MAX_THREADS, null=True),
    "os": Text("platform.platform()", null=True),
    "python": Text("Python's version", null=True),
    "numpy": Text("NumPy's version", null=True),
    "blas": List(Object("A BLAS library threadpoolctl found loaded.", {
        **{key: Text(optional=True) for key in ("user_api", "internal_api", "version",
                                                "architecture", "filepath", "prefix",
                                                "threading_layer")},
        "num_threads": Integer("its threads", lo=1, hi=MAX_THREADS, optional=True),
    }), "every BLAS library loaded (threadpoolctl)"),
    "threads": Integer("the --threads value pinned for the run", lo=1, hi=MAX_THREADS),
    "thread_variables": Map(ANY_KEY, Text(null=True), "the thread environment variables as "
                            "set for the run", optional=True),
    "openblas_coretype": Text("OPENBLAS_CORETYPE as the run found it", optional=True),
    "gfortran": Text("the first line of gfortran --version", null=True),
    "fortran_build": Object("fortran_impl.build_info(): how the extension was built ({}: "
                            "not recorded).", {
        "blas": Text('"openblas dgemm" or "reference loops" (meson option -Dblas)',
                     optional=True),
        "blas_version": Text("the BLAS it was built against", optional=True),
        "blas_linked": Boolean("BLAS linked in", optional=True),
        "blas_kernel": Text("the OpenBLAS kernel in use (threadpoolctl)", optional=True),
        "openblas_coretype_set": Text("the OPENBLAS_CORETYPE fortran_impl named while loading "
                                      "it", optional=True),
        "matmul_path": Text("auto, loops or blas", optional=True),
        "blas_min_work": Integer("multiply-adds from which auto uses dgemm", optional=True),
        "flags": Text("the Fortran flags", optional=True),
        "compiler": Text("the compiler", optional=True),
        "buildtype": Text("meson's build type", optional=True),
        "error": Text("why the extension could not be imported", optional=True),
    }),
    "packages": Map(ANY_KEY, Text(null=True), "versions of the packages that matter (null: not "
                    "installed)"),
    "version": Text("backprop-bench's version (pip metadata)", null=True),
    "git_commit": Text("the commit, when run from a checkout", null=True),
    "git_dirty": Boolean("uncommitted changes in that checkout", null=True),
    "dgemm": GEMM,
    "sgemm": GEMM,
    "dgemm_threads": GEMM,
    "python_floor": Object("A hand-written xor step (bench/floor.py), timed just before python "
                           "on xor: the floor under pure Python's time per step.", {
        "seconds_per_step_median": Seconds("time per step, median"),
        "seconds_per_step_iqr": Seconds("its interquartile range", zero=True, optional=True),
        "rounds": Integer("rounds", lo=1, optional=True),
        "steps_per_round": Integer("steps per round", lo=1, optional=True),
        "workload": Text("xor", optional=True),
        "what": Text("what was timed", optional=True),
    }, optional=True),
})

WORKLOAD = Object("A workload's definition as run: network, training, data.", {
    "description": Text("one sentence for the report"),
    "layer_sizes": List(Integer(lo=1, hi=10 ** 7), "units per layer, input first",
                        rules=(Rule("at least two layers", _at_least_two_layers),)),
    "hidden_activation": Text("of the hidden layers"),
    "output_activation": Text("of the output layer"),
    "loss": Text("the loss"),
    "config": Object("The training configuration (python_impl.spec.TrainConfig).", {
        "epochs": Integer("epochs trained", lo=1),
        "learning_rate": Number("eta", lo=0, hi=1e6, above=0),
        "batch_size": Integer("samples per batch", lo=1),
        "momentum": Number("momentum", lo=0, hi=1, optional=True),
        "l2": Number("l2 penalty", lo=0, hi=1e6, optional=True),
        "shuffle": Boolean("shuffled each epoch", optional=True),
        "seed": Integer("the sample orders' seed", lo=-2 ** 53, optional=True),
    }),
    "n_train": Integer("training samples", lo=1),
    "n_test": Integer("held-out samples", lo=0),
    "n_classes": Integer("classes; null for a regression", lo=1, null=True),
    "flops_per_epoch": Integer("matrix-product operations of an epoch (spec.flops)", lo=0),
    "data": Object("Where the data come from.", {
        "name": Text("the data set"), "source": Text("where it comes from"),
        "licence": Text("its licence"), "synthetic": Boolean("made up by bench"),
    }, optional=True),
    "sweep": Object("The member of a sweep: which setting and its value.", {
        "name": Text("hidden_width"), "value": Integer("the swept value", lo=1),
    }, null=True),
    "published": Object("A published result of the same network (nielsen: Nielsen's own).", {
        "test_accuracy": Number("the published test accuracy", lo=0, hi=1),
        "source": Text("where it was published"),
        "setting": Text("how it was obtained, and what differs here"),
    }, optional=True),
    "init_seed": Integer("the initial parameters' seed", lo=-2 ** 53, optional=True),
    "user": Object("A workload a user defined in a file (bench/workload_files.py); --resume "
                   "rebuilds it from this.", {
        "file": Text("the TOML file it was read from", null=True),
        "definition": Anything("the file's contents, the CSV's path absolute"),
        "data_sha256": Text("the CSV's sha256 (null: synthetic or shipped data)", null=True),
    }, optional=True),
})

TIME_PER_EPOCH = Object("pytest-benchmark's statistics of the rounds, as time per epoch.", {
    **{key: Seconds(about) for key, about in (
        ("median", "the median round"), ("min", "the fastest"), ("max", "the slowest"),
        ("mean", "the mean"))},
    "iqr": Number("interquartile range, seconds", lo=0, hi=TIME_RANGE[1]),
    "stddev": Number("standard deviation, seconds", lo=0, hi=TIME_RANGE[1]),
    "rounds": Integer("rounds timed", lo=1),
    "ci_low": Seconds("the 95% interval of the median: low end (null: none saved)", null=True),
    "ci_high": Seconds("its high end", null=True),
    "samples": List(Seconds(), "every round, in cycle order (null: none saved)", null=True),
}, rules=(_interval_around("median"),
          Rule("samples holds one time per round", _one_sample_per_round)))

AGREEMENT = Object("The trained parameters against the reference's, from the same start.", {
    "reference": implementation("the reference (numpy)"),
    "max_rel_param_diff": Number("largest relative difference of the parameters", lo=0,
                                 finite=False),
    "max_rel_history_diff": Number("of the loss histories", lo=0, finite=False, null=True),
    "within_tolerance": Boolean("max_rel_param_diff within the tolerance"),
    "epochs_compared": Integer("epochs compared", lo=0),
    "tolerance": Number("the contract's tolerance for the precision", lo=0, hi=1, above=0),
    "note": Text("what differs in the comparison", optional=True),
})

TIMED_FIELDS = {
    "time_per_epoch": TIME_PER_EPOCH,
    "samples_per_second": Number("training samples per second", lo=0, hi=1e15, null=True),
    "gflops": Number("flops_per_epoch over the median time, in GFLOP/s", lo=0, hi=RATE_MAX,
                     null=True),
    # a training that diverged saves its loss as it was (inf, NaN): a result, not corruption
    "final_loss": Number("the last epoch's training loss", lo=0, finite=False, null=True),
    "train_accuracy": Number("on the training data", lo=0, hi=1, null=True),
    "test_accuracy": Number("on the held-out data", lo=0, hi=1, null=True),
    "agreement": Object(AGREEMENT.about, AGREEMENT.fields, null=True),
    "peak_memory_bytes": Integer("peak memory growth while training", lo=0, null=True),
    "peak_memory_method": Text("how it was measured (run.methodology.timing.memory)",
                               optional=True),
    "history": List(Number(lo=0, finite=False), "the training loss of each epoch"),
}

RESULT = Object("One implementation x workload x precision. ok: timed over whole epochs. "
                "partial: over the first timed_batches batches of an epoch, the per-epoch "
                "figures scaled from them, and the agreement, final loss and history of that "
                "prefix. skipped: no figures; reason says why.", {
    "implementation": implementation("who ran"),
    "kind": Text("implementation, peer or external (bench.registry.kind)", choices=KINDS),
    "workload": defined_workload("what it ran"),
    "status": Text("how it was timed", choices=STATUSES),
    "reason": Text("why skipped or partial; null for ok", null=True),
    "dtype": Text("the precision", choices=DTYPES),
    "threads": Integer("the BLAS threads it ran with", lo=1, hi=MAX_THREADS),
    "timed_batches": Integer("partial: batches per timed round; else null", lo=1, null=True),
    "seconds_spent": Number("seconds the case took, timing and checks", lo=0, hi=1e9,
                            optional=True),
    "notes": List(Text(), "what the report should say about it", optional=True),
    "agreement_note": Text("why agreement is null", optional=True),
    "interference": Object("Its workload's interference while timed.", {
        "other_cores": Number("CPU other processes took, in cores", lo=0, optional=True),
        "heavy": Boolean("more than the cores the run left free", optional=True),
    }, optional=True),
    "timing": Anything("how its rounds were made: epochs_per_round, cycles, warmup_cycles, "
                       "scale_to_epoch, round_median_seconds, its pytest-benchmark record",
                       optional=True),
    "phase_seconds": Anything("seconds of each untimed phase (calibration, reference and "
                              "agreement)", optional=True),
}, cases=("status", [
    (TIMED_STATUSES, TIMED_FIELDS),
    (("partial",), {"timed_batches": Integer("batches per timed round", lo=1)}),
]), rules=(Rule("kind is the implementation's kind", _kind_of_implementation),
           Rule("a skipped result has a reason", _skipped_with_reason)))


def _interval_fields(what):
    return {
        "ratio": Number(what, lo=0, hi=RATIO_MAX, above=0),
        "ci_low": Number("its 95% interval: low end (null: too few cycles, or not paired)",
                         lo=0, hi=RATIO_MAX, null=True),
        "ci_high": Number("its high end", lo=0, hi=RATIO_MAX, null=True),
        "cycles": Integer("the cycles it was paired over; 0: not paired, the ratio of the two "
                          "medians", lo=0),
    }


RATIO = Object("time(numerator) / time(denominator) on a workload, each side in its "
               "precision: the median of the per-cycle ratios of their paired rounds. One "
               "entry per two timed results of a workload, in either orientation.", {
    "workload": defined_workload("the workload"),
    "numerator": implementation("the numerator's implementation"),
    "numerator_dtype": Text("its precision", choices=DTYPES),
    "denominator": implementation("the denominator's implementation"),
    "denominator_dtype": Text("its precision", choices=DTYPES),
    **_interval_fields("the ratio"),
}, rules=(_interval_around("ratio"),))

GAIN = Object("How much faster an implementation ran with more threads: time with the run's "
              "threads / time with more, paired per cycle.", {
    "implementation": implementation("who ran"),
    "workload": defined_workload("the workload"),
    "threads": List(Integer(lo=1, hi=MAX_THREADS), "[the run's threads, more]", optional=True),
    **_interval_fields("the gain"),
}, rules=(_interval_around("ratio"),))

SAMPLING = Object("How a workload's interleaved cycles went.", {
    "cycles": Integer("timed cycles", lo=0),
    "stopped": Text("why no more cycles were added", choices=SAMPLING_STOPS),
    "worst_half_width": Number("the widest ratio interval, relative (inf: none)", lo=0,
                               finite=False),
    "precision_goal": Number("the goal for it", lo=0, hi=1, optional=True),
    "seconds": Number("seconds the cycles took", lo=0, hi=1e9, optional=True),
    "warmup_cycles": Integer("cycles discarded first", lo=0, optional=True),
    "arms": List(Text(), "the cases timed in each cycle", optional=True),
    "other_cores": Number("CPU other processes took meanwhile, in cores", lo=0, hi=1e4,
                          optional=True),
    "own_cores": Number("CPU this process took meanwhile, in cores", lo=0, optional=True),
    "steal_share": Number("share of the time stolen by the hypervisor", lo=0, optional=True),
    "heavy": Boolean("the others took more than the cores the run left free", optional=True),
    "canary": List(Seconds(), "a fixed pure-Python loop timed once per cycle "
                              "(bench.machine.canary): how fast the machine ran",
                   optional=True),
})

MORE = Object("The large workloads timed again after the main timings: NumPy and Fortran at "
              "the run's own thread count and with `threads`, interleaved, so that the gain is "
              "a paired ratio.", {
    "threads": Integer("the larger BLAS thread count", lo=2, hi=MAX_THREADS),
    "results": List(RESULT, "results as above, at both thread counts", rules=(
        _no_repeats("implementation, workload, threads and dtype",
                    lambda r: (r["implementation"], r["workload"], r["threads"], r["dtype"]),
                    lambda key: f"{key[0]}, {key[1]}, {key[2]} threads, {key[3]}"),)),
    "gains": List(GAIN, "the gain of each pair (absent until measured)", optional=True),
    "sampling": Map(DEFINED_KEY, SAMPLING, "how its cycles went (absent until measured)",
                    optional=True),
}, optional=True)

TRACE = Object("One implementation's numbers for the worked example, per layer.", {
    **{key: List(Tree(depth=4), about) for key, about in (
        ("z", "pre-activations"), ("a", "activations, input first"),
        ("delta", "dC/dz"), ("nabla_w", "gradients of W"), ("nabla_b", "gradients of b"),
        ("updated_params", "[W, b] after one SGD step"))},
    "loss": Number("the loss", lo=0),
})

WORKED_EXAMPLE = Object("A small network (2-2-2, Mazur's numbers) traced through one SGD step "
                        "by every implementation; null until traced.", {
    "traces": Map(IMPLEMENTATION_KEY, TRACE, "each implementation's trace"),
    "layer_sizes": List(Integer(lo=1), "units per layer"),
    "hidden_activation": Text("of the hidden layers"),
    "output_activation": Text("of the output layer"),
    "loss": Text("the loss"),
    "learning_rate": Number("eta", lo=0),
    "x": Tree("the input, one sample per row"),
    "y": Tree("the target"),
    "params": Tree("the initial [W, b] of each layer, W as n_in x n_out"),
    "errors": Map(IMPLEMENTATION_KEY, Text(), "implementations whose trace failed"),
    "source": Text("where the example was published", optional=True),
    "published": Map(ANY_KEY, Number(), "values it published, by name", optional=True),
}, null=True, rules=(Rule("x, y, params and the traces are shaped by layer_sizes",
                          _matches_layer_sizes),))

GRADIENT_CHECK = Object("The analytic gradient against central differences.", {
    "max_rel_error": Number("the largest relative error", lo=0, finite=False),
    "tolerance": Number("the tolerance", lo=0, hi=1, above=0),
    "step": Number("the difference step", lo=0, hi=1, null=True),
    "cases": Integer("cases checked", lo=0, null=True),
    "passed": Boolean("within the tolerance"),
    "networks": Text("the networks checked", optional=True),
    "error": Text("why it failed to run", optional=True),
})

SOURCE = Object("The backward pass, read from the source file when the results were saved: "
                "the lines between `backward pass: begin` and `backward pass: end`.", {
    "path": Text("the file"),
    "first_line": Integer("its first line's number (null: not found)", lo=1, null=True),
    "language": Text("python or fortran"),
    "text": Text("the lines"),
    "error": Text("why it could not be read", optional=True),
})

PROFILE_TOP = Object("A function and its share of the profiled time.", {
    "function": Text("module:function"),
    "share": Number("its share, 0 to 1", lo=0, hi=1),
    "seconds": Number("its seconds", lo=0, hi=1e9, optional=True),
    "calls": Integer("its calls", lo=0, optional=True),
})

PROFILE = Object("Where an implementation's time goes on a workload (bench/profiles.py, after "
                 "the timings, untimed). python, numpy, numpy-loop: cProfile, own time per "
                 "function; fortran: the raw f2py call against the Python wrapper.", {
    "status": Text("ok or skipped", choices=("ok", "skipped")),
    "reason": Text("why skipped", null=True, optional=True),
}, cases=("status", [(("ok",), {
    "method": Text("cprofile or wrapper-timing", optional=True),
    "call": Map(ANY_KEY, Integer(lo=0), "the profiled call: epochs, samples, batches, repeats",
                optional=True),
    "seconds": Number("profiled time", lo=0, hi=1e9, optional=True),
    "wall_seconds": Number("wall time", lo=0, hi=1e9, optional=True),
    "top": List(PROFILE_TOP, "the top functions by share"),
    "other_share": Number("everything below them", lo=0, hi=1, optional=True),
    "modules": Map(ANY_KEY, Number(lo=0, hi=1), "own time by module (cprofile)", optional=True),
    "note": Text("what the profile cannot say", optional=True),
})]), rules=(Rule("a skipped profile has a reason", _skipped_with_reason),))

EXTERNAL = Object("Where an implementation from outside this project came from (bench list "
                  "shows the same).", {
    "object": Text("its class, module:attribute"),
    "distribution": Text("the package that registered it under the entry-point group "
                         "backprop_bench.implementations; null: named on the command line "
                         "(--impl MODULE:CLASS)", null=True),
    "version": Text("that package's version", null=True),
})

RESULTS = Object("A results file: JSON, results.json in a run's folder, written by `bench run` "
                 "(rewritten as each workload finishes) and read by `bench report`, "
                 "`bench compare` and `bench run --resume`.", {
    "schema": Const(SCHEMA, "what the file is"),
    "schema_version": Const(SCHEMA_VERSION, "the version of this format"),
    "run": RUN,
    "environment": ENVIRONMENT,
    "workloads": Map(WORKLOAD_KEY, WORKLOAD, "each workload's definition as run"),
    "implementations": Map(EXTERNAL_KEY, EXTERNAL, "where each implementation from outside "
                           "this project came from", optional=True),
    "results": List(RESULT, "one per implementation x workload x precision", rules=(
        _no_repeats("implementation, workload and dtype",
                    lambda r: (r["implementation"], r["workload"], r["dtype"]), ", ".join),)),
    "worked_example": WORKED_EXAMPLE,
    "gradient_checks": Map(IMPLEMENTATION_KEY, GRADIENT_CHECK, "per implementation"),
    "sources": Map(IMPLEMENTATION_KEY, SOURCE, "backward-pass excerpts per implementation"),
    "profiles": Map(IMPLEMENTATION_KEY, Map(DEFINED_KEY, PROFILE), "per implementation and "
                    "workload ({}: none made)"),
    "ratios": List(RATIO, "the paired ratios of the timed results", rules=(
        Rule("one entry per two sides of a workload", _distinct_pairs),)),
    "sampling": Map(DEFINED_KEY, SAMPLING, "per workload timed"),
    MORE_THREADS: MORE,
})
