"""Once per run: the worked example (Mazur's 2-2-2 network traced by every implementation
through its public interface), the gradient checks, and the backward-pass source excerpts.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np

from python_impl import arrays
from python_impl.spec import (
    GRADIENT_CHECK_STEP,
    GRADIENT_CHECK_TOLERANCE,
    HIDDEN_ACTIVATIONS,
    NetworkSpec,
    TrainConfig,
)

REPO = Path(__file__).resolve().parents[1]

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): the 2-2-2 network.
MAZUR = {
    "params": [([[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35]),
               ([[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60])],
    "x": [[0.05, 0.10]],
    "y": [[0.01, 0.99]],
    "learning_rate": 0.5,
    # his published values, to 9 significant digits
    "E_total": 0.298371109,
    "w5_updated": 0.35891648,
}


def _row(matrix):
    """The single row of a 1 x n result, as a list of floats."""
    return [float(v) for v in np.asarray(matrix, dtype=np.float64)[0]]


def _pairs(params):
    return [[np.asarray(W, dtype=np.float64).tolist(), np.asarray(b, dtype=np.float64).tolist()]
            for W, b in params]


def trace(cls):
    """Mazur's network traced through cls's public interface (forward, loss, gradients,
    train): z and a per layer, loss, deltas, gradients and the parameters after one step."""
    params, x, y = MAZUR["params"], MAZUR["x"], MAZUR["y"]

    def forward(layers, output):
        spec = NetworkSpec(layers, "sigmoid", output, "mse")
        return _row(cls(spec, params=params[:len(layers) - 1]).forward(x))

    z1 = forward((2, 2), "linear")
    a1 = forward((2, 2), "sigmoid")
    z2 = forward((2, 2, 2), "linear")
    spec = NetworkSpec((2, 2, 2), "sigmoid", "sigmoid", "mse")
    net = cls(spec, params=params)
    a2 = _row(net.forward(x))
    loss = float(net.loss(x, y))
    _, grads = net.gradients(x, y)
    nabla_w = [np.asarray(dW, dtype=np.float64).tolist() for dW, _ in grads]
    nabla_b = [[float(v) for v in db] for _, db in grads]
    config = TrainConfig(epochs=1, learning_rate=MAZUR["learning_rate"], batch_size=1,
                         shuffle=False)
    net.train(x, y, config)
    return {
        "z": [z1, z2],
        "a": [list(x[0]), a1, a2],
        "loss": loss,
        "delta": nabla_b,  # one sample: dC/dz of each layer is its bias gradient
        "nabla_w": nabla_w,
        "nabla_b": nabla_b,
        "updated_params": _pairs(net.get_params()),
    }


def worked_example(classes):
    """The worked_example entry: Mazur's network and one trace per implementation (an
    implementation that fails is left out of "traces" and named in "errors")."""
    traces, errors = {}, {}
    for name, cls in classes.items():
        try:
            traces[name] = trace(cls)
        except Exception as error:  # noqa: BLE001 - recorded; the run reports it
            errors[name] = f"{type(error).__name__}: {error}"
    return {
        "layer_sizes": [2, 2, 2], "hidden_activation": "sigmoid",
        "output_activation": "sigmoid", "loss": "mse",
        "learning_rate": MAZUR["learning_rate"],
        "x": MAZUR["x"], "y": MAZUR["y"],
        "params": [[W, b] for W, b in MAZUR["params"]],
        "source": "Matt Mazur, A Step by Step Backpropagation Example (2015)",
        "published": {"E_total": MAZUR["E_total"], "w5_updated": MAZUR["w5_updated"]},
        "traces": traces,
        "errors": errors,
    }


# ---- gradient checks -------------------------------------------------------------------------

OUTPUTS = (("sigmoid", "mse"), ("sigmoid", "cross_entropy"), ("softmax", "mse"),
           ("softmax", "cross_entropy"), ("linear", "mse"))
CHECK_LAYERS = (2, 3, 3, 2)


def gradient_cases(seed=7, n_samples=4):
    """(spec, params, X, Y) for every hidden activation x (output, loss), on a 2-3-3-2 net."""
    rng = random.Random(seed)
    cases = []
    for hidden, (output, loss) in itertools.product(HIDDEN_ACTIVATIONS, OUTPUTS):
        spec = NetworkSpec(CHECK_LAYERS, hidden, output, loss)
        params = [([[rng.gauss(0, 0.8) for _ in range(n_out)] for _ in range(n_in)],
                   [rng.gauss(0, 0.3) for _ in range(n_out)])
                  for n_in, n_out in spec.layer_shapes()]
        X = [[rng.uniform(-2, 2) for _ in range(spec.n_in)] for _ in range(n_samples)]
        if output == "softmax":
            Y = []
            for _ in range(n_samples):
                row = [0.0] * spec.n_out
                row[rng.randrange(spec.n_out)] = 1.0
                Y.append(row)
        elif output == "sigmoid":
            Y = [[rng.uniform(0, 1) for _ in range(spec.n_out)] for _ in range(n_samples)]
        else:
            Y = [[rng.uniform(-2, 2) for _ in range(spec.n_out)] for _ in range(n_samples)]
        cases.append((spec, params, X, Y))
    return cases


def gradient_check(cls, step=GRADIENT_CHECK_STEP):
    """Central differences of cls's loss against its gradients, through the interface: the
    contract's relative error per array (python_impl.arrays.gradient_check: max |g - fd| /
    max(max |g|, max |fd|) for each W and each b), the worst over every array of every case."""
    worst = 0.0
    cases = gradient_cases()
    for spec, params, X, Y in cases:
        errors = arrays.gradient_check(cls(spec, params=params), params, X, Y, step)
        worst = max([worst] + [error for pair in errors for error in pair])
    return {"max_rel_error": worst, "tolerance": GRADIENT_CHECK_TOLERANCE, "step": step,
            "cases": len(cases), "passed": bool(worst < GRADIENT_CHECK_TOLERANCE),
            "networks": f"{'-'.join(map(str, CHECK_LAYERS))}, every hidden activation x "
                        "(output, loss) pair, 4 samples; relative error per W and b array"}


# ---- source excerpts -------------------------------------------------------------------------

SOURCES = {
    "python": ("python_impl/pure.py", "python", "# "),
    "numpy": ("python_impl/vectorized.py", "python", "# "),
    "fortran": ("fortran_impl/trainer.inc", "fortran", "! "),
}
BEGIN, END = "backward pass: begin", "backward pass: end"


def excerpt(path, prefix):
    """(first line number, text) strictly between the marker comment lines of a file."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    begin = end = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped == prefix + BEGIN and begin is None:
            begin = number
        elif stripped == prefix + END and begin is not None:
            end = number
            break
    if begin is None or end is None:
        raise ValueError(f"{path}: no lines '{prefix}{BEGIN}' ... '{prefix}{END}'")
    body = lines[begin + 1:end]
    indent = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)
    return begin + 2, "\n".join(line[indent:] for line in body)


def sources(names):
    """The sources entry: each implementation's backward pass, read now from its file."""
    entries = {}
    for name in names:
        if name not in SOURCES:
            continue
        relative, language, prefix = SOURCES[name]
        try:
            first_line, text = excerpt(REPO / relative, prefix)
        except (OSError, ValueError) as error:
            entries[name] = {"path": relative, "first_line": None, "language": language,
                             "text": "", "error": str(error)}
            continue
        entries[name] = {"path": relative, "first_line": first_line, "language": language,
                         "text": text}
    return entries
