"""The PDF reports, read back with pypdf: outline, text, numbers as formatted, metadata,
partial results, reproducible bytes, a rendered page, and the comparison of two runs."""

from __future__ import annotations

import ast
import copy
import math
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

import report_fixture
import reports
from bench import compare as bench_compare
from bench import results as bench_results
from reports import build, compare, fmt
from reports.data import crossovers, loglog_slope, runs_from

ROOT = Path(__file__).resolve().parents[1]
SECTION_TITLES = [module.TITLE for module in build.SECTIONS]


def outline(reader):
    """[(title, page index, [child titles])] of a PDF's top-level bookmarks."""
    items, out = reader.outline, []
    for i, item in enumerate(items):
        if isinstance(item, list):
            continue
        children = items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], list) else []
        out.append((item.title, reader.get_destination_page_number(item),
                    [c.title for c in children if not isinstance(c, list)]))
    return out


def text_of(reader):
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def doc():
    return bench_results.validate(report_fixture.results_doc(), "report_fixture")


@pytest.fixture(scope="module")
def report(doc, tmp_path_factory):
    path = reports.build_report([doc], tmp_path_factory.mktemp("report") / "report.pdf")
    return path, pypdf.PdfReader(path)


@pytest.fixture(scope="module")
def report_text(report):
    return text_of(report[1])


def test_fixture_is_a_valid_results_document(doc):
    assert {r["status"] for r in doc["results"]} == {"ok", "partial", "skipped"}
    assert {r["kind"] for r in doc["results"]} == {"implementation", "peer"}


def test_outline_names_every_section_with_workloads_below(report, doc):
    path, reader = report
    entries = outline(reader)
    assert [title for title, _, _ in entries] == ["Contents"] + SECTION_TITLES
    pages = [page for _, page, _ in entries]
    assert pages == sorted(pages) and pages[0] == 0
    children = {title: kids for title, _, kids in entries}
    main = [w for w, wl in doc["workloads"].items() if not wl["sweep"]]
    for section in ("Speed", "Agreement"):
        assert set(main) <= set(children[section]), section
    assert "Speed targets" in children["Efficiency"]
    assert "The backward pass in code" in children["The algorithm, worked"]


def test_every_section_is_drawn(report_text):
    assert "could not be drawn" not in report_text


def test_a_section_that_cannot_read_the_results_says_so(doc, tmp_path):
    odd = copy.deepcopy(doc)
    odd["worked_example"]["traces"]["numpy"]["z"] = []     # valid JSON, not a usable trace
    path = reports.build_report([odd], tmp_path / "odd.pdf")
    text = " ".join(text_of(pypdf.PdfReader(path)).split())
    assert "This section could not be drawn from these results: IndexError" in text
    assert "Methodology" in text


def test_text_names_every_implementation_and_workload(report_text, doc):
    for impl in ("python", "numpy", "fortran", "torch", "sklearn", "numpy-loop"):
        assert impl in report_text
    for workload in doc["workloads"]:
        assert workload in report_text, workload


def test_text_holds_saved_numbers_exactly_as_formatted(report_text, doc):
    runs = runs_from([doc])
    run = runs[0]
    samples = []
    for impl, workload in (("numpy", "digits"), ("fortran", "xor"), ("torch", "iris"),
                           ("python", "wide"), ("fortran", "width-256")):
        result = bench_results.find_result(doc, impl, workload)
        samples.append(fmt.time(result["time_per_epoch"]["median"]))
        samples.append(fmt.gflops(result["gflops"]))
    samples.append(fmt.ratio(run.speedup("fortran", "python", "iris")))
    samples.append(fmt.ratio(run.speedup("fortran", "numpy", "xor")))
    samples.append(fmt.percent(run.efficiency("fortran", "wide")))
    samples.append(fmt.gflops(doc["environment"]["dgemm"]["gflops_median"]))
    fortran_digits = bench_results.find_result(doc, "fortran", "digits")
    samples.append(fmt.sci(fortran_digits["agreement"]["max_rel_param_diff"]))
    samples.append(fmt.sci(doc["gradient_checks"]["fortran"]["max_rel_error"]))
    trace = doc["worked_example"]["traces"]["numpy"]
    samples += [fmt.value(trace["loss"]), fmt.value(trace["a"][1][0]),
                fmt.value(trace["updated_params"][1][0][0][0])]
    assert samples[-3:] == ["0.298371109", "0.593269992", "0.35891648"]   # Mazur's numbers
    samples.append(doc["run"]["command"])
    samples.append(doc["environment"]["git_commit"])
    missing = [s for s in samples if s not in report_text]
    assert not missing


def test_source_excerpts_are_quoted_with_their_line_numbers(report_text, doc):
    for impl, src in doc["sources"].items():
        first_line = src["text"].splitlines()[0]
        assert first_line[:40] in report_text, impl
        assert f"{src['path']}, lines {src['first_line']}" in report_text


def test_metadata_and_page_labels(report, doc):
    _, reader = report
    meta = reader.metadata
    assert meta.title.startswith("Backpropagation benchmark report")
    assert "Fortran" in meta.subject
    assert "reportlab" in meta.producer and "pypdf" in meta.producer
    assert meta["/CreationDate"] == fmt.pdf_date(doc["run"]["finished"]) == "D:20261128043412Z"
    labels = reader.page_labels
    assert labels[0] == "i" and labels[1:4] == ["1", "2", "3"]
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    assert "page 1" in reader.pages[1].extract_text()


def test_same_results_give_the_same_bytes(doc, tmp_path):
    first = reports.build_report([copy.deepcopy(doc)], tmp_path / "a.pdf").read_bytes()
    second = reports.build_report([copy.deepcopy(doc)], tmp_path / "b.pdf").read_bytes()
    assert first == second
    assert b"/ID" not in first[-400:]


def test_a_page_renders_to_png(report, tmp_path):
    path, _ = report
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is part of the set-up"
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "2", "-l", "2", str(path),
                    str(tmp_path / "page")], check=True, timeout=60)
    pngs = list(tmp_path.glob("page*.png"))
    assert len(pngs) == 1
    data = pngs[0].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_methodology_shows_where_the_time_goes(report_text, doc):
    text = " ".join(report_text.split())
    assert "Where the time goes (profiles)" in text
    profiles = doc["profiles"]
    for impl, entries in profiles.items():
        for workload, entry in entries.items():
            for item in entry.get("top", []):
                assert item["function"] in text, item["function"]
                assert fmt.percent(item["share"]) in text
    # one sentence per implementation, written from the numbers
    assert ("numpy: on xor, 12.9% in python_impl.vectorized:activate and 10.8% in numpy:matmul"
            in text)
    assert "on wide, 87.3% in numpy:matmul (by module: numpy 93.0%" in text
    assert ("fortran: the compiled Fortran routine takes 65.4% (xor), 91.3% (digits) and "
            "98.7% (wide) of a train call" in text)
    assert "largest on xor (34.6%)" in text
    assert "not profiled: not timed in this run" in text        # python on wide, with why


def test_speed_targets_read_the_per_sample_loop(report_text, doc):
    from reports import efficiency  # noqa: PLC0415

    run = runs_from([doc])[0]
    ratio = run.speedup("numpy", "numpy-loop", "mnist-shaped")
    rows = {target: (measured, ok) for target, measured, ok in efficiency.targets(run)}
    measured, ok = rows["numpy \u2265 10\u00d7 faster than a per-sample loop (numpy-loop) on "
                        "mnist-shaped"]
    assert measured.startswith(fmt.ratio(ratio)) and "12 batches" in measured
    assert ok is (ratio >= 10)
    assert fmt.ratio(ratio) in report_text
    # without the loop's timing the target is not measured, and says why
    skipped = copy.deepcopy(doc)
    loop = bench_results.find_result(skipped, "numpy-loop", "mnist-shaped")
    loop.clear()
    loop.update({"implementation": "numpy-loop", "kind": "peer", "workload": "mnist-shaped",
                 "status": "skipped", "reason": "over its budget"})
    rows = {t: (m, o) for t, m, o in efficiency.targets(runs_from([skipped])[0])}
    assert rows["numpy \u2265 10\u00d7 faster than a per-sample loop (numpy-loop) on "
                "mnist-shaped"] == ("numpy-loop skipped: over its budget", None)


def test_thread_targets_read_the_runs_own_more_threads_results(report_text, doc):
    from reports import efficiency  # noqa: PLC0415

    run = runs_from([doc])[0]
    rows = {target: (measured, ok) for target, measured, ok in efficiency.threads_rows(run, [run])}
    assert len(rows) == 4
    for result in doc["more_threads"]["results"]:
        if result["threads"] != 2:
            continue
        impl, w = result["implementation"], result["workload"]
        # the gain is over the same pair timed with 1 thread just before, not the main result
        again = bench_results.find_result(doc, impl, w, "more_threads", 1)
        gain = again["time_per_epoch"]["median"] / result["time_per_epoch"]["median"]
        assert gain != pytest.approx(run.median(impl, w) / result["time_per_epoch"]["median"])
        measured, ok = rows[f"{impl} on {w}: 2 threads vs 1"]
        assert measured.startswith(f"{fmt.ratio(gain)} as fast (timed back to back); "
                                   "agreement within tolerance")
        assert ok is (gain > 1)
    assert rows["fortran on mnist-shaped: 2 threads vs 1"][1] is False     # 0.97x: no gain
    assert "numpy on wide: 2 threads vs 1" in report_text
    text = " ".join(report_text.split())
    assert ("With 2 BLAS threads instead of 1, the speed-ups on the large workloads (time with 1 "
            "over time with 2; below 1\u00d7 a slowdown) were numpy 1.10\u00d7 on mnist-shaped, "
            "fortran 0.970\u00d7 on mnist-shaped") in text
    # the pair without a gain is explained; with the numpy profile's share of matrix
    # products, by the bound Amdahl's law puts on the gain
    reason = efficiency.threads_reason(run)
    assert reason.startswith("<b>More threads.</b> fortran on mnist-shaped was 0.970\u00d7 as "
                             "fast with 2 threads: only its matrix products")
    assert "not measured" in reason and "numpy" not in reason
    slow = copy.deepcopy(doc)
    for result in slow["more_threads"]["results"]:
        if (result["implementation"], result["workload"], result["threads"]) == (
                "numpy", "mnist-shaped", 2):
            result["time_per_epoch"]["median"] *= 1.2            # 1.1x becomes 0.917x
    run = runs_from([slow])[0]
    assert ("numpy on mnist-shaped was 0.917\u00d7 as fast with 2 threads: only its matrix "
            "products (BLAS dgemm) use the extra threads, which take 38.0% of its time in this "
            "run's profile") in efficiency.threads_reason(run)
    assert f"at most {fmt.ratio(1 / (0.62 + 0.38 / 2))} as fast (Amdahl's law)" in \
        efficiency.threads_reason(run)
    run = runs_from([doc])[0]
    # an agreement outside tolerance fails the target even with a gain
    outside = copy.deepcopy(doc)
    outside["more_threads"]["results"][1]["agreement"]["within_tolerance"] = False
    run = runs_from([outside])[0]
    assert efficiency.threads_rows(run, [run])[0][2] is False
    # a run without the section says how to measure it
    del outside["more_threads"]
    run = runs_from([outside])[0]
    [(target, measured, ok)] = efficiency.threads_rows(run, [run])
    assert ok is None and "--also-threads" in measured


def test_python_target_names_the_measured_floor_and_why(report_text, doc):
    from reports import efficiency  # noqa: PLC0415

    run = runs_from([doc])[0]
    per_step = run.median("python", "xor") / 4
    rows = {target: (measured, ok) for target, measured, ok in efficiency.targets(run)}
    measured, ok = rows["python: about 4 \u00b5s or less per SGD step on xor"]
    assert ok is False
    assert measured == (f"{fmt.time(per_step)} per step (4 steps per epoch); a step written by "
                        f"hand for this one network: 4.12 \u00b5s (python takes "
                        f"{fmt.ratio(per_step / 4.12e-6)} as long)")
    text = " ".join(report_text.split())
    assert "Why targets are not met, from this run's measurements" in text
    assert "took 4.12 \u00b5s per step in this run (median of 15 rounds of 800 steps" in text
    # without a saved floor (older results) there is no reason paragraph, and no error
    old = copy.deepcopy(doc)
    del old["environment"]["python_floor"]
    assert efficiency.python_reason(runs_from([old])[0]) is None


def test_results_without_profiles_still_report(doc, tmp_path):
    old = copy.deepcopy(doc)
    del old["profiles"]
    bench_results.validate(old, "old")
    path = reports.build_report([old], tmp_path / "old.pdf")
    text = " ".join(text_of(pypdf.PdfReader(path)).split())
    assert "This run saved no profiles" in text


@pytest.mark.parametrize("variant", ["interrupted", "no fortran", "no peers", "empty"])
def test_partial_results_say_what_is_missing(doc, tmp_path, variant):
    if variant == "interrupted":
        partial = report_fixture.interrupted(doc)
        expected = ["did not finish", "No worked example was saved"]
    elif variant == "no fortran":
        partial = report_fixture.without_implementation(doc, "fortran")
        expected = ["Not part of this run (not requested with --impl): fortran"]
    elif variant == "no peers":
        partial = report_fixture.results_doc(peers=False)
        expected = ["No peers in this run"]
    else:
        partial = bench_results.new_results(copy.deepcopy(doc["run"]), {})
        partial["run"]["complete"] = False
        expected = ["no timed results yet", "no scaling sweep"]
    bench_results.validate(partial, variant)
    path = reports.build_report([partial], tmp_path / "partial.pdf")
    reader = pypdf.PdfReader(path)
    assert [t for t, _, _ in outline(reader)] == ["Contents"] + SECTION_TITLES
    text = " ".join(text_of(reader).split())
    for phrase in expected:
        assert phrase in text, phrase


def test_non_finite_numbers_saved_as_strings_are_printed_as_words(doc, tmp_path):
    broken = copy.deepcopy(doc)
    result = bench_results.find_result(broken, "fortran", "digits")
    result["agreement"].update(max_rel_param_diff="nan", within_tolerance=False)
    result["history"][-1] = "inf"
    path = reports.build_report([broken], tmp_path / "nan.pdf")
    text = " ".join(text_of(pypdf.PdfReader(path)).split())
    assert "not a number" in text and "Agreement fails" in text


def test_several_runs_side_by_side(doc, tmp_path):
    other = report_fixture.second_machine(doc)
    path = reports.build_report([doc, other], tmp_path / "two.pdf")
    reader = pypdf.PdfReader(path)
    text = text_of(reader)
    assert "Run A" in text and "Run B" in text and "AMD EPYC" in text
    children = {t: kids for t, _, kids in outline(reader)}
    assert "Time against width \u2014 run B" in children["Scaling"]
    ratio = (bench_results.find_result(other, "numpy", "digits")["time_per_epoch"]["median"]
             / bench_results.find_result(doc, "numpy", "digits")["time_per_epoch"]["median"])
    assert fmt.ratio(ratio) in text


def _with_samples(doc, impl, workload, median, spread=0.04):
    """Give a result ten per-round samples around median (+-spread), median as saved."""
    result = bench_results.find_result(doc, impl, workload)
    samples = [median * (1 + spread * ((k * 7) % 10 - 4.5) / 4.5) for k in range(10)]
    result["time_per_epoch"].update(median=sorted(samples)[5], samples=samples,
                                    rounds=len(samples))


def test_compare_calls_changes_from_the_saved_samples(doc):
    old, new = copy.deepcopy(doc), copy.deepcopy(doc)
    for run in (old, new):
        for result in run["results"]:
            if result["status"] in ("ok", "partial"):
                _with_samples(run, result["implementation"], result["workload"],
                              result["time_per_epoch"]["median"])
    _with_samples(old, "numpy", "xor", 1e-4)
    _with_samples(new, "numpy", "xor", 2e-4)          # twice as slow, far beyond the noise
    _with_samples(old, "fortran", "xor", 1e-6)
    _with_samples(new, "fortran", "xor", 1.02e-6)     # 2%: below the minimum effect
    _with_samples(old, "python", "iris", 4e-3)
    _with_samples(new, "python", "iris", 2e-3)        # twice as fast
    new["results"] = [r for r in new["results"]
                      if (r["implementation"], r["workload"]) != ("torch", "digits")]
    comparison = bench_compare.compare([old, new], ["old", "new"])
    rows = {(r["implementation"], r["workload"]): r
            for r in comparison["comparisons"][0]["rows"]}
    assert rows[("numpy", "xor")]["ratio"] == pytest.approx(2.0, rel=0.02)
    assert rows[("numpy", "xor")]["verdict"] == "slower"
    assert rows[("fortran", "xor")]["verdict"] == "no change"
    assert rows[("python", "iris")]["verdict"] == "faster"
    gone = rows[("torch", "digits")]
    assert gone["ratio"] is None and "new: not run" in gone["why"]
    assert "skipped" in rows[("sklearn", "xor")]["why"]
    assert len(rows) == len(doc["results"])


def test_compare_report_builds(doc, tmp_path):
    other = report_fixture.second_machine(doc)
    comparison = bench_compare.compare([doc, other], ["A", "B"])
    path = compare.build_compare_report([doc, other], comparison, tmp_path / "compare.pdf")
    reader = pypdf.PdfReader(path)
    titles = [t for t, _, _ in outline(reader)]
    assert titles == ["Contents", "Runs compared", "Changes"]
    text = text_of(reader)
    assert "AMD EPYC" in text and "Intel(R) Xeon(R)" in text
    assert "CPU differ" in text
    row = next(r for r in comparison["comparisons"][0]["rows"] if r["ratio"])
    assert fmt.ratio(row["ratio"]) in text
    again = compare.build_compare_report([doc, other], comparison, tmp_path / "again.pdf")
    assert again.read_bytes() == path.read_bytes()


def test_reports_reads_only_the_results_schema_of_bench():
    """House rule: reports imports bench.results (and bench.files, to write its PDF whole or
    not at all) and nothing else of bench, no implementation."""
    forbidden = ("python_impl", "fortran_impl", "numpy", "torch", "sklearn")
    for source in sorted((ROOT / "reports").glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"
                if name.split(".")[0] == "bench":
                    assert name in ("bench.results", "bench.files"), \
                        f"{source.name} imports {name}"


@pytest.mark.parametrize(("seconds", "text"), [
    (4.3e-7, "430 ns"), (3.134e-5, "31.3 \u00b5s"), (9.9996e-4, "1.00 ms"), (0.75, "750 ms"),
    (1.006, "1.01 s"), (1417.4, "23 min 37 s"), (None, "\u2013"), ("nan", "not a number")])
def test_time_format(seconds, text):
    assert fmt.time(seconds) == text


def test_other_formats():
    assert fmt.ratio(164.2) == "164\u00d7" and fmt.ratio(1858.4) == "1,858\u00d7"
    assert fmt.ratio(1.4712) == "1.47\u00d7" and fmt.ratio(0.3581) == "0.358\u00d7"
    assert fmt.percent(0.9281) == "92.8%" and fmt.percent(0.000123) == "0.0123%"
    assert fmt.sci(4.4e-16) == "4.4e-16" and fmt.sci(0) == "0" and fmt.sci("inf") == "infinite"
    assert fmt.rate(45612.3) == "45.6 k" and fmt.operations(224) == "224 FLOP"
    assert fmt.pdf_date("2026-11-28T04:34:12Z") == "D:20261128043412Z"
    assert fmt.duration(300) == "5 min" and fmt.duration(57.92) == "57.9 s"


def test_slope_and_crossovers_from_medians():
    assert loglog_slope([(8, 1.0), (16, 2.0), (32, 4.0)]) == pytest.approx(1.0)
    assert loglog_slope([(8, 1.0)]) is None
    a = [(8, 1.0), (16, 2.0), (32, 4.0)]          # grows with width
    b = [(8, 3.0), (16, 3.0), (32, 3.0)]          # flat
    ((lo, hi, estimate, after),) = crossovers(a, b)
    assert (lo, hi, after) == (16, 32, "b")
    assert 16 < estimate < 32 and math.isclose(math.log2(estimate), 4 + math.log2(1.5))
