"""Flags and notes about a submission's run as a whole, from the child's messages and the parent's watch.

`run_verdicts` adds them to a `GradedSubmission` in a fixed order: how the run ended (wall-clock,
CPU, crash), the answers' size, conduct (processes, writes outside, signals), cells, calls,
output volume and deleted files.
"""

import signal

#: characters a notebook may print in total before its run is flagged as an output flood
OUTPUT_FLOOD = 1_000_000


def conduct(messages, info, opts, sandboxed):
    """[(flag or None, note)] about processes, writes outside the folder and signals to the grader.

    The alerts come from the child's audit hook and process count (the submission's own process, so
    they are reports, not proofs: the sandbox is what prevents); `info["leftover"]` comes from the
    grader's own sweep."""
    alerts = [a for m in messages for a in (m.get("alerts") or []) if isinstance(a, dict)][:200]
    counts = [m.get("processes") for m in messages if isinstance(m.get("processes"), int)]
    limit = int(opts["max_processes"])
    out = []
    refused = "; the sandbox refused it" if sandboxed else " (graded WITHOUT a sandbox: it may have succeeded)"

    def seen(kind):
        found = [a for a in alerts if a.get("kind") == kind]
        shown = "; ".join(f"{str(a.get('detail'))[:120]} in {str(a.get('where'))[:40]}" for a in found[:3])
        return found, shown + (f"; and {len(found) - 3} more" if len(found) > 3 else "")

    procs, shown = seen("processes")
    peak = max(counts + [info.get("leftover", 0)])
    if procs or peak >= limit - 2:
        what = shown or f"{peak} processes running at once"
        out.append(("too_many_processes", f"started too many processes (limit {limit}): {what}; all were killed"))
    elif info.get("leftover"):
        out.append((None, f"left {info['leftover']} process(es) running after grading; they were killed"))
    writes, shown = seen("write")
    if writes:
        out.append(("wrote_outside", f"wrote outside its folder: {shown}{refused}"))
    signals, shown = seen("signal")
    if signals:
        out.append(("signalled_grader", f"tried to stop its grader: {shown}{refused}"))
    return out


def _ending(result, messages, info, opts, done):
    """Wall-clock limit, CPU limit or an early end of the child."""
    rc = info["returncode"]
    if info["wall_timeout"]:
        result.add("time_limit", f"stopped after {opts['wall_timeout']:g} s of wall-clock time (an endless loop?)")
    elif not done and rc == -signal.SIGXCPU:
        result.add("cpu_limit", f"stopped by the CPU time limit ({opts['cpu_seconds']} s)")
    elif not done:
        how = f"signal {-rc}" if rc < 0 else f"exit code {rc}"
        result.add(
            "crashed",
            f"the notebook's process ended early ({how}): os._exit(), a crash, or the "
            f"memory limit ({opts['memory_mb']} MB)",
        )
        if not messages and info.get("stderr"):
            result.add(None, "the grading process could not start: " + info["stderr"].strip().splitlines()[-1])


def _cells(result, cell_msgs, opts):
    for m in cell_msgs:
        if m["status"] == "timeout":
            result.add("cell_timeout", f"cell {m['index']} exceeded the {opts['cell_timeout']:g} s cell time limit")
        elif m["status"] == "exit":
            result.add("sys_exit", f"cell {m['index']} called sys.exit() ({m['error']}); grading continued")
        elif m["status"] == "error" and "MemoryError" in m["error"]:
            result.add("memory_limit", f"cell {m['index']} ran out of memory (limit {opts['memory_mb']} MB)")
        elif m["status"] == "error":
            result.add(None, f"cell {m['index']} raised {m['error']}")


def _calls(result, call_msgs, opts):
    """The first call that ran out of memory, exited or timed out raises its flag (later ones add nothing)."""
    for m in call_msgs:
        o = m.get("outcome", {})
        if o.get("exc_type") == "MemoryError" and "memory_limit" not in result.flags:
            result.add("memory_limit", f"{m['func']} ran out of memory (limit {opts['memory_mb']} MB)")
        if o.get("exc_type") == "SystemExit" and "sys_exit" not in result.flags:
            result.add("sys_exit", f"{m['func']} called sys.exit(); that call counts as failed")
        if o.get("kind") == "timeout" and "call_timeout" not in result.flags:
            result.add("call_timeout", f"{m['func']} exceeded the {opts['call_timeout']:g} s time limit per call")


def run_verdicts(result, messages, info, opts, sandboxed, deleted):
    """Add to `result` the flags and notes about the whole run; `deleted`: names of files it removed."""
    done = any(m.get("type") == "done" for m in messages)
    _ending(result, messages, info, opts, done)
    if info["result_overflow"]:
        result.add(None, "the answers sent back were larger than the limit and were cut")
    for flag, note in conduct(messages, info, opts, sandboxed):
        result.add(flag, note, once=True)
    cell_msgs = [m for m in messages if m.get("type") == "cell"]
    call_msgs = [m for m in messages if m.get("type") == "call"]
    _cells(result, cell_msgs, opts)
    _calls(result, call_msgs, opts)
    printed = sum(m.get("printed", 0) for m in cell_msgs) + sum(
        m.get("outcome", {}).get("printed_chars", 0) for m in call_msgs
    )
    if printed > OUTPUT_FLOOD:
        result.add(
            "output_flood", f"output flood: the notebook printed {printed / 1e6:.1f} million characters (discarded)"
        )
    if deleted:
        result.add(
            "deleted_files",
            f"the submission deleted files in its working directory ({sorted(deleted)}); "
            "it ran on a copy, nothing was lost",
        )
