"""Render a graded exercise as compact plain text (terminal, feedback files) or HTML (Jupyter)."""

import html

MAX_DETAILED = 2
MAX_PROBLEMS = 3


def _capped(problems):
    """All problems, except that at most MAX_PROBLEMS wrong-value lines are shown per case; a
    diagnosis (what the behaviour points to) comes right after the first problem."""
    diagnoses = [p for p in problems if p.kind == "diagnosis"]
    rest = [p for p in problems if p.kind != "diagnosis"]
    problems = rest[:1] + diagnoses + rest[1:]
    out, n_values = [], 0
    for p in problems:
        if p.kind == "values":
            n_values += 1
            if n_values > MAX_PROBLEMS:
                continue
        out.append(p)
    return out


def _status_line(g):
    ex = g.exercise
    if g.status == "passed":
        caveat = f" — with {len(g.notes)} note{'s' if len(g.notes) > 1 else ''} below" if g.notes else ""
        return f"✓ {ex.name} ({ex.func_name}): all {g.total} cases passed{caveat}"
    if g.status == "not_implemented":
        first = g.cases[0].problems[0].message if g.cases and g.cases[0].problems else ""
        if " calls " in first:
            return f"… {ex.name} ({ex.func_name}): {first}"
        return f"… {ex.name} ({ex.func_name}): not implemented yet — replace `raise NotImplementedError` with your code"
    return f"✗ {ex.name} ({ex.func_name}): {g.passed}/{g.total} cases passed"


def _case_lines(case, seen_hints):
    lines = [f"case {case.label!r} — inputs: {case.inputs}"]
    shown = _capped(case.problems)
    for p in shown:
        lines.append(f"  {'→' if p.kind == 'diagnosis' else '•'} {p.message}")
        if p.hint and p.hint not in seen_hints:
            seen_hints.add(p.hint)
            lines.append(f"    hint: {p.hint}")
    if len(case.problems) > len(shown):
        lines.append(f"  • ... and {len(case.problems) - len(shown)} more wrong output(s)")
    if (
        case.outcome is not None
        and case.outcome.warnings
        and any(p.kind in ("nonfinite", "values") for p in case.problems)
    ):
        lines.append("    NumPy warned: " + "; ".join(case.outcome.warnings[:2]))
    return lines


def text_report(g):
    lines = [_status_line(g)]
    if g.status == "not_implemented":
        return "\n".join(lines)
    if g.status == "passed":
        return "\n".join(lines + [f"  note: {note}" for note in g.notes])
    for m in g.mistakes:
        lines.append(f"  Known mistake [{m.code}]: {m.hint}")
    failing = [c for c in g.cases if not c.passed]
    seen = set()
    for case in failing[:MAX_DETAILED]:
        lines += ["  " + s for s in _case_lines(case, seen)]
    for case in failing[MAX_DETAILED : MAX_DETAILED + 4]:
        lines.append(f"  case {case.label!r}: {case.problems[0].message}")
    if len(failing) > MAX_DETAILED + 4:
        lines.append(f"  ... and {len(failing) - MAX_DETAILED - 4} more failing case(s)")
    for note in g.notes:
        lines.append(f"  note: {note}")
    if g.stdout:
        first = g.stdout.strip().splitlines()[:3]
        if first:
            lines.append("  first printed lines: " + " | ".join(s[:100] for s in first))
    return "\n".join(lines)


_CSS = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 0.92em; line-height: 1.35; "
    "border-left: 4px solid {color}; padding: 4px 10px; margin: 4px 0;"
)


def html_report(g):
    color = {"passed": "#2e7d32", "not_implemented": "#9e9e9e"}.get(g.status, "#c62828")
    parts = [f'<div class="dlfund-check" style="{_CSS.format(color=color)}">', f"<b>{html.escape(_status_line(g))}</b>"]
    if g.status == "passed":
        for note in g.notes:
            parts.append(f"<div><i>note: {html.escape(note)}</i></div>")
    if g.status not in ("passed", "not_implemented"):
        for m in g.mistakes:
            parts.append(
                f"<div style='background:#fff3e0; padding:3px 6px;'><b>Known mistake "
                f"[{html.escape(m.code)}]</b>: {html.escape(m.hint)}</div>"
            )
        failing = [c for c in g.cases if not c.passed]
        parts.append("<ul style='margin: 2px 0 2px 0; padding-left: 18px;'>")
        seen = set()
        for case in failing[:MAX_DETAILED]:
            parts.append(f"<li>case <code>{html.escape(case.label)}</code> — inputs: {html.escape(case.inputs)}<ul>")
            for p in _capped(case.problems):
                hint = f"<br><i>hint: {html.escape(p.hint)}</i>" if p.hint and p.hint not in seen else ""
                seen.add(p.hint)
                arrow = "→ " if p.kind == "diagnosis" else ""
                parts.append(f"<li>{arrow}{html.escape(p.message)}{hint}</li>")
            parts.append("</ul></li>")
        for case in failing[MAX_DETAILED : MAX_DETAILED + 4]:
            parts.append(
                f"<li>case <code>{html.escape(case.label)}</code>: {html.escape(case.problems[0].message)}</li>"
            )
        if len(failing) > MAX_DETAILED + 4:
            parts.append(f"<li>... and {len(failing) - MAX_DETAILED - 4} more failing case(s)</li>")
        parts.append("</ul>")
        for note in g.notes:
            parts.append(f"<div><i>note: {html.escape(note)}</i></div>")
    parts.append("</div>")
    return "".join(parts)
