"""Terminal flash cards with Leitner boxes: ``python -m dlfund quiz``.

Each run is one *session*. A card shows its question; Enter reveals the answer; the
learner says whether they knew it (y/n). Known cards move up one box and come back
after 1, 2, 4, 8 or 16 sessions (boxes 1-5); a missed card drops to box 1, is shown
once more at the end of the session and comes back in the next one. Progress lives in a
JSON file (default ``~/.dlfund/flashcards.json``, or ``$DLFUND_HOME/flashcards.json``,
or ``--progress-file``), written after every answer through a temporary file and
``os.replace``, so an interruption never leaves a half-written file. A corrupt file is
moved aside to ``<name>.corrupt-<time>`` and whatever cards can be read are kept.
"""
import json
import os
import random
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from .bank import load_bank
from .schema import DIFFICULTIES, TOPICS
from .text import format_number, to_plain

VERSION = 1
INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}  # box -> sessions until the card is due again
MAX_BOX = max(INTERVALS)
CARD_FIELDS = {"box": int, "due": int, "seen": int, "known": int, "missed": int}
EXIT_INTERRUPTED = 130


class Quit(Exception):
    """The learner asked to stop (q) or the input ended."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --- progress file ------------------------------------------------------------------------

def default_progress_file():
    home = os.environ.get("DLFUND_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".dlfund"
    return base / "flashcards.json"


def new_state():
    return {"version": VERSION, "session": 0, "cards": {}}


def _valid_card(card):
    if not isinstance(card, dict):
        return False
    for key, typ in CARD_FIELDS.items():
        v = card.get(key)
        if not isinstance(v, typ) or isinstance(v, bool) or v < 0:
            return False
    return 1 <= card["box"] <= MAX_BOX


def _backup_path(path):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def load_progress(path, warn=None):
    """Read the progress file; returns the state. Corrupt files are backed up, never dropped.

    `warn(message)` is called when something had to be repaired (default: print to stderr).
    """
    warn = warn or (lambda msg: print(msg, file=sys.stderr, flush=True))
    path = Path(path)
    if not path.exists():
        return new_state()
    problem, state = None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"it is not valid JSON ({exc.__class__.__name__})"
        data = None
    if data is not None:
        if not isinstance(data, dict) or not isinstance(data.get("cards"), dict):
            problem = "it does not contain a 'cards' table"
        else:
            cards = data["cards"]
            good = {k: {f: v[f] for f in CARD_FIELDS} | ({"last": v["last"]} if isinstance(v.get("last"), str) else {})
                    for k, v in cards.items() if isinstance(k, str) and _valid_card(v)}
            session = data.get("session")
            if not isinstance(session, int) or isinstance(session, bool) or session < 0:
                session = max((c["due"] - 1 for c in good.values()), default=0)
                problem = "its session counter is missing or invalid"
            if len(good) < len(cards):
                problem = f"{len(cards) - len(good)} of {len(cards)} card entries are invalid"
            if data.get("version", VERSION) != VERSION:
                problem = problem or f"it has unknown version {data.get('version')!r}"
            state = {"version": VERSION, "session": session, "cards": good}
    if problem is None:
        return state
    backup = _backup_path(path)
    os.replace(path, backup)
    if state is None:
        state = new_state()
        warn(f"Warning: the progress file {path} could not be read: {problem}. It was moved to {backup}; "
             f"starting a fresh progress file.")
    else:
        warn(f"Warning: the progress file {path} was damaged: {problem}. The original was moved to {backup}; "
             f"recovered {len(state['cards'])} card(s).")
    save_progress(path, state)
    return state


def save_progress(path, state):
    """Write the state atomically: a temporary file in the same folder, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- scheduling ---------------------------------------------------------------------------

def record_answer(state, card_id, knew):
    """Move a card between boxes after an answer in the current session; returns the card."""
    session = state["session"]
    card = state["cards"].get(card_id) or {"box": 1, "due": session, "seen": 0, "known": 0, "missed": 0}
    card["seen"] += 1
    if knew:
        card["known"] += 1
        card["box"] = min(card["box"] + 1, MAX_BOX)
    else:
        card["missed"] += 1
        card["box"] = 1
    card["due"] = session + INTERVALS[card["box"]]
    card["last"] = "known" if knew else "missed"
    state["cards"][card_id] = card
    return card


def due_cards(state, questions, rng):
    """Questions due in the current session: missed and low boxes first, then new cards."""
    session = state["session"]
    seen_due, new = [], []
    for q in questions:
        card = state["cards"].get(q["id"])
        if card is None:
            new.append(q)
        elif card["due"] <= session:
            seen_due.append(q)
    rng.shuffle(seen_due)
    rng.shuffle(new)
    seen_due.sort(key=lambda q: (state["cards"][q["id"]]["box"], state["cards"][q["id"]]["due"]))
    return seen_due + new


# --- terminal interaction -----------------------------------------------------------------

def _width():
    return max(40, min(shutil.get_terminal_size((88, 24)).columns, 100) - 2)


def _wrap(text, indent=""):
    width = _width()
    paragraphs = [" ".join(p.split()) for p in to_plain(text).split("\n\n")]
    return "\n\n".join(textwrap.fill(p, width, initial_indent=indent, subsequent_indent=indent) for p in paragraphs if p)


def _ask(prompt, stdin, stdout):
    """Print a prompt and read one line; raise Quit at end of input."""
    stdout.write(prompt)
    stdout.flush()
    line = stdin.readline()
    if line == "":
        raise Quit("end of input")
    if not (hasattr(stdin, "isatty") and stdin.isatty()):
        stdout.write("\n")  # piped input is not echoed: keep the transcript readable
    return line.strip()


def _answer_text(q):
    if q["kind"] == "choice":
        return f"Answer: {'ABCDEF'[q['correct']]}. {to_plain(q['choices'][q['correct']])}"
    if q["kind"] == "numeric":
        tol = f" (accepted within ±{format_number(q['tolerance'])})" if q["tolerance"] else ""
        return f"Answer: {format_number(q['value'])}{tol}"
    return "Answer:"


def show_card(q, position, total, card, stdin, stdout):
    """One card: question, reveal on Enter, then y/n. Returns True/False (knew it)."""
    rule = "-" * _width()
    status = "new card" if card is None else f"box {card['box']}"
    out = [rule, f"Card {position} of {total} · {TOPICS[q['topic']].title} · {q['difficulty']} · {status}", "",
           _wrap(q["question"])]
    if q["kind"] == "choice":
        out += [""] + [_wrap(f"{'ABCDEF'[i]}. {c}", "   ") for i, c in enumerate(q["choices"])]
    stdout.write("\n".join(out) + "\n\n")
    reply = _ask("Press Enter to show the answer (q to quit): ", stdin, stdout)
    if reply.lower() in ("q", "quit"):
        raise Quit("quit")
    stdout.write("\n" + _answer_text(q) + "\n" + _wrap(q["answer"]) + "\n\n")
    while True:
        reply = _ask("Did you know it? [y/n, q to quit]: ", stdin, stdout).lower()
        if reply in ("y", "yes"):
            return True
        if reply in ("n", "no"):
            return False
        if reply in ("q", "quit"):
            raise Quit("quit")
        stdout.write("Please answer y (yes), n (no) or q (quit).\n")


def run_session(questions, state, path, max_cards, rng, stdin, stdout):
    """Review due cards; saves after every answer. Returns (known, missed)."""
    state["session"] += 1
    queue = due_cards(state, questions, rng)[:max_cards]
    if not queue:
        upcoming = [state["cards"][q["id"]]["due"] - state["session"] for q in questions if q["id"] in state["cards"]]
        save_progress(path, state)
        when = f" The next cards are due in {min(upcoming)} session(s)." if upcoming else ""
        stdout.write(f"Nothing is due in this session.{when} Progress saved to {path}.\n")
        return 0, 0
    stdout.write(f"Session {state['session']}: {len(queue)} card(s) to review. Progress file: {path}\n")
    known = missed = 0
    queue = [(q, False) for q in queue]  # (question, is a same-session repeat of a missed card)
    position, total = 0, len(queue)
    while queue:
        q, is_repeat = queue.pop(0)
        position += 1
        knew = show_card(q, position, total, state["cards"].get(q["id"]), stdin, stdout)
        if is_repeat:
            stdout.write("Good, it will still come back next session to make sure.\n" if knew
                         else "It stays in box 1 and returns next session.\n")
            continue
        card = record_answer(state, q["id"], knew)
        save_progress(path, state)
        if knew:
            known += 1
            stdout.write(f"Moved to box {card['box']}: back in {INTERVALS[card['box']]} session(s).\n")
        else:
            missed += 1
            queue.append((q, True))
            total += 1
            stdout.write("Back to box 1: you will see it again at the end of this session and next session.\n")
    stdout.write(f"\nSession done: {known} known, {missed} missed. Progress saved to {path}.\n")
    return known, missed


def format_stats(questions, state):
    """Progress by topic as a text table."""
    header = f"{'Topic':<42}{'Cards':>6}{'Seen':>6}" + "".join(f"{'Box' + str(b):>6}" for b in INTERVALS) + \
             f"{'Known':>7}{'Due':>5}"
    lines = [header, "-" * len(header)]
    totals = {"cards": 0, "seen": 0, "boxes": [0] * MAX_BOX, "known": 0, "answers": 0, "due": 0}
    session = state["session"]
    for t in TOPICS:
        qs = [q for q in questions if q["topic"] == t]
        if not qs:
            continue
        cards = [state["cards"][q["id"]] for q in qs if q["id"] in state["cards"]]
        boxes = [sum(c["box"] == b for c in cards) for b in INTERVALS]
        answers = sum(c["known"] + c["missed"] for c in cards)
        known = sum(c["known"] for c in cards)
        due = sum(1 for q in qs if q["id"] not in state["cards"] or state["cards"][q["id"]]["due"] <= session + 1)
        pct = f"{100 * known / answers:.0f}%" if answers else "-"
        lines.append(f"{TOPICS[t].title[:41]:<42}{len(qs):>6}{len(cards):>6}" + "".join(f"{b:>6}" for b in boxes)
                     + f"{pct:>7}{due:>5}")
        totals["cards"] += len(qs)
        totals["seen"] += len(cards)
        totals["boxes"] = [a + b for a, b in zip(totals["boxes"], boxes)]
        totals["known"] += known
        totals["answers"] += answers
        totals["due"] += due
    pct = f"{100 * totals['known'] / totals['answers']:.0f}%" if totals["answers"] else "-"
    lines.append("-" * len(header))
    lines.append(f"{'All topics':<42}{totals['cards']:>6}{totals['seen']:>6}"
                 + "".join(f"{b:>6}" for b in totals["boxes"]) + f"{pct:>7}{totals['due']:>5}")
    lines.append("")
    lines.append(f"Sessions so far: {session}. 'Known' is the share of answers you knew; "
                 "'Due' counts cards shown in the next session (new cards included).")
    return "\n".join(lines)


# --- command line -------------------------------------------------------------------------

def add_arguments(parser):
    parser.add_argument("--topic", action="append", choices=list(TOPICS), metavar="T",
                        help="only this topic (repeat for several): " + ", ".join(TOPICS))
    parser.add_argument("--difficulty", action="append", choices=DIFFICULTIES, metavar="D",
                        help="only this difficulty (repeat for several): " + ", ".join(DIFFICULTIES))
    parser.add_argument("--progress-file", metavar="PATH", default=None,
                        help="where progress is kept (default: $DLFUND_HOME/flashcards.json or ~/.dlfund/flashcards.json)")
    parser.add_argument("--stats", action="store_true", help="show progress by topic and exit")
    parser.add_argument("--seed", type=int, default=None, help="fixed order of the cards (for reproducible sessions)")
    parser.add_argument("--max-cards", type=int, default=20, metavar="N", help="cards per session (default 20)")


def run(args, stdin=None, stdout=None):
    """Entry point for `python -m dlfund quiz`; returns the exit code."""
    try:
        return _run(args, stdin or sys.stdin, stdout or sys.stdout)
    except KeyboardInterrupt:  # before the session started: nothing to save
        print("\nInterrupted.", file=stdout or sys.stdout, flush=True)
        return EXIT_INTERRUPTED


def _run(args, stdin, stdout):
    if args.max_cards < 1:
        print("error: --max-cards must be at least 1", file=sys.stderr)
        return 2
    path = Path(args.progress_file).expanduser() if args.progress_file else default_progress_file()
    questions = load_bank(topics=args.topic, difficulties=args.difficulty)
    if not questions:
        print("No questions match the chosen topic and difficulty.", file=sys.stderr)
        return 1
    try:
        state = load_progress(path)
    except OSError as exc:
        print(f"error: cannot use the progress file {path}: {exc}", file=sys.stderr)
        return 1
    if args.stats:
        stdout.write(f"Progress file: {path}\n\n{format_stats(questions, state)}\n")
        return 0
    rng = random.Random(args.seed)
    answered_before = sum(c["seen"] for c in state["cards"].values())

    def reviewed():
        return sum(c["seen"] for c in state["cards"].values()) - answered_before

    try:
        run_session(questions, state, path, args.max_cards, rng, stdin, stdout)
    except Quit as stop:
        why = "End of input" if stop.reason == "end of input" else "Stopped"
        stdout.write(f"\n{why}: {_saved_message(reviewed(), path)}\n")
        return 0
    except OSError as exc:
        stdout.flush()
        print(f"error: cannot use the progress file {path}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if reviewed():
            save_progress(path, state)  # the last answer may have been recorded but not yet written
        stdout.write(f"\nInterrupted: {_saved_message(reviewed(), path)}\n")
        stdout.flush()
        return EXIT_INTERRUPTED
    return 0


def _saved_message(reviewed, path):
    if reviewed == 0:
        return "no card was answered, nothing changed."
    return f"{reviewed} card(s) reviewed this session. Progress saved to {path}."
