"""python_impl.pure and python_impl.spec need only the standard library: in a fresh interpreter,
importing them and using every Network method never imports NumPy."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from python_impl.pure import Network
    from python_impl.spec import NetworkSpec, TrainConfig, flops, one_hot
    spec = NetworkSpec((2, 3, 2), "relu", "softmax", "cross_entropy")
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    Y = one_hot([0, 1, 1, 0], 2)
    net = Network(spec, seed=1)
    history = net.train(X, Y, TrainConfig(epochs=3, learning_rate=0.5, batch_size=3, momentum=0.5))
    net.set_params(net.get_params())
    net.forward(X), net.loss(X, Y), net.gradients(X, Y), net.predict(X), flops(spec, 4)
    try:
        net.train(X, Y, TrainConfig(epochs=3, learning_rate=1e300))
    except FloatingPointError:
        pass
    for bad in (None, [[0.0, "a"]], [0.0, 1.0], [[0.0, 1.0], None]):   # the input rules too
        try:
            net.forward(bad)
        except (TypeError, ValueError):
            pass
    assert len(history) == 3
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy", "torch"))
    print("IMPORTED:", ",".join(heavy))
""")


def test_pure_never_imports_numpy():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "IMPORTED:", result.stdout


def test_the_check_would_see_numpy():
    # the same check reports numpy when it is imported, so the test above can fail
    script = SCRIPT.replace("import sys\n", "import sys\nimport numpy\n", 1)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "numpy" in result.stdout
