"""The PDF reports, read back with pypdf: outline, text, numbers as formatted, metadata,
partial results, reproducible bytes, a rendered page, and the comparison of two runs."""

from __future__ import annotations

import copy
import math
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
import report_fixture

import reports
from bench import compare as bench_compare
from bench import results as bench_results
from bench.results import Run
from reports import build, compare, fmt
from reports.data import crossovers, loglog_slope

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


def test_a_trace_that_does_not_fit_its_network_is_refused_naming_the_field(doc):
    odd = copy.deepcopy(doc)
    odd["worked_example"]["traces"]["numpy"]["z"] = []     # valid JSON, not a usable trace
    with pytest.raises(bench_results.ResultsError,
                       match=r"worked_example.traces\['numpy'\].z must have 2 entries "
                             r"\(layer_sizes \[2, 2, 2\]\)"):
        bench_results.validate(odd, "odd")
    odd = copy.deepcopy(doc)
    odd["worked_example"]["params"][1][0][1] = [0.45]        # W2 one column short
    with pytest.raises(bench_results.ResultsError,
                       match=r"worked_example.params\[1\]\[0\]\[1\] must have 2 entries"):
        bench_results.validate(odd, "odd")


@pytest.mark.parametrize("error", [AttributeError, TypeError, KeyError])
def test_a_bug_in_a_section_raises_instead_of_becoming_a_note(doc, tmp_path, monkeypatch,
                                                             error):
    """The sections read validated results: what raises there is a bug, to be seen, not a
    page saying the section could not be drawn (issue 19)."""
    from reports import answer, speed

    def broken(*args):
        raise error("a bug in a section")

    monkeypatch.setattr(speed, "build", broken)
    with pytest.raises(error, match="a bug in a section"):
        reports.build_report([doc], tmp_path / "speed.pdf")
    monkeypatch.undo()
    monkeypatch.setattr(answer, "story", broken)
    with pytest.raises(error, match="a bug in a section"):
        reports.build_report([doc], tmp_path / "answer.pdf")
    assert not list(tmp_path.iterdir())                     # and nothing written


def test_text_names_every_implementation_and_workload(report_text, doc):
    for impl in ("python", "numpy", "fortran", "torch", "sklearn", "numpy-loop"):
        assert impl in report_text
    for workload in doc["workloads"]:
        assert workload in report_text, workload


def test_text_holds_saved_numbers_exactly_as_formatted(report_text, doc):
    run = Run(doc)
    samples = []
    for impl, workload in (("numpy", "digits"), ("fortran", "xor"), ("torch", "iris"),
                           ("python", "wide"), ("fortran", "width-256")):
        result = bench_results.find_result(doc, impl, workload)
        stats = result["time_per_epoch"]
        samples.append(fmt.time_ci(stats["median"], stats["ci_low"], stats["ci_high"]))
        samples.append(fmt.gflops(result["gflops"]))
    samples.append(fmt.ratio(run.speedup("fortran", "python", "iris").value))
    samples.append(fmt.ratio(run.speedup("fortran", "numpy", "xor").value))
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
    text = " ".join(report_text.split())
    missing = [s for s in samples if s not in text]
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
    for entries in profiles.values():
        for entry in entries.values():
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


LOOP_TARGET = "numpy on mnist-shaped: \u2265 10\u00d7 faster than numpy-loop"


def test_speed_targets_read_the_per_sample_loop(report_text, doc):
    from reports import efficiency

    run = Run(doc)
    ratio, low, high = run.ratio("mnist-shaped", "numpy-loop", "numpy")
    rows = {target: rest for target, *rest in efficiency.targets(run)}
    measured, verdict, why = rows[LOOP_TARGET]
    assert measured.startswith(fmt.ratio_ci(ratio, low, high)) and "12 batches" in measured
    assert verdict == ("met" if low >= 10 else "not met" if high < 10 else "undecided")
    assert fmt.ratio(ratio) in report_text
    # without the loop's timing the target is not measured, and says why
    skipped = copy.deepcopy(doc)
    loop = bench_results.find_result(skipped, "numpy-loop", "mnist-shaped")
    loop.clear()
    loop.update({"implementation": "numpy-loop", "kind": "peer", "workload": "mnist-shaped",
                 "status": "skipped", "reason": "over its budget", "timed_batches": None,
                 "threads": 1, "dtype": "float64"})
    skipped["ratios"] = [r for r in skipped["ratios"] if "numpy-loop" not in
                         (r["numerator"], r["denominator"]) or r["workload"] != "mnist-shaped"]
    rows = {t: rest for t, *rest in efficiency.targets(Run(skipped))}
    assert rows[LOOP_TARGET] == ["numpy-loop skipped: over its budget", None, "not measured"]


def test_the_targets_are_data(doc):
    """The goals come from reports/targets.toml: a changed goal changes the verdict."""
    from reports import efficiency

    run = Run(doc)
    goals = efficiency.load_targets()
    assert goals == efficiency.TARGETS
    assert [t["at_least"] for t in goals["speedup"]][:2] == [30, 100]
    ratio, low, high = run.ratio("digits", "numpy", "fortran")
    target = {"faster": "fortran", "than": "numpy", "workloads": ["digits"]}
    for goal, verdict in ((low * 0.9, "met"), (high * 1.1, "not met"), (ratio, "undecided")):
        [(text, measured, got, why)] = efficiency.speedup_rows(run, {**target, "at_least": goal})
        assert got == verdict, (goal, why)
        assert measured == fmt.ratio_ci(ratio, low, high)
    assert "lies wholly above" in efficiency.speedup_rows(run, {**target,
                                                               "at_least": low * 0.9})[0][3]
    assert "straddles" in efficiency.speedup_rows(run, {**target, "at_least": ratio})[0][3]
    # a file without intervals: the medians decide, and the reason says so
    old = Run(report_fixture.without_intervals(doc))
    [(_, measured, got, why)] = efficiency.speedup_rows(old, {**target, "at_least": 1.0})
    assert got in ("met", "not met") and why.startswith("no interval saved")
    assert "[" not in measured


def test_verdict_rule():
    from reports.data import verdict

    assert verdict(35, 31, 40, 30) == "met"
    assert verdict(25, 20, 29, 30) == "not met"
    assert verdict(31, 28, 33, 30) == "undecided"
    assert verdict(3e-6, 2e-6, 4e-6, 4.4e-6, at_least=False) == "met"
    assert verdict(5e-6, 4e-6, 6e-6, 4.4e-6, at_least=False) == "undecided"
    assert verdict(31, None, None, 30) == "met" and verdict(None, None, None, 30) is None


def test_ratios_are_read_in_one_place_and_turned_round(doc):
    run = Run(doc)
    saved = next(r for r in doc["ratios"] if r["workload"] == "wide")
    a, b = saved["numerator"], saved["denominator"]
    assert run.ratio("wide", a, b) == (saved["ratio"], saved["ci_low"], saved["ci_high"])
    ratio, low, high = run.ratio("wide", b, a)
    assert ratio == pytest.approx(1 / saved["ratio"])
    assert (low, high) == (pytest.approx(1 / saved["ci_high"]), pytest.approx(1 / saved["ci_low"]))
    assert run.speedup(a, b, "wide") == run.ratio("wide", b, a)
    # a file without saved ratios: the ratio of the medians, no interval
    old = Run(report_fixture.without_intervals(doc))
    assert old.ratio("wide", a, b) == (old.median(a, "wide") / old.median(b, "wide"), None, None)
    median, low, high, saved_ci = old.interval(a, "wide")
    assert not saved_ci and low < median < high
    assert Run(doc).interval(a, "wide")[3]


def test_thread_targets_read_the_runs_own_more_threads_results(report_text, doc):
    from reports import efficiency

    run = Run(doc)
    rows = {target: rest for target, *rest in efficiency.threads_rows(run)}
    assert len(rows) == 4
    for gain in doc["more_threads"]["gains"]:
        impl, w = gain["implementation"], gain["workload"]
        measured, verdict, why = rows[f"{impl} on {w}: 2 threads vs 1"]
        assert measured.startswith(f"{fmt.ratio_ci(gain['ratio'], gain['ci_low'], gain['ci_high'])}"
                                   " as fast; agreement within tolerance")
        assert verdict == ("met" if gain["ci_low"] > 1 else "not met" if gain["ci_high"] < 1
                           else "undecided")
    # 0.97x [0.931-1.01]: the interval straddles 1
    assert rows["fortran on mnist-shaped: 2 threads vs 1"][1] == "undecided"
    assert rows["numpy on wide: 2 threads vs 1"][1] == "met"
    assert "numpy on wide: 2 threads vs 1" in report_text
    # a schema-1 file without saved gains: migrated, the ratio of the adjacent medians
    old = report_fixture.without_intervals(doc)
    run = Run(old)
    for result in old["more_threads"]["results"]:
        if result["threads"] != 2:
            continue
        impl, w = result["implementation"], result["workload"]
        again = bench_results.find_result(old, impl, w, "more_threads", 1)
        gain = again["time_per_epoch"]["median"] / result["time_per_epoch"]["median"]
        assert run.thread_gain(result) == (pytest.approx(gain), None, None)
    text = " ".join(report_text.split())
    assert "With 2 BLAS threads instead of 1" in text
    # the pair without a gain is explained; with the numpy profile's share of matrix
    # products, by the bound Amdahl's law puts on the gain
    reason = efficiency.threads_reason(Run(doc))
    assert reason.startswith("<b>More threads.</b> fortran on mnist-shaped was 0.970\u00d7 as "
                             "fast with 2 threads: only its matrix products")
    assert "not measured" in reason and "numpy" not in reason
    slow = copy.deepcopy(doc)
    for gain in slow["more_threads"]["gains"]:
        if (gain["implementation"], gain["workload"]) == ("numpy", "mnist-shaped"):
            for key in ("ratio", "ci_low", "ci_high"):
                gain[key] /= 1.2                                   # 1.1x becomes 0.917x
    run = Run(slow)
    assert ("numpy on mnist-shaped was 0.917\u00d7 as fast with 2 threads: only its matrix "
            "products (BLAS dgemm) use the extra threads, which take 38.0% of its time in this "
            "run's profile") in efficiency.threads_reason(run)
    assert f"at most {fmt.ratio(1 / (0.62 + 0.38 / 2))} as fast (Amdahl's law)" in \
        efficiency.threads_reason(run)
    # an agreement outside tolerance fails the target even with a gain
    outside = copy.deepcopy(doc)
    outside["more_threads"]["results"][1]["agreement"]["within_tolerance"] = False
    run = Run(outside)
    assert efficiency.threads_rows(run)[0][2] == "not met"
    # a run without the section says how to measure it
    del outside["more_threads"]
    [(target, measured, verdict, why)] = efficiency.threads_rows(Run(outside))
    assert verdict is None and "--also-threads" in measured


def test_python_target_names_the_measured_floor_and_why(report_text, doc):
    from reports import efficiency

    run = Run(doc)
    per_step = run.median("python", "xor") / 4
    median, low, high, _ = run.interval("python", "xor")
    rows = {target: rest for target, *rest in efficiency.targets(run)}
    measured, verdict, why = rows["python: about 4 \u00b5s or less per SGD step on xor"]
    assert verdict == "not met" and "lies wholly above" in why
    assert measured == (f"{fmt.time_ci(per_step, low / 4, high / 4)} per step (4 steps per "
                        f"epoch); a step written by hand for this one network: 4.12 \u00b5s "
                        f"(python takes {fmt.ratio(per_step / 4.12e-6)} as long)")
    text = " ".join(report_text.split())
    assert "Why targets are not met, from this run's measurements" in text
    assert "took 4.12 \u00b5s per step in this run (median of 15 rounds of 800 steps" in text
    # without a saved floor (older results) there is no reason paragraph, and no error
    old = copy.deepcopy(doc)
    del old["environment"]["python_floor"]
    assert efficiency.python_reason(Run(old)) is None


def test_results_without_profiles_still_report(doc, tmp_path):
    old = copy.deepcopy(doc)
    old["profiles"] = {}
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
        partial = bench_results.new_results(copy.deepcopy(doc["run"]),
                                            copy.deepcopy(doc["environment"]))
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
    result["agreement"].update(max_rel_param_diff=math.nan, within_tolerance=False)
    result["history"][-1] = math.inf                      # a training that diverged
    bench_results.save(broken, tmp_path / "nan.json")
    assert '"nan"' in (tmp_path / "nan.json").read_text()
    path = reports.build_report([bench_results.load(tmp_path / "nan.json")],
                                tmp_path / "nan.pdf")
    text = " ".join(text_of(pypdf.PdfReader(path)).split())
    assert "not a number" in text and "Agreement fails" in text


def test_several_runs_build_the_compare_report(doc, tmp_path):
    """The sections are single-run: more than one results document is a comparison, laid out
    by reports.compare from what bench.compare computed; without it, a clear error."""
    other = report_fixture.second_machine(doc)
    with pytest.raises(ValueError, match="comparison"):
        reports.build_report([doc, other], tmp_path / "two.pdf")
    comparison = bench_compare.compare([doc, other], ["A", "B"])
    out = reports.build_report([doc, other], tmp_path / "two.pdf", comparison)
    titles = [t for t, _, _ in outline(pypdf.PdfReader(out))]
    assert titles == ["Contents", "Runs compared", "Changes"]


def _with_samples(doc, impl, workload, median, spread=0.04):
    """Give a result ten per-round samples around median (+-spread), median as saved."""
    result = bench_results.find_result(doc, impl, workload)
    samples = [median * (1 + spread * ((k * 7) % 10 - 4.5) / 4.5) for k in range(10)]
    result["time_per_epoch"].update(median=sorted(samples)[5], samples=samples,
                                    rounds=len(samples), ci_low=min(samples),
                                    ci_high=max(samples))


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


@pytest.mark.parametrize(("seconds", "text"), [
    (4.3e-7, "430 ns"), (3.134e-5, "31.3 \u00b5s"), (9.9996e-4, "1.00 ms"), (0.75, "750 ms"),
    (1.006, "1.01 s"), (1417.4, "23 min 37 s"), (None, "\u2013"), (math.nan, "not a number")])
def test_time_format(seconds, text):
    assert fmt.time(seconds) == text


def test_the_terminal_and_the_pdf_write_a_duration_alike():
    """One rule (bench.results.units.time) for bench's terminal and the reports; only what a
    missing value prints as differs."""
    from bench import summary

    for seconds in (4.3e-7, 3.134e-5, 9.9996e-4, 0.75, 1.006, 1417.4, 7200.0):
        assert summary.fmt_time(seconds) == fmt.time(seconds)
    assert (summary.fmt_time(None), fmt.time(None)) == ("-", "\u2013")


def test_other_formats():
    assert fmt.ratio(164.2) == "164\u00d7" and fmt.ratio(1858.4) == "1,858\u00d7"
    assert fmt.ratio(1.4712) == "1.47\u00d7" and fmt.ratio(0.3581) == "0.358\u00d7"
    assert fmt.percent(0.9281) == "92.8%" and fmt.percent(0.000123) == "0.0123%"
    assert fmt.sci(4.4e-16) == "4.4e-16" and fmt.sci(0) == "0" and fmt.sci(math.inf) == "infinite"
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


# ------------------------------------------------------------------ page 1, charts, layout
WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">'
                  r'(.*?)</word>')


def word_boxes(path):
    """[[(x0, y0, x1, y1, text) per word] per page], read back with pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return [[(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in WORD.findall(page)]
            for page in xml.split("<page ")[1:]]


def overlapping_words(words, slack=0.6):
    """Pairs of words whose boxes overlap by more than slack points both ways."""
    words = sorted(words)
    found = []
    for i, w in enumerate(words):
        for v in words[i + 1:]:
            if v[0] >= w[2] - slack:
                break
            if (min(w[2], v[2]) - max(w[0], v[0]) > slack
                    and min(w[3], v[3]) - max(w[1], v[1]) > slack):
                found.append((w[4], v[4]))
    return found


@pytest.fixture(scope="module")
def old_report(doc, tmp_path_factory):
    """The report of a results file written before the timing saved intervals."""
    path = tmp_path_factory.mktemp("old") / "old.pdf"
    return reports.build_report([report_fixture.without_intervals(doc)], path)


def test_no_text_overlaps_or_leaves_the_page(report, old_report):
    """Every page, charts included: no word's box overlaps another's (a label across a label,
    a superscript into the next line), and no word runs past the side margins."""
    from reports.style import MARGIN_X, PAGE

    for path in (report[0], old_report):
        for number, words in enumerate(word_boxes(path), start=1):
            assert words, number
            assert not overlapping_words(words), (path.name, number)
            outside = [w[4] for w in words if w[0] < MARGIN_X - 1 or w[2] > PAGE[0] - MARGIN_X + 1]
            assert not outside, (path.name, number, outside)


def stroked_segments(reader, page):
    """([(order, (x0, y0), (x1, y1))] of the stroked line segments of a page, in page
    coordinates, and [(order, x0, y0, x1, y1)] of the white rectangles painted on it), read
    from the page's content stream (q/Q, cm, m, l, h, re; S/s/B/b stroke, f/F fill)."""
    from pypdf.generic import ContentStream

    ctm, stack, path, current, start, white = (1, 0, 0, 1, 0, 0), [], [], None, None, False
    segments, masks = [], []

    def at(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    for order, (operands, op) in enumerate(ContentStream(page.get_contents(),
                                                           reader).operations):
        op = op.decode() if isinstance(op, bytes) else op
        values = [float(v) for v in operands] if op in ("cm", "m", "l", "re", "rg", "g") \
            else []
        if op == "q":
            stack.append((ctm, white))
        elif op == "Q":
            ctm, white = stack.pop()
        elif op == "cm":
            a, b, c, d, e, f = values
            A, B, C, D, E, F = ctm
            ctm = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F)
        elif op == "m":
            current = start = at(*values)
        elif op == "l":
            point = at(*values)
            path.append((current, point))
            current = point
        elif op == "h" and current and start:
            path.append((current, start))
        elif op == "re":
            x, y, w, h = values
            corners = [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h)]
            path += [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
        elif op in ("rg", "g"):
            white = all(v > 0.99 for v in values)
        elif op in ("S", "s", "B", "B*", "b", "b*"):
            segments += [(order, p, q) for p, q in path]
            path = []
        elif op in ("f", "F", "f*", "n"):
            if op != "n" and white and path:
                xs = [p[0] for pair in path for p in pair]
                ys = [p[1] for pair in path for p in pair]
                masks.append((order, min(xs), min(ys), max(xs), max(ys)))
            path = []
    return segments, masks


def lines_through_words(path, inset=1.0):
    """[(page, word)] where a stroked line runs through a word's box (shrunk by inset) and
    no white ground is painted over that spot after the line."""
    reader = pypdf.PdfReader(path)
    found = []
    for number, (page, words) in enumerate(zip(reader.pages, word_boxes(path)), start=1):
        height = float(page.mediabox.height)
        segments, masks = stroked_segments(reader, page)
        for x0, y0, x1, y1, text in words:
            box = (x0 + inset, height - y1 + inset, x1 - inset, height - y0 - inset)
            if box[0] >= box[2] or box[1] >= box[3]:
                continue
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            for order, p, q in segments:
                if (max(p[0], q[0]) <= box[0] or min(p[0], q[0]) >= box[2]
                        or max(p[1], q[1]) <= box[1] or min(p[1], q[1]) >= box[3]):
                    continue                            # nowhere near the word
                covered = any(m[0] > order and m[1] <= cx <= m[3] and m[2] <= cy <= m[4]
                              for m in masks)
                if not covered and _crosses((*p, *q), box):
                    found.append((number, text))
                    break
    return found


def test_no_line_runs_through_text_on_any_page(report, old_report):
    """Read back from the PDFs: no stroked line (axis, grid, reference line, whisker, curve,
    table rule, diagram edge) crosses a word, on any page."""
    for path in (report[0], old_report):
        assert not lines_through_words(path), path.name


def _drawing_parts(node, transform=(1, 0, 0, 1, 0, 0)):
    """(strings [(x0, y0, x1, y1, text)], segments [(x0, y0, x1, y1)]) of a drawing, in its
    coordinates (rotated text as its rotated box)."""
    from reportlab.graphics.shapes import Group, Line, PolyLine, String, mmult
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def at(x, y):
        a, b, c, d, e, f = transform
        return a * x + c * y + e, b * x + d * y + f

    strings, segments = [], []
    for item in getattr(node, "contents", []):
        if isinstance(item, Group):
            inner = mmult(transform, item.transform)
            more = _drawing_parts(item, inner)
            strings += more[0]
            segments += more[1]
        elif isinstance(item, String):
            w = stringWidth(item.text, item.fontName, item.fontSize)
            x = item.x - {"start": 0, "middle": w / 2, "end": w}[item.textAnchor]
            corners = [at(x, item.y - 0.2 * item.fontSize),
                       at(x + w, item.y + 0.72 * item.fontSize)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            strings.append((min(xs), min(ys), max(xs), max(ys), item.text))
        elif isinstance(item, Line):
            segments.append((*at(item.x1, item.y1), *at(item.x2, item.y2)))
        elif isinstance(item, PolyLine):
            points = [at(item.points[i], item.points[i + 1])
                      for i in range(0, len(item.points), 2)]
            segments += [(*p, *q) for p, q in zip(points, points[1:])]
    return strings, segments


def _crosses(segment, box, steps=60):
    x0, y0, x1, y1 = segment
    return any(box[0] < x0 + (x1 - x0) * t / steps < box[2]
               and box[1] < y0 + (y1 - y0) * t / steps < box[3] for t in range(steps + 1))


def chart_drawings(doc):
    from reports import agreement, answer, efficiency, scaling

    run = Run(doc)
    drawings = {"page 1": answer.figure(run)[0], "efficiency": efficiency.chart(run),
                "scaling": scaling.chart(run)}
    for w in run.main_workloads():
        for flowable in agreement.curve_story(run, w, width=240):
            if hasattr(flowable, "contents"):
                drawings[f"curves {w}"] = flowable
    return drawings


@pytest.mark.parametrize("variant", ["intervals", "no intervals"])
def test_no_chart_line_crosses_a_label(doc, variant):
    """Lines (axes, grid, reference lines, whiskers, curves) never run through chart text."""
    if variant == "no intervals":
        doc = report_fixture.without_intervals(doc)
    for name, drawing in chart_drawings(doc).items():
        strings, segments = _drawing_parts(drawing)
        assert strings and segments, name
        for box in strings:
            hit = [s for s in segments if _crosses(s, box)]
            assert not hit, (name, box[4], hit[:2])
        # and no chart text runs out of its drawing
        for box in strings:
            assert box[0] >= -0.5 and box[2] <= drawing.width + 0.5, (name, box)
            assert box[1] >= -0.5 and box[3] <= drawing.height + 0.5, (name, box)


def test_page_one_answers_the_question(report, doc):
    _, reader = report
    first = " ".join(reader.pages[0].extract_text().split())
    run = Run(doc)
    median, low, high, _ = run.interval("fortran", "digits")
    assert fmt.time_ci(median, low, high) in first          # the figure's value column
    ratio, low, high = run.ratio("digits", "numpy", "fortran")
    assert f"on digits fortran, {fmt.ratio_ci(ratio, low, high)} faster than numpy" in first
    assert "They agree" in first and "of the single-thread dgemm rate" in first
    assert "Speed targets (judged on the 95% intervals)" in first
    assert "Contents" not in first or "Summary" in first     # the contents fit on page 1


def test_old_results_fall_back_to_the_spread(old_report):
    text = " ".join(text_of(pypdf.PdfReader(old_report)).split())
    assert "no interval saved" in text and "dashed whisker: the interquartile range" in text


def test_each_font_face_is_embedded_once_and_the_report_is_small(report):
    path, reader = report
    assert shutil.which("pdffonts"), "poppler-utils (pdffonts) is part of the set-up"
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True, timeout=60).stdout.splitlines()[2:]
    names = [line.split()[0] for line in lines]
    assert names and len(names) == len(set(names)), names
    assert all(line.split()[-5] == "yes" for line in lines), lines     # all embedded
    assert path.stat().st_size <= 350_000
    assert "Backpropagation" in reader.pages[0].extract_text()


def test_every_page_but_a_sections_last_is_at_least_half_full(report):
    """Rendered pages: the ink reaches past the middle of the text frame on every page except
    the last page of each section."""
    from reports.style import MARGIN_BOTTOM, MARGIN_TOP, PAGE

    path, reader = report
    starts = {reader.get_destination_page_number(item) for item in reader.outline
              if not isinstance(item, list)}
    folder = path.parent / "pages"
    folder.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-gray", "-r", "30", str(path), str(folder / "p")], check=True,
                   timeout=120)
    pages = sorted(folder.glob("p*.pgm"))
    assert len(pages) == len(reader.pages)
    for index, page in enumerate(pages):
        if index + 1 == len(pages) or index + 1 in starts:
            continue                                    # the last page of a section
        data = page.read_bytes()
        _, w, h, _, pixels = data.split(maxsplit=4)
        w, h = int(w), int(h)
        pixels = pixels[-w * h:]
        top = int(h * MARGIN_TOP / PAGE[1])
        bottom = int(h * (PAGE[1] - MARGIN_BOTTOM) / PAGE[1])
        inked = [y for y in range(top, bottom) if min(pixels[y * w:(y + 1) * w]) < 200]
        assert inked and (bottom - max(inked)) / (bottom - top) <= 0.5, index + 1


def test_code_excerpts_are_set_at_readable_size(report, doc):
    """The backward pass in code: 7.5 pt or more (read back from the PDF), long lines wrapped
    rather than cut."""
    pages = word_boxes(report[0])
    for impl, src in doc["sources"].items():
        first = src["text"].splitlines()[0].split()[0]
        sizes = [w[3] - w[1] for words in pages for w in words if w[4] == first]
        assert sizes and min(sizes) >= 7.5 - 1e-6, (impl, sizes)
    text = " ".join(text_of(report[1]).split())
    for src in doc["sources"].values():
        last = src["text"].rstrip().splitlines()[-1].split()[-1]
        assert last in text


def test_every_special_character_of_the_reports_is_primed():
    """A character beyond ASCII that a section prints but style.GLYPHS lacks gives that
    section its own font subsets (the merged report then embeds a face twice): every one in
    the reports' sources, written or escaped, is listed."""
    import re

    from reports.style import GLYPHS

    used = set()
    for path in Path(reports.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= {chr(int(code, 16)) for code in re.findall(r"\\u([0-9a-fA-F]{4})", text)}
        used |= {c for c in text if ord(c) > 127}
    assert sorted(used - set(GLYPHS)) == []


LONG_PATH = "/tmp/" + "/".join(["d" * 250] * 11)     # a run folder of about 2,800 characters


def test_a_very_long_path_wraps_or_is_shortened_never_a_layout_error(doc, tmp_path):
    """A run whose folder path is ~2,800 characters: the compare report and the run's own
    report build, the path shortened with an ellipsis in tables, and no word leaves a page."""
    from reports.style import MARGIN_X, PAGE

    other = report_fixture.second_machine(doc)
    other["run"]["command"] = f"python -m bench run --out {LONG_PATH}"
    other["run"]["options"]["out"] = LONG_PATH
    comparison = bench_compare.compare([doc, other], ["A", LONG_PATH])
    built = [compare.build_compare_report([doc, other], comparison, tmp_path / "c.pdf"),
             reports.build_report([other], tmp_path / "r.pdf")]
    assert "\u2026" in text_of(pypdf.PdfReader(built[0]))
    for path in built:
        for number, words in enumerate(word_boxes(path), start=1):
            outside = [w[4][:20] for w in words
                       if w[0] < MARGIN_X - 1 or w[2] > PAGE[0] - MARGIN_X + 1]
            assert not outside, (path.name, number, outside)


# ---- axis labels at any range the schema allows (issue 21) -------------------------------------

def _timed_at(doc, impl, workload, seconds):
    """doc's result of impl on workload, timed at `seconds` per epoch (every statistic)."""
    result = bench_results.find_result(doc, impl, workload)
    stats = result["time_per_epoch"]
    for key in ("median", "min", "max", "mean", "ci_low", "ci_high"):
        stats[key] = seconds
    stats.update(iqr=0.0, stddev=0.0, samples=[seconds] * stats["rounds"])


def _overlapping_strings(drawing, slack=0.3):
    """Pairs of a drawing's strings whose boxes overlap, and the strings that leave it."""
    strings, _ = _drawing_parts(drawing)
    pairs = [(a[4], b[4]) for i, a in enumerate(strings) for b in strings[i + 1:]
             if min(a[2], b[2]) - max(a[0], b[0]) > slack
             and min(a[3], b[3]) - max(a[1], b[1]) > slack]
    outside = [s[4] for s in strings if s[0] < -slack or s[2] > drawing.width + slack
               or s[1] < -slack or s[3] > drawing.height + slack]
    return pairs, outside


TIME_SPANS = [(1e-8, 3e3), (1e-12, 1e7), (1e-12, 3e-12), (2e-9, 3e-9), (1e-4, 1e4),
              (4e-7, 6e-5), (0.8, 1e7), (9e-6, 1.1e-5)]


@pytest.mark.parametrize(("low", "high"), TIME_SPANS)
def test_page_one_time_axis_labels_never_overlap_or_leave_the_figure(doc, low, high):
    """The schema's times run from 1 ps to 1e7 s: at any span the page-1 axis labels keep
    apart and inside the figure (10 ns to 3,000 s touched and cut the last)."""
    from reports import answer

    doc = copy.deepcopy(doc)
    _timed_at(doc, "fortran", "xor", low)
    _timed_at(doc, "python", "wide" if bench_results.find_result(doc, "python", "wide")[
        "status"] != "skipped" else "mnist-shaped", high)
    for drawing in answer.figure(Run(doc)):
        assert _overlapping_strings(drawing) == ([], [])


@pytest.mark.parametrize(("low", "high"), TIME_SPANS)
@pytest.mark.parametrize("width", [240, 495])
def test_line_chart_axis_labels_never_overlap_or_leave_the_chart(low, high, width):
    from reports.charts import line_chart

    style = {"colour": INK_FOR_TEST, "dash": None, "marker": "FilledCircle"}
    for x_log, xs in ((True, [8, 1024]), (False, [1, 2_000_000])):
        series = [dict(style, name="a", points=[(xs[0], low), (xs[1], high)])]
        drawing = line_chart(series, x_title="x", y_title="time per epoch", x_log=x_log,
                             width=width, y_label=fmt.time_axis)
        assert _overlapping_strings(drawing) == ([], []), (x_log, width)


def _ink():
    from reports.style import INK
    return INK


INK_FOR_TEST = _ink()


def test_a_very_long_skip_reason_is_shortened_in_the_speed_table(doc, tmp_path):
    """A reason is free text: one of 20,000 characters still fits its (spanned) cell."""
    doc = copy.deepcopy(doc)
    skipped = next(r for r in doc["results"] if r["status"] == "skipped")
    skipped["reason"] = "why " * 5000
    path = reports.build_report([doc], tmp_path / "r.pdf")
    assert "\u2026" in text_of(pypdf.PdfReader(path))


def test_a_sweep_of_one_width_is_drawn(doc, tmp_path):
    """A run with one member of the sweep (a --resume of a run with one width) draws its
    scaling chart around that width (its log axis spanned no width: a division by zero)."""
    one = copy.deepcopy(doc)
    dropped = [w for w in one["workloads"] if one["workloads"][w]["sweep"]][1:]
    for name in dropped:
        del one["workloads"][name]
        one["sampling"].pop(name, None)
    one["results"] = [r for r in one["results"] if r["workload"] not in dropped]
    one["ratios"] = [r for r in one["ratios"] if r["workload"] not in dropped]
    for impl in one["profiles"]:
        for name in dropped:
            one["profiles"][impl].pop(name, None)
    one["run"]["options"]["workloads"] = list(one["workloads"])
    path = reports.build_report([bench_results.validate(one, "one width")],
                                tmp_path / "one.pdf")
    text = " ".join(text_of(pypdf.PdfReader(path)).split())
    assert "Time against width" in text and "W = 8" in text
