"""The Fortran kernels (fortran_impl/kernels.inc, as module kernels in double precision and
kernels32 in single) against NumPy: every matrix-product form the algorithm uses, on the
reference loops (with their batch-1 paths) and on BLAS dgemm / sgemm, and the bias, row-sum and
gather kernels, each in both precisions. The kernels are not wrapped by f2py: a small Fortran
program compiled here with the extension's own flags calls them on numbers given on its input."""

import shlex
import subprocess

import numpy as np
import pytest

import fortran_impl
from python_impl.arrays import rel_diff

SOURCES = fortran_impl.network.__file__.rsplit("/", 1)[0]

DRIVER = """
program kernel_driver
  ! Reads operations from standard input, runs the kernel, writes one number per line.
  use {module}, only: gemm, add_bias, row_sums, gather
  implicit none
  character(len=8) :: op
  character :: ta, tb
  integer :: m, n, k, path, i
  {real}, allocatable :: a(:), b(:), c(:)
  integer, allocatable :: indices(:)
  do
    read (*, *, end=10) op
    select case (op)
    case ('gemm')
      read (*, *) ta, tb, m, n, k, path
      allocate(a(m * k), b(k * n), c(m * n))
      read (*, *) a
      read (*, *) b
      call gemm(path, ta, tb, m, n, k, a, b, c)
    case ('bias')
      read (*, *) m, n
      allocate(a(m), c(m * n))
      read (*, *) a
      read (*, *) c
      call add_bias(m, n, a, c)
    case ('rowsums')
      read (*, *) m, n
      allocate(b(m * n), c(m))
      read (*, *) b
      call row_sums(m, n, b, c)
    case ('gather')
      read (*, *) m, n, k
      allocate(a(m * n), indices(k), c(m * k))
      read (*, *) a
      read (*, *) indices
      call gather(m, n, a, k, indices, c)
    end select
    do i = 1, size(c)
      write (*, '(es26.17e3)') c(i)
    end do
    if (allocated(a)) deallocate(a)
    if (allocated(b)) deallocate(b)
    if (allocated(indices)) deallocate(indices)
    deallocate(c)
  end do
10 continue
end program kernel_driver
"""


# dtype -> (the kernels' module of that precision, the driver's real type)
KINDS = {"float64": ("kernels", "double precision"), "float32": ("kernels32", "real")}


@pytest.fixture(scope="module", params=sorted(KINDS))
def dtype(request):
    """Each precision in turn (its kernels module)."""
    return np.dtype(request.param)


@pytest.fixture(scope="module")
def run_kernels(tmp_path_factory, dtype):
    """A function: list of (op, header ints/strings, arrays) -> list of result arrays, run
    through the driver built from the kernels of dtype and the build's BLAS shim, with its
    flags. Arrays of dtype are passed exactly (their decimal repr reads back to them)."""
    info = fortran_impl.build_info()
    module, real = KINDS[dtype.name]
    folder = tmp_path_factory.mktemp("kernels")
    (folder / "driver.f90").write_text(DRIVER.format(module=module, real=real))
    shim, libs = "gemm_none.f90", []
    if info["blas_linked"]:
        shim = "gemm_openblas.f90"
        libs = shlex.split(subprocess.run(["pkg-config", "--libs", "openblas"], check=True,
                                          capture_output=True, text=True).stdout)
    flags = [flag for flag in info["flags"].split() if not flag.startswith("-W")]
    done = subprocess.run(["gfortran", *flags, "-J", str(folder), f"{SOURCES}/blas_shim.f90",
                           f"{SOURCES}/{module}.f90",
                           f"{SOURCES}/{shim}", str(folder / "driver.f90"), *libs,
                           "-o", str(folder / "driver")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    def run(operations):
        lines, sizes = [], []
        for op, header, arrays, size in operations:
            lines.append(op)
            lines.append(" ".join(map(str, header)))
            lines += [" ".join(repr(float(v)) if not isinstance(v, (int, np.integer))
                               else str(v) for v in np.ravel(array, order="F"))
                      for array in arrays]
            sizes.append(size)
        out = subprocess.run([str(folder / "driver")], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, timeout=120, check=True).stdout
        values = [float(v) for v in out.split()]
        assert len(values) == sum(sizes)
        results, start = [], 0
        for size in sizes:
            results.append(np.array(values[start:start + size]))
            start += size
        return results

    return run


def in_order(A, B):
    """A @ B with each entry summed in order p = 1 .. k from the first product, as the reference
    loops sum (no fused multiply-add), in the arrays' precision: the loops must give exactly
    these numbers."""
    m, k = A.shape
    C = np.empty((m, B.shape[1]), dtype=A.dtype)
    for i in range(m):
        for j in range(B.shape[1]):
            s = A[i, 0] * B[0, j]
            for p in range(1, k):
                s = s + A[i, p] * B[p, j]
            C[i, j] = s
    return C


# (m, n, k): n = 1 is one sample (the batch-1 paths of 'T','N' and 'N','N'); k = 1 is the
# batch-1 outer product of 'N','T'; m below, at and off multiples of 4 (the unrolled rows).
SHAPES = [(1, 1, 1), (3, 1, 4), (4, 1, 2), (16, 1, 4), (17, 1, 5), (5, 3, 1), (16, 4, 1),
          (7, 5, 3), (8, 32, 16), (10, 64, 33)]
FORMS = [("T", "N"), ("N", "N"), ("N", "T")]
PATHS = {"loops": 1, "blas": 2}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_gemm_agrees_with_numpy_matmul(run_kernels, dtype, path):
    rng = np.random.default_rng(12)
    operations, expected = [], []
    for (m, n, k), (ta, tb) in [(shape, form) for shape in SHAPES for form in FORMS]:
        A, B = rng.normal(size=(m, k)).astype(dtype), rng.normal(size=(k, n)).astype(dtype)
        a = A.T if ta == "T" else A          # what the kernel is given, column-major
        b = B.T if tb == "T" else B
        operations.append(("gemm", [ta, tb, m, n, k, PATHS[path]], [a, b], m * n))
        expected.append(A.astype(np.float64) @ B.astype(np.float64))   # exact to 1e-16
    results = run_kernels(operations)
    blas = path == "blas" and fortran_impl.build_info()["blas_linked"]
    tolerance = 1e-13 if dtype == np.float64 else 1e-5
    worst = 0.0
    for C, got, op in zip(expected, results, operations):
        got = got.reshape(C.shape, order="F")
        worst = max(worst, rel_diff(got, C))
        assert rel_diff(got, C) <= tolerance, op[1]
        if not blas:   # the reference loops: exactly the in-order sums
            A, B = (op[2][0].T if op[1][0] == "T" else op[2][0],
                    op[2][1].T if op[1][1] == "T" else op[2][1])
            assert np.array_equal(got, in_order(A, B)), op[1]
    if dtype == np.float32:   # summed in single (sgemm or the loops), not in double
        assert worst > 1e-9


def test_add_bias_row_sums_and_gather_agree_with_numpy(run_kernels, dtype):
    rng = np.random.default_rng(3)
    operations, expected = [], []
    for m, n in [(1, 1), (5, 1), (4, 7), (9, 33)]:
        b, Z = rng.normal(size=m).astype(dtype), rng.normal(size=(m, n)).astype(dtype)
        operations.append(("bias", [m, n], [b, Z], m * n))
        expected.append((Z + b[:, None]).ravel(order="F"))
        operations.append(("rowsums", [m, n], [Z], m))
        expected.append(Z.sum(axis=1))
        indices = rng.integers(0, n, size=3)
        operations.append(("gather", [m, n, 3], [Z, indices], m * 3))
        expected.append(Z[:, indices].ravel(order="F"))
    for got, want, op in zip(run_kernels(operations), expected, operations):
        if op[0] == "rowsums":
            assert rel_diff(got, want) <= (1e-14 if dtype == np.float64 else 1e-6), op[:2]
        else:
            assert np.array_equal(got, want), op[:2]   # additions and copies: exact
