"""Terminal flash cards scheduled by date: ``python -m dlfund quiz``.

Scheduling uses FSRS (the maintained ``fsrs`` package): every card has a due *date*, and each
answer (Again / Hard / Good / Easy) moves it by an interval that grows with how well it is
remembered, so re-running the command when nothing is due shows nothing. Choice, numeric and
coding cards are graded by the tool (type ``B``, ``0.25`` or the path of a ``.py`` file); open
cards show the answer, the points an interviewer listens for and a follow-up, and you rate
yourself. A card you miss comes back once at the end of the session and, scheduled by FSRS,
the next day.

A session draws up to ``--max-cards`` cards across all selected topics: due cards first,
weighted to weak ones (low predicted recall, often missed), then at most ``--new`` new cards,
balanced over the topics. ``--stats`` shows progress per topic, ``--reset`` erases it.

The record (default ``$DLFUND_HOME/flashcards.json`` or ``~/.dlfund/flashcards.json``) is read
and written through :mod:`dlfund.storage`: every answer is saved at once under a file lock; a
damaged file is kept aside with a notice; a directory or somebody else's JSON file at the path
is never touched. The clock is a parameter (``clock``), so tests can simulate days.
"""

import datetime as dt
import math
import random
import shutil
import sys
import textwrap
from argparse import ArgumentTypeError
from pathlib import Path

from fsrs import Card, Rating, Scheduler

from ..storage import StorageError, read_json, update_json
from .bank import load_bank
from .quiz import grade
from .schema import DIFFICULTIES, TOPICS
from .text import format_number, to_plain

VERSION = 2
WHAT = "flash-card record"
EXIT_INTERRUPTED = 130
COUNTS = ("seen", "known", "missed")
# One review a day at most: no intraday learning steps, so "Good" on a new card schedules it
# days ahead and "Again" brings it back the next day. No fuzzing: the same answers give the
# same dates (reproducible sessions and tests).
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
RATINGS = {
    "1": Rating.Again,
    "2": Rating.Hard,
    "3": Rating.Good,
    "4": Rating.Easy,
    "n": Rating.Again,
    "no": Rating.Again,
    "y": Rating.Good,
    "yes": Rating.Good,
}


class Quit(Exception):
    """The learner asked to stop (q) or the input ended."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


# --- the record ------------------------------------------------------------------------------------


def default_progress_file():
    import os

    home = os.environ.get("DLFUND_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".dlfund"
    return base / "flashcards.json"


def new_record():
    return {"version": VERSION, "cards": {}}


def is_flashcard_record(data):
    """True for a record this tool wrote (version 1: Leitner boxes, version 2: FSRS)."""
    return isinstance(data, dict) and isinstance(data.get("cards"), dict) and data.get("version", 1) in (1, VERSION)


def _count_ok(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def read_card(entry, now):
    """The stored entry of one card as {"fsrs": Card, "seen", "known", "missed", "last"}, or None if unreadable.

    Version-1 entries (Leitner boxes counted in sessions) keep their counts and restart their
    schedule: due now.
    """
    if not isinstance(entry, dict) or not all(_count_ok(entry.get(k)) for k in COUNTS):
        return None
    card = {k: entry[k] for k in COUNTS}
    card["last"] = entry.get("last") if entry.get("last") in ("known", "missed") else None
    if "fsrs" in entry:
        try:
            card["fsrs"] = Card.from_dict(entry["fsrs"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if card["fsrs"].due.tzinfo is None:
            return None
    elif "box" in entry:  # version 1
        card["fsrs"] = Card(card_id=1, due=now)
    else:
        return None
    return card


def card_entry(card):
    """The JSON form of a card (inverse of :func:`read_card`)."""
    entry = {k: card[k] for k in COUNTS}
    entry["fsrs"] = card["fsrs"].to_dict()
    if card.get("last"):
        entry["last"] = card["last"]
    return entry


def load_cards(path, now):
    """({question id: card}, notices) from the record at `path`; read-only.

    Raises StorageError for a directory or a JSON file that is not a flash-card record.
    """
    data, notice = read_json(path, new_record, what=WHAT, accept=is_flashcard_record)
    notices = [notice] if notice else []
    cards, bad = {}, 0
    for qid, entry in data["cards"].items():
        card = read_card(entry, now)
        if card is None:
            bad += 1
        else:
            cards[qid] = card
    if bad:
        notices.append(
            f"{bad} card entr{'y' if bad == 1 else 'ies'} in {path} could not be read; they are "
            "ignored (left in the file until you answer those cards again)"
        )
    return cards, notices


def save_card(path, qid, card):
    """Write one card's entry under the lock (other cards in the file are left as they are)."""

    def change(data):
        data["version"] = VERSION
        data.pop("session", None)  # version-1 session counter, no longer used
        data["cards"][qid] = card_entry(card)

    _, notice = update_json(path, new_record, change, what=WHAT, accept=is_flashcard_record)
    return notice


def reset_cards(path, ids):
    """Remove the given question ids from the record; returns how many were there."""

    def change(data):
        data["version"] = VERSION
        data.pop("session", None)
        removed = [k for k in ids if k in data["cards"]]
        for k in removed:
            del data["cards"][k]
        return len(removed)

    return update_json(path, new_record, change, what=WHAT, accept=is_flashcard_record)


# --- scheduling -------------------------------------------------------------------------------------


def new_card(qid, now):
    return {"fsrs": Card(card_id=1, due=now), "seen": 0, "known": 0, "missed": 0, "last": None}


def review(card, rating, now):
    """A reviewed copy of `card` (FSRS update and counts); `rating` is an fsrs.Rating."""
    fsrs_card, _ = SCHEDULER.review_card(card["fsrs"], rating, review_datetime=now)
    knew = rating != Rating.Again
    return {
        "fsrs": fsrs_card,
        "seen": card["seen"] + 1,
        "known": card["known"] + knew,
        "missed": card["missed"] + (not knew),
        "last": "known" if knew else "missed",
    }


def recall(card, now):
    """Predicted probability (0-1) of recalling the card now; 0 for a card never reviewed."""
    if card["fsrs"].last_review is None:
        return 0.0
    return float(SCHEDULER.get_card_retrievability(card["fsrs"], current_datetime=now))


def is_due(card, now):
    return card["fsrs"].due <= now


def weakness(card, now):
    """Sampling weight of a due card: 1 plus forgetting (1 - recall) plus the share of misses."""
    missed_share = card["missed"] / card["seen"] if card["seen"] else 0.0
    return 1.0 + 2.0 * (1.0 - recall(card, now)) + 2.0 * missed_share


def _weighted_order(items, weights, rng):
    """Items in a random order where heavier items tend to come first (weighted sampling without
    replacement: sort by u ** (1 / w), u uniform)."""
    keys = [rng.random() ** (1.0 / w) for w in weights]
    return [item for _, item in sorted(zip(keys, items), key=lambda pair: -pair[0])]


def plan_session(questions, cards, now, max_cards, max_new, rng):
    """The questions of one session: due cards (weak ones more likely), then new cards.

    New cards are balanced over the topics (each topic gets the same total weight, raised by
    the share of answers missed in that topic), so a short session samples all topics.
    """
    due = [q for q in questions if q["id"] in cards and is_due(cards[q["id"]], now)]
    new = [q for q in questions if q["id"] not in cards]
    due = _weighted_order(due, [weakness(cards[q["id"]], now) for q in due], rng)
    per_topic, missed, answered = {}, {}, {}
    for q in new:
        per_topic[q["topic"]] = per_topic.get(q["topic"], 0) + 1
    for q in questions:
        c = cards.get(q["id"])
        if c:
            missed[q["topic"]] = missed.get(q["topic"], 0) + c["missed"]
            answered[q["topic"]] = answered.get(q["topic"], 0) + c["seen"]
    new_weights = [
        (1.0 + missed.get(q["topic"], 0) / max(answered.get(q["topic"], 0), 1)) / per_topic[q["topic"]] for q in new
    ]
    new = _weighted_order(new, new_weights, rng)
    chosen = due[:max_cards]
    chosen += new[: min(max_new, max_cards - len(chosen))]
    return chosen


# --- terminal interaction ---------------------------------------------------------------------------


def _width():
    return max(40, min(shutil.get_terminal_size((88, 24)).columns, 100) - 2)


def _wrap(text, indent=""):
    width = _width()
    paragraphs = [" ".join(p.split()) for p in to_plain(text).split("\n\n")]
    return "\n\n".join(
        textwrap.fill(p, width, initial_indent=indent, subsequent_indent=indent) for p in paragraphs if p
    )


def _ask(prompt, stdin, stdout):
    """Print a prompt and read one line; raise Quit at end of input."""
    stdout.write(prompt)
    stdout.flush()
    line = stdin.readline()
    if line == "":
        raise Quit("end of input")
    if not (hasattr(stdin, "isatty") and stdin.isatty()):
        stdout.write(line if line.endswith("\n") else line + "\n")  # piped input is not echoed: show it
    return line.strip()


def _date(when):
    return when.strftime("%Y-%m-%d")


def _days_until(when, now):
    return max(0, math.ceil((when - now).total_seconds() / 86400))


def _reveal(q):
    """The answer block shown after a card."""
    lines = []
    if q["kind"] == "choice":
        lines.append(f"Answer: {'ABCDEF'[q['correct']]}. {to_plain(q['choices'][q['correct']])}")
    elif q["kind"] == "numeric":
        tol = f" (accepted within ±{format_number(q['tolerance'])})" if q["tolerance"] else ""
        lines.append(f"Answer: {format_number(q['value'])}{tol}")
    else:
        lines.append("Answer:")
    lines.append(_wrap(q["answer"]))
    if "solution" in q:
        lines += ["", "Model solution (passes the grader):", textwrap.indent("\n".join(q["solution"]), "    ")]
    if q.get("rubric"):
        lines += ["", "An interviewer listens for:"] + [
            _wrap(f"- {r}", "  ").replace("  - ", "- ", 1) for r in q["rubric"]
        ]
    if q.get("follow_up"):
        lines += ["", _wrap(f"Follow-up: {q['follow_up']}")]
    return "\n".join(lines) + "\n\n"


def _graded_reply(q, stdin, stdout):
    """Ask for a typed answer to a choice/numeric/coding card: (rating, feedback line)."""
    if q["kind"] == "choice":
        prompt = f"Your answer (A-{'ABCDEF'[len(q['choices']) - 1]}; Enter if you do not know; q quits): "
    elif q["kind"] == "numeric":
        prompt = "Your answer (a number; Enter if you do not know; q quits): "
    else:
        from dlfund.grading import get_exercise

        name = get_exercise(q["exercise"]).func_name
        prompt = f"Path of a .py file defining {name}(...) to grade (Enter to see the model answer; q quits): "
    while True:
        reply = _ask(prompt, stdin, stdout)
        if reply.lower() in ("q", "quit"):
            raise Quit("quit")
        if not reply:
            return Rating.Again, "Not answered: it counts as missed."
        try:
            if "exercise" in q:
                return _grade_file(q, reply)
            result = grade(q, reply)
        except ValueError as exc:
            stdout.write(f"{exc}\n")
            continue
        if result.correct:
            return Rating.Good, "✔ Correct."
        return Rating.Again, f"✘ Not quite: you answered {reply}."


def _grade_file(q, reply):
    from .checks import run_solution

    path = Path(reply).expanduser()
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    result = run_solution(q, source)
    verdict = f"the grader passed {result.passed} of {result.total} cases"
    if result.ok:
        return Rating.Good, f"✔ Correct: {verdict}."
    codes = ", ".join(result.problem_codes[:3])
    return Rating.Again, f"✘ Not yet: {verdict}" + (f" (hints: {codes})." if codes else ".")


def _self_rating(stdin, stdout):
    while True:
        reply = _ask("Did you know it? [y/n, or 1-4 = again/hard/good/easy; q quits]: ", stdin, stdout).lower()
        if reply in RATINGS:
            return RATINGS[reply]
        if reply in ("q", "quit"):
            raise Quit("quit")
        stdout.write("Please answer y, n, a digit 1-4, or q.\n")


def show_card(q, position, total, card, now, stdin, stdout):
    """One card: question, typed or self-rated answer, the answer. Returns an fsrs.Rating."""
    rule = "-" * _width()
    if card is None:
        status = "new card"
    else:
        status = f"seen {card['seen']}×, {card['last'] or 'answered'} last time"
        last = card["fsrs"].last_review
        if last is not None and now - last >= dt.timedelta(hours=12):
            status += f", predicted recall {100 * recall(card, now):.0f}%"
    out = [
        rule,
        f"Card {position} of {total} · {TOPICS[q['topic']].title} · {q['difficulty']} · {status}",
        "",
        _wrap(q["question"]),
    ]
    if q["kind"] == "choice":
        out += [""] + [_wrap(f"{'ABCDEF'[i]}. {c}", "   ") for i, c in enumerate(q["choices"])]
    stdout.write("\n".join(out) + "\n\n")
    if q["kind"] in ("choice", "numeric") or "exercise" in q:
        rating, feedback = _graded_reply(q, stdin, stdout)
        stdout.write(f"\n{feedback}\n{_reveal(q)}")
        return rating
    reply = _ask("Press Enter to show the answer (q quits): ", stdin, stdout)
    if reply.lower() in ("q", "quit"):
        raise Quit("quit")
    stdout.write("\n" + _reveal(q))
    return _self_rating(stdin, stdout)


def run_session(questions, cards, path, now, max_cards, max_new, rng, stdin, stdout, clock=None):
    """Review one session's cards; each answer is saved at once. Returns (known, missed)."""
    clock = clock or (lambda: now)
    queue = plan_session(questions, cards, now, max_cards, max_new, rng)
    if not queue:
        upcoming = [c["fsrs"].due for q in questions if (c := cards.get(q["id"]))]
        when = ""
        if upcoming:
            nxt = min(upcoming)
            when = f" The next card is due on {_date(nxt)} (in {_days_until(nxt, now)} day(s))."
        stdout.write(f"Nothing is due now.{when} Progress file: {path}\n")
        return 0, 0
    n_due = sum(q["id"] in cards for q in queue)
    stdout.write(
        f"{_date(now)}: {len(queue)} card(s) to review ({n_due} due, {len(queue) - n_due} new). Progress file: {path}\n"
    )
    known = missed = 0
    items = [(q, False) for q in queue]  # (question, is a same-session repeat of a missed card)
    position, total = 0, len(items)
    while items:
        q, is_repeat = items.pop(0)
        position += 1
        rating = show_card(q, position, total, cards.get(q["id"]), clock(), stdin, stdout)
        if is_repeat:
            stdout.write(
                "Good: it still comes back tomorrow to make sure.\n"
                if rating != Rating.Again
                else "It comes back tomorrow.\n"
            )
            continue
        card = review(cards.get(q["id"]) or new_card(q["id"], clock()), rating, clock())
        notice = save_card(path, q["id"], card)
        cards[q["id"]] = card
        if notice:
            print(f"Notice: {notice}", file=sys.stderr, flush=True)
        due = card["fsrs"].due
        if rating != Rating.Again:
            known += 1
            stdout.write(f"Next review on {_date(due)} (in {_days_until(due, clock())} day(s)).\n")
        else:
            missed += 1
            items.append((q, True))
            total += 1
            stdout.write(f"Missed: you will see it again at the end of this session and on {_date(due)}.\n")
    stdout.write(f"\nSession done: {known} known, {missed} missed. Progress saved to {path}.\n")
    return known, missed


def topic_stats(questions, cards, now):
    """{topic: {"cards", "seen", "due", "new", "known", "answers", "weak", "next"}} in book order."""
    table = {}
    for t in TOPICS:
        qs = [q for q in questions if q["topic"] == t]
        if not qs:
            continue
        mine = [cards[q["id"]] for q in qs if q["id"] in cards]
        upcoming = [c["fsrs"].due for c in mine if not is_due(c, now)]
        table[t] = {
            "cards": len(qs),
            "seen": len(mine),
            "new": len(qs) - len(mine),
            "due": sum(is_due(c, now) for c in mine),
            "known": sum(c["known"] for c in mine),
            "answers": sum(c["seen"] for c in mine),
            "weak": sum(c["last"] == "missed" for c in mine),
            "next": min(upcoming) if upcoming else None,
        }
    return table


def format_stats(questions, cards, now):
    """Progress by topic as a text table."""
    header = f"{'Topic':<40}{'Cards':>6}{'Seen':>6}{'Due':>5}{'New':>5}{'Correct':>9}{'Weak':>6}{'Next due':>12}"
    lines = [header, "-" * len(header)]
    stats = topic_stats(questions, cards, now)
    for t, s in stats.items():
        pct = f"{100 * s['known'] / s['answers']:.0f}%" if s["answers"] else "-"
        nxt = _date(s["next"]) if s["next"] else "-"
        lines.append(
            f"{TOPICS[t].title[:39]:<40}{s['cards']:>6}{s['seen']:>6}{s['due']:>5}{s['new']:>5}{pct:>9}"
            f"{s['weak']:>6}{nxt:>12}"
        )
    total = {k: sum(s[k] for s in stats.values()) for k in ("cards", "seen", "due", "new", "known", "answers", "weak")}
    pct = f"{100 * total['known'] / total['answers']:.0f}%" if total["answers"] else "-"
    nexts = [s["next"] for s in stats.values() if s["next"]]
    total_row = (
        f"{'All topics':<40}{total['cards']:>6}{total['seen']:>6}{total['due']:>5}{total['new']:>5}{pct:>9}"
        f"{total['weak']:>6}{(_date(min(nexts)) if nexts else '-'):>12}"
    )
    legend = (
        "Due: seen cards due now. Correct: share of your answers that were right. Weak: cards you missed last time."
    )
    lines += ["-" * len(header), total_row, "", legend]
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------------------------


def _whole_number(minimum):
    """An argparse type: an integer >= `minimum`, with a one-line message otherwise."""

    def parse(text):
        try:
            n = int(text)
        except ValueError:
            raise ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < minimum:
            raise ArgumentTypeError(f"must be at least {minimum}, got {n}")
        return n

    return parse


def add_arguments(parser):
    parser.add_argument(
        "--topic",
        action="append",
        choices=list(TOPICS),
        metavar="T",
        help="only this topic (repeat for several): " + ", ".join(TOPICS),
    )
    parser.add_argument(
        "--difficulty",
        action="append",
        choices=DIFFICULTIES,
        metavar="D",
        help="only this difficulty (repeat for several): " + ", ".join(DIFFICULTIES),
    )
    parser.add_argument(
        "--progress-file",
        metavar="PATH",
        default=None,
        help="where progress is kept (default: $DLFUND_HOME/flashcards.json or ~/.dlfund/flashcards.json)",
    )
    parser.add_argument("--stats", action="store_true", help="show progress by topic and exit (changes nothing)")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="erase the progress of the selected topics (all without --topic), after confirmation",
    )
    parser.add_argument("--yes", action="store_true", help="with --reset: do not ask for confirmation")
    parser.add_argument("--seed", type=int, default=None, help="fixed choice and order of the cards")
    parser.add_argument(
        "--max-cards", type=_whole_number(1), default=20, metavar="N", help="cards per session (default 20)"
    )
    parser.add_argument(
        "--new",
        type=_whole_number(0),
        default=10,
        metavar="N",
        help="at most N cards never seen before per session (default 10)",
    )


def run(args, stdin=None, stdout=None, clock=None):
    """Entry point for `python -m dlfund quiz`; returns the exit code. `clock()` gives the time (UTC)."""
    stdout = stdout or sys.stdout
    try:
        return _run(args, stdin or sys.stdin, stdout, clock or utc_now)
    except StorageError as exc:
        stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: every answer given so far is saved.", file=stdout, flush=True)
        return EXIT_INTERRUPTED


def _run(args, stdin, stdout, clock):
    path = Path(args.progress_file).expanduser() if args.progress_file else default_progress_file()
    questions = load_bank(topics=args.topic, difficulties=args.difficulty)
    if not questions:
        print("No questions match the chosen topic and difficulty.", file=sys.stderr)
        return 1
    now = clock()
    cards, notices = load_cards(path, now)
    for notice in notices:
        print(f"Notice: {notice}", file=sys.stderr, flush=True)
    if args.reset:
        return _reset(args, questions, cards, path, stdin, stdout)
    if args.stats:
        stdout.write(f"Progress file: {path}\n\n{format_stats(questions, cards, now)}\n")
        return 0
    rng = random.Random(args.seed)
    answered = {"before": sum(c["seen"] for c in cards.values())}

    def saved_message():
        n = sum(c["seen"] for c in cards.values()) - answered["before"]
        if n == 0:
            return "no card was answered, nothing changed."
        return f"{n} answer(s) saved to {path}."

    try:
        run_session(questions, cards, path, now, args.max_cards, args.new, rng, stdin, stdout, clock)
    except Quit as stop:
        why = "End of input" if stop.reason == "end of input" else "Stopped"
        stdout.write(f"\n{why}: {saved_message()}\n")
    except KeyboardInterrupt:
        stdout.write(f"\nInterrupted: {saved_message()}\n")
        stdout.flush()
        return EXIT_INTERRUPTED
    return 0


def _reset(args, questions, cards, path, stdin, stdout):
    ids = [q["id"] for q in questions]
    mine = [i for i in ids if i in cards]
    scope = "all topics" if not args.topic and not args.difficulty else "the selected cards"
    if not mine:
        stdout.write(f"Nothing to reset: no progress recorded for {scope} in {path}.\n")
        return 0
    if not args.yes:
        try:
            reply = _ask(
                f"Erase your progress on {len(mine)} card(s) ({scope}) in {path}? Type yes to confirm: ", stdin, stdout
            )
        except Quit:
            reply = ""
        if reply.lower() != "yes":
            stdout.write("Nothing was erased.\n")
            return 1
    removed, notice = reset_cards(path, ids)
    if notice:
        print(f"Notice: {notice}", file=sys.stderr, flush=True)
    stdout.write(f"Erased the progress of {removed} card(s) ({scope}).\n")
    return 0
