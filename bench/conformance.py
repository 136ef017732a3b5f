"""`python -m bench check NAME|MODULE:CLASS`: the contract (docs/contract.md) as a conformance
suite, run on any implementation against the reference (NumPy, bench.registry.REFERENCE).

Each check gives one Check: what was checked, on what, its figure against its limit, and
whether it holds.
- Mazur's worked example (bench.checks.trace): the forward pass, E_total against his
  published value, every gradient, the weights after one step, each against the reference.
- Gradients: central differences of the loss (python_impl.arrays.gradient_check) on every
  hidden activation x (output, loss) the contract allows (bench.checks.gradient_cases); a
  failing line names the worst array (`params[1] b`). In float32 too where declared.
- Agreement after training: the default `train(X, Y, config)` on every named workload (its
  first samples, up to two epochs, so that a slow implementation finishes), against the
  reference's, within the contract's tolerance; the sample orders are the implementation's
  own, so this checks the order generator too. In float32 where declared, against float64.
- Input rules (the error catalogue): bad arguments raise the reference's class, name the
  argument, and leave the parameters as they were.
- predict: the class of the largest output (one output unit: output >= 0.5), as the
  reference predicts.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

import numpy as np

from bench import checks, precision
from bench import workloads as wl
from python_impl import arrays
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    FLOAT32_GRADIENT_CHECK_STEP,
    FLOAT32_GRADIENT_CHECK_TOLERANCE,
    GRADIENT_CHECK_TOLERANCE,
    NetworkSpec,
    TrainConfig,
    init_params,
)

# agreement: each workload's first samples (fewer for wide layers: a slow implementation
# still finishes in seconds) and at most this many epochs
AGREEMENT_SAMPLES = 64
AGREEMENT_WORK = 5e6          # samples x parameters, at most (wide: 1,035,274 -> 8 samples)
AGREEMENT_EPOCHS = 2


@dataclass(frozen=True)
class Check:
    """One check: what was checked (`check`), on what (`subject`), its figure against its
    limit, whether it holds, and a detail (what went wrong, or how it was measured)."""

    check: str
    subject: str
    passed: bool
    figure: float | None = None
    limit: float | None = None
    detail: str = ""

    def line(self):
        """One line: the verdict, the check and its subject, the figure and the limit."""
        figure = "" if self.figure is None else f"{self.figure:.2e}"
        if self.limit is not None:
            figure += f" ({'<=' if self.passed else '>'} {self.limit:g})"
        text = f"{'ok  ' if self.passed else 'FAIL'}  {self.check}: {self.subject}"
        if figure:
            text += f"  {figure}"
        return text + (f"  {self.detail}" if self.detail else "")

    def as_dict(self):
        return dataclasses.asdict(self)


def run_checks(cls, reference):
    """Every Check of cls against the reference class, in the order of the module docstring."""
    out = []
    for section in (mazur_checks, gradient_checks, agreement_checks, input_rule_checks,
                    predict_checks):
        try:
            out += section(cls, reference)
        except Exception as error:  # noqa: BLE001 - a crash is a failed check, named
            out.append(Check(section.__name__.replace("_checks", ""), "ran", False,
                             detail=f"raised {type(error).__name__}: {error}"))
    return out


# ---- Mazur's worked example -------------------------------------------------------------------

def _relative(actual, expected):
    return arrays.rel_diff(np.asarray(actual, dtype=np.float64),
                           np.asarray(expected, dtype=np.float64))


def mazur_checks(cls, reference):
    got, want = checks.trace(cls), checks.trace(reference)
    limit = AGREEMENT_TOLERANCE
    out = [Check("mazur", "forward output", (d := _relative(got["a"][2], want["a"][2])) <= limit,
                 d, limit)]
    published = checks.MAZUR["E_total"]     # to 9 significant digits: within 2e-9
    d = abs(got["loss"] - published) / published
    out.append(Check("mazur", f"E_total {got['loss']:.9f} against his published {published}",
                     d <= 2e-9, d, 2e-9))
    for layer in range(len(want["nabla_w"])):
        for name, key in (("W", "nabla_w"), ("b", "nabla_b")):
            d = _relative(got[key][layer], want[key][layer])
            out.append(Check("mazur", f"gradient of params[{layer}] {name}", d <= limit, d,
                             limit))
    d = max(arrays.layer_diffs([tuple(map(np.asarray, pair)) for pair in got["updated_params"]],
                               [tuple(map(np.asarray, pair)) for pair in
                                want["updated_params"]]))
    out.append(Check("mazur", "parameters after one step", d <= limit, d, limit))
    return out


# ---- gradients ------------------------------------------------------------------------------

def _worst_array(errors):
    """(error, 'params[l] W|b') of the worst array of a gradient check."""
    return max(((error, f"params[{layer}] {name}") for layer, pair in enumerate(errors)
                for name, error in zip(("W", "b"), pair)), key=lambda item: item[0])


def gradient_checks(cls, reference):
    out = []
    for dtype in precision.declared_dtypes(cls):
        float32 = dtype == "float32"
        limit = FLOAT32_GRADIENT_CHECK_TOLERANCE if float32 else GRADIENT_CHECK_TOLERANCE
        step = FLOAT32_GRADIENT_CHECK_STEP if float32 else None
        for spec, params, X, Y in checks.gradient_cases():
            if float32 and spec.hidden_activation == "relu":
                continue   # a step of 1e-2 crosses the kink (docs/contract.md, float32)
            net = cls(spec, params=params, **precision.network_kwargs(dtype))
            error, where = _worst_array(arrays.gradient_check(net, params, X, Y, step))
            subject = (f"{spec.hidden_activation}, {spec.output_activation}/{spec.loss}"
                       + (" (float32)" if float32 else ""))
            out.append(Check("gradients", subject, error <= limit, error, limit,
                             f"worst: {where}"))
    return out


# ---- agreement after training -----------------------------------------------------------------

def agreement_workloads():
    """The named workloads (the sweep's members are one network each: its first only)."""
    return [w for w in wl.WORKLOADS.values()
            if not w.sweep or w.name == f"width-{wl.SWEEP_WIDTHS[0]}"]


def agreement_case(workload):
    """(spec, init, X, Y, config) of a workload's agreement check: its first samples, at most
    AGREEMENT_EPOCHS epochs."""
    data = wl.dataset(workload)
    spec = workload.spec
    n = max(4, min(data.n_train, AGREEMENT_SAMPLES, int(AGREEMENT_WORK // spec.n_params())))
    config = dataclasses.replace(workload.config,
                                 epochs=min(workload.config.epochs, AGREEMENT_EPOCHS))
    return (spec, init_params(spec, workload.seed), data.X_train[:n], data.Y_train[:n], config)


def _params(net):
    """A network's parameters as float64 arrays (a copy)."""
    return [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64))
            for W, b in net.get_params()]


def _train(cls, spec, init, X, Y, config, dtype=precision.DEFAULT):
    net = cls(spec, params=init, **precision.network_kwargs(dtype))
    history = net.train(X, Y, config)
    return _params(net), [float(h) for h in history]


def agreement_checks(cls, reference):
    out = []
    for workload in agreement_workloads():
        spec, init, X, Y, config = agreement_case(workload)
        expected, expected_history = _train(reference, spec, init, X, Y, config)
        for dtype in precision.declared_dtypes(cls):
            limit = precision.TOLERANCES[dtype]
            got, history = _train(cls, spec, init, X, Y, config, dtype)
            figure = max(max(arrays.layer_diffs(got, expected)),
                         arrays.history_diff(history, expected_history))
            figure = figure if math.isfinite(figure) else math.inf
            out.append(Check("agreement", f"{workload.name}"
                             + (" (float32)" if dtype == "float32" else ""),
                             figure <= limit, figure, limit,
                             f"{len(X)} samples, {config.epochs} epochs, parameters and history"))
    return out


# ---- the input rules -----------------------------------------------------------------------------

SPEC = NetworkSpec((2, 3, 2), "tanh", "sigmoid", "mse")
PARAMS = init_params(SPEC, seed=1)
X_GOOD = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
Y_GOOD = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
CONFIG = TrainConfig(epochs=2, learning_rate=0.1, batch_size=2)

# (what is wrong, the argument the error must name, the call on a network)
FAULTS = [
    ("X is None", "X", lambda net: net.forward(None)),
    ("X is 1-D", "X", lambda net: net.forward([0.1, 0.2])),
    ("X is ragged", "X", lambda net: net.forward([[0.1, 0.2], [0.3]])),
    ("X holds a NaN", "X", lambda net: net.forward([[0.1, math.nan]])),
    ("X holds a string", "X", lambda net: net.forward([[0.1, "0.2"]])),
    ("X has 3 columns", "X", lambda net: net.loss([[0.1, 0.2, 0.3]], [[0.0, 1.0]])),
    ("Y has another row count", "Y", lambda net: net.loss(X_GOOD, Y_GOOD[:2])),
    ("Y has 3 columns", "Y", lambda net: net.gradients(X_GOOD, [[0.0, 1.0, 0.0]] * 3)),
    ("config is a dict", "config", lambda net: net.train(X_GOOD, Y_GOOD, {"epochs": 2})),
    ("train's X holds an infinity", "X",
     lambda net: net.train([[0.1, math.inf]] * 3, Y_GOOD, CONFIG)),
    ("orders: one epoch short", "orders", lambda net: net.train(X_GOOD, Y_GOOD, CONFIG,
                                                                [[0, 1, 2]])),
    ("orders: an index out of range", "orders",
     lambda net: net.train(X_GOOD, Y_GOOD, CONFIG, [[0, 1, 2], [0, 1, 3]])),
    ("orders: a float index", "orders",
     lambda net: net.train(X_GOOD, Y_GOOD, CONFIG, [[0, 1, 2], [0, 1, 2.0]])),
    ("params: one pair short", "params", lambda net: net.set_params(PARAMS[:1])),
    ("params: W of another shape", "params",
     lambda net: net.set_params([([[0.0] * 3] * 3, [0.0] * 3), PARAMS[1]])),
    ("spec is a tuple", "spec", lambda net: type(net)((2, 3, 2))),
    ("seed is negative", "seed", lambda net: type(net)(SPEC, seed=-1)),
]


def _raised(call):
    """The exception call raises, or None."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the exception is what is checked
        return error
    return None


def input_rule_checks(cls, reference):
    out = []
    for what, argument, call in FAULTS:
        expected = _raised(lambda call=call: call(reference(SPEC, params=PARAMS)))
        net = cls(SPEC, params=PARAMS)
        before = _params(net)
        error = _raised(lambda call=call, net=net: call(net))
        problems = []
        if error is None:
            problems.append("nothing was raised")
        elif type(error) is not type(expected):
            problems.append(f"raised {type(error).__name__}, the reference "
                            f"{type(expected).__name__}")
        elif not re.search(rf"\b{re.escape(argument)}\b", str(error)):
            problems.append(f"the message does not name {argument}: {str(error)[:80]!r}")
        if any(not (np.array_equal(W1, W2) and np.array_equal(b1, b2))
               for (W1, b1), (W2, b2) in zip(before, _params(net))):
            problems.append("the parameters changed")
        out.append(Check("input rules", what, not problems,
                         detail="; ".join(problems) if problems else
                         f"{type(expected).__name__} naming {argument}"))
    return out


# ---- predict ---------------------------------------------------------------------------------

def predict_checks(cls, reference):
    out = []
    for name in ("xor", "iris"):
        workload = wl.get(name)
        spec, init, X, Y, config = agreement_case(workload)
        nets = []
        for Network in (cls, reference):
            net = Network(spec, params=init)
            net.train(X, Y, config)
            nets.append(net)
        outputs = np.asarray(nets[0].forward(X), dtype=np.float64)
        own = [int(v) for v in nets[0].predict(X)]
        expected_rule = ((outputs[:, 0] >= 0.5).astype(int).tolist() if spec.n_out == 1
                         else np.argmax(outputs, axis=1).tolist())
        wrong = sum(a != b for a, b in zip(own, expected_rule))
        differs = sum(a != int(b) for a, b in zip(own, nets[1].predict(X)))
        out.append(Check("predict", name, wrong == 0 and differs == 0, float(wrong + differs),
                         0, f"{len(X)} samples: {wrong} against its own forward, {differs} "
                            "against the reference"))
    return out


def verdict(results):
    """The last line: how many checks hold."""
    failed = sum(not check.passed for check in results)
    return (f"{len(results) - failed} of {len(results)} checks hold"
            + (f" ({failed} failed)" if failed else ""))
