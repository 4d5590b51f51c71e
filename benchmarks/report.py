"""The readable table (Markdown) of a results dict, as written to benchmarks/results/latest.md."""

NAMES = {
    "dlfund": "dlfund",
    "dlfund_fast": "dlfund fast path",
    "sklearn": "scikit-learn",
    "torch": "PyTorch",
    "torch_f32": "PyTorch float32",
    "numpy": "NumPy",
    "numpy_loop": "plain NumPy loop",
}


def fmt_time(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    if s >= 1e-5:
        return f"{s * 1e6:.0f} µs"
    return f"{s * 1e6:.2f} µs"


def _quality(c):
    parts = []
    for k, m in c.get("metrics", {}).items():
        if k in ("accuracy", "r2"):
            parts.append(f"{'R²' if k == 'r2' else k} {m['median']:.4f}")
    return ", ".join(parts)


def markdown(results):
    m, v, th = results["machine"], results["versions"], results["threads"]
    lines = [
        "# Benchmark results",
        "",
        f"{results['date']} · `{results['command'].strip()}` · {m['cpu_model']}, {m['cores']} cores · "
        f"load average at start {m.get('load_average_start')}, at end {m.get('load_average_end')}",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".  ",
        "Threads: "
        + ", ".join(f"{k}={val}" for k, val in th["env"].items())
        + f", torch.set_num_threads({th['torch_num_threads']}).  ",
        f"Method: {results['method']['order']}; {results['method']['reps']} timed rounds for the MLP trainings, "
        f"{results['method']['fast_reps']} for the others; "
        f"{results['method']['statistic']}.",
    ]
    if results.get("note"):
        lines += ["", f"Note: {results['note']}"]
    lines += [
        "",
        "Ratio = median time of the first contender of the benchmark (dlfund, or NumPy) / this one's; "
        "in brackets the range of the ratios within each round.",
        "",
        "| benchmark | contender | median | min–max | quality | ratio (paired range) |",
        "|---|---|---:|---:|---|---:|",
    ]
    for b in results["benchmarks"]:
        if "contenders" not in b:
            continue
        for name, c in b["contenders"].items():
            r = b["ratios"].get(name)
            ratio = f"{r['ratio']:.2f} ({r['paired']['min']:.2f}–{r['paired']['max']:.2f})" if r else ""
            lines.append(
                f"| {b['title']} | {NAMES.get(name, name)} | {fmt_time(c['median_s'])} | "
                f"{fmt_time(c['min_s'])}–{fmt_time(c['max_s'])} | {_quality(c)} | {ratio} |"
            )
    lines += [
        "",
        "## Targets",
        "",
        "| benchmark | ratio | value | target | met | note |",
        "|---|---|---:|---:|---|---|",
    ]
    for b in results["benchmarks"]:
        for t in b["targets"]:
            who = f"{t.get('subject', b['subject'])} / {NAMES.get(t['versus'], t['versus'])}"
            lines.append(
                f"| {b['title']} | {who} | {t['ratio']:.2f} | "
                f"≤ {t['max']:g} | {'yes' if t['met'] else '**no**'} | {t['note']} |"
            )
    batch = next((b["batch"] for b in results["benchmarks"] if b["id"] == "grading_batch"), None)
    lines += ["", "## Grader", ""]
    check = next((b for b in results["benchmarks"] if b["id"] == "grading_check"), None)
    if check:
        lines.append("(The check rows in the table above compare exercises with each other, not libraries.)")
        for name, c in check["contenders"].items():
            lines.append(
                f"- `check({name!r}, ...)`: median {fmt_time(c['median_s'])} "
                f"({fmt_time(c['min_s'])}–{fmt_time(c['max_s'])})"
            )
    if batch:
        lines.append(
            f"- batch of {batch['n_submissions']} notebooks, `{batch['command']}`: median "
            f"{fmt_time(batch['median_s'])} ({fmt_time(batch['min_s'])}–{fmt_time(batch['max_s'])}, "
            f"{len(batch['wall_s_all'])} runs), {fmt_time(batch['per_submission_s'])} per notebook; "
            f"verdicts {batch['verdicts']}, full marks {batch['full_marks']}/{batch['n_submissions']}"
        )
    if not (check or batch):
        lines.append("- not measured")
    lines += ["", "## Test suite and book build", ""]
    suite = results.get("suite") or {}
    for key, label in (("pytest", "test suite"), ("book", "clean book build")):
        s = suite.get(key)
        lines.append(
            f"- {label} (`{s['command']}`): {fmt_time(s['wall_s'])}, exit code {s['returncode']}"
            if s
            else f"- {label}: not measured in this run"
        )
    lines += [
        "",
        f"Benchmarks took {results['benchmarks_wall_s']:.0f} s; the whole run {results['total_wall_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)
