"""Flash cards: FSRS scheduling by date over simulated days (injected clock), typed answers graded by the
tool, sampling across topics, statistics, reset, and the safety of the learner's record; then the real
command line in a subprocess."""

import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from argparse import Namespace
from collections import Counter
from pathlib import Path

import pytest
from fsrs import Rating

from dlfund.interview import flashcards as fc
from dlfund.interview.bank import load_bank
from dlfund.interview.schema import TOPICS

REPO = Path(__file__).resolve().parents[1]
BANK = load_bank()
BY_ID = {q["id"]: q for q in BANK}
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


class Clock:
    """A clock the test moves by hand: `clock()` is the current time, `advance(days=...)` moves it."""

    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += dt.timedelta(**delta)


def _args(**kw):
    base = dict(
        topic=None,
        difficulty=None,
        progress_file=None,
        stats=False,
        reset=False,
        yes=False,
        seed=0,
        max_cards=20,
        new=10,
    )
    base.update(kw)
    return Namespace(**base)


def run(path, stdin="", clock=None, **kw):
    out = io.StringIO()
    code = fc.run(_args(progress_file=str(path), **kw), stdin=io.StringIO(stdin), stdout=out, clock=clock or Clock())
    return code, out.getvalue()


def right_reply(q):
    if q["kind"] == "choice":
        return "ABCDEF"[q["correct"]]
    if q["kind"] == "numeric":
        return str(q["value"])
    return "y"


def wrong_reply(q):
    if q["kind"] == "choice":
        return "ABCDEF"[(q["correct"] + 1) % len(q["choices"])]
    if q["kind"] == "numeric":
        return str(q["value"] + 10 * q["tolerance"] + 1)
    return "n"


def answer_all(path, clock, know, **kw):
    """Run one session answering every card; `know(question) -> bool`. Returns (code, output, shown ids)."""
    plan = fc.plan_session(
        load_bank(topics=kw.get("topic"), difficulties=kw.get("difficulty")),
        fc.load_cards(path, clock())[0],
        clock(),
        kw.get("max_cards", 20),
        kw.get("new", 10),
        random.Random(kw.get("seed", 0)),
    )
    lines = []
    for q in plan:
        ok = know(q)
        reply = right_reply(q) if ok else wrong_reply(q)
        lines += [reply] if q["kind"] != "open" else ["", reply]
    for q in plan:  # the missed cards come back once at the end of the session
        if not know(q):
            lines += [right_reply(q)] if q["kind"] != "open" else ["", "y"]
    code, text = run(path, "\n".join(lines) + "\n", clock, **kw)
    return code, text, [q["id"] for q in plan]


def stored(path):
    return json.loads(path.read_text())["cards"]


# --- scheduling -------------------------------------------------------------------------------------


def test_a_known_card_comes_back_days_later_a_missed_one_the_next_day():
    card = fc.new_card("x", START)
    known = fc.review(card, Rating.Good, START)
    missed = fc.review(card, Rating.Again, START)
    assert (known["fsrs"].due - START).days >= 2
    assert missed["fsrs"].due - START == dt.timedelta(days=1)
    assert (known["seen"], known["known"], known["missed"], known["last"]) == (1, 1, 0, "known")
    assert (missed["seen"], missed["known"], missed["missed"], missed["last"]) == (1, 0, 1, "missed")
    assert card["seen"] == 0  # review returns a new card


def test_intervals_grow_with_every_success_and_shrink_after_a_lapse():
    card, now, gaps = fc.new_card("x", START), START, []
    for _ in range(5):
        card = fc.review(card, Rating.Good, now)
        gaps.append(card["fsrs"].due - now)
        now = card["fsrs"].due
    assert all(a < b for a, b in zip(gaps, gaps[1:])), gaps
    lapsed = fc.review(card, Rating.Again, now)
    assert lapsed["fsrs"].due - now < gaps[-1]
    assert 0.85 < fc.recall(card, card["fsrs"].due) < 0.95  # FSRS schedules at about 90% predicted recall


def test_card_entries_round_trip_and_old_leitner_entries_are_migrated():
    card = fc.review(fc.new_card("x", START), Rating.Good, START)
    back = fc.read_card(json.loads(json.dumps(fc.card_entry(card))), START)
    assert back["fsrs"].due == card["fsrs"].due and back["seen"] == 1 and back["last"] == "known"
    old = fc.read_card({"box": 4, "due": 9, "seen": 3, "known": 2, "missed": 1, "last": "known"}, START)
    assert old["fsrs"].due == START and (old["seen"], old["known"], old["missed"]) == (3, 2, 1)
    for bad in [
        None,
        {"seen": -1, "known": 0, "missed": 0, "box": 1},
        {"seen": 1, "known": 1, "missed": 0},
        {"seen": 1, "known": 1, "missed": 0, "fsrs": {"due": "soon"}},
    ]:
        assert fc.read_card(bad, START) is None


def _cards(**spec):
    """{id: card} with `spec[id] = (days until due, seen, missed)`."""
    out = {}
    for qid, (days, seen, missed) in spec.items():
        card = fc.review(fc.new_card(qid, START), Rating.Good, START - dt.timedelta(days=10))
        card["fsrs"].due = START + dt.timedelta(days=days)
        card.update(seen=seen, known=seen - missed, missed=missed)
        out[qid] = card
    return out


def test_a_session_reviews_due_cards_first_then_a_limited_number_of_new_ones():
    qs = [q for q in BANK if q["topic"] == "gru"]
    ids = [q["id"] for q in qs]
    cards = _cards(**{ids[0]: (-1, 2, 0), ids[1]: (0, 1, 1), ids[2]: (3, 1, 0)})
    plan = [q["id"] for q in fc.plan_session(qs, cards, START, 20, 2, random.Random(0))]
    assert sorted(plan[:2]) == sorted(ids[:2])  # due (and overdue) cards first
    assert ids[2] not in plan  # not yet due
    assert len(plan) == 4 and set(plan[2:]) <= set(ids[3:])  # at most 2 new cards
    assert [q["id"] for q in fc.plan_session(qs, cards, START, 1, 2, random.Random(0))][0] in ids[:2]


def test_weak_due_cards_tend_to_come_first():
    qs = [q for q in BANK if q["topic"] == "gru"][:2]
    weak, strong = qs[0]["id"], qs[1]["id"]
    cards = _cards(**{weak: (0, 4, 3), strong: (0, 4, 0)})
    assert fc.weakness(cards[weak], START) > fc.weakness(cards[strong], START)
    first = Counter(fc.plan_session(qs, cards, START, 1, 0, random.Random(s))[0]["id"] for s in range(400))
    assert first[weak] > 0.6 * 400 and first[strong] > 0  # weighted, not a fixed order


def test_a_short_session_samples_all_topics_not_the_first_five():
    first_five = set(list(TOPICS)[:5])
    seen, only_first = Counter(), 0
    for seed in range(200):
        topics = {q["topic"] for q in fc.plan_session(BANK, {}, START, 5, 10, random.Random(seed))}
        seen.update(topics)
        only_first += topics <= first_five
    assert set(seen) == set(TOPICS)
    assert only_first <= 5
    assert max(seen.values()) < 3 * min(seen.values())  # balanced over topics, not over questions


def test_new_cards_lean_towards_topics_with_misses():
    qs = [q for q in BANK if q["topic"] in ("gan", "vae")]
    gan = [q["id"] for q in qs if q["topic"] == "gan"]
    cards = _cards(**{gan[0]: (5, 3, 3)})  # every answer on GAN missed so far, nothing due
    picks = Counter(fc.plan_session(qs, cards, START, 1, 1, random.Random(s))[0]["topic"] for s in range(600))
    assert picks["gan"] > picks["vae"]


# --- sessions over simulated days (in process, injected clock) ------------------------------------------


def test_sessions_over_simulated_days(tmp_path):
    path, clock = tmp_path / "cards.json", Clock()
    topic = ["gru"]
    n = sum(q["topic"] == "gru" for q in BANK)
    missed_id = [q["id"] for q in BANK if q["topic"] == "gru"][0]
    code, text, shown = answer_all(path, clock, lambda q: q["id"] != missed_id, topic=topic, new=n, seed=1)
    assert code == 0 and len(shown) == n and f"{n} card(s) to review ({0} due, {n} new)" in text
    assert f"Session done: {n - 1} known, 1 missed." in text
    saved = stored(path)
    assert len(saved) == n and saved[missed_id]["last"] == "missed"

    before = path.read_bytes()
    code, text = run(path, "", clock, topic=topic)  # same day again: nothing is due
    assert code == 0 and "Nothing is due now. The next card is due on 2027-03-02 (in 1 day(s))." in text
    assert path.read_bytes() == before  # and nothing was written

    clock.advance(days=1)
    code, text, shown = answer_all(path, clock, lambda q: True, topic=topic, seed=1)
    assert shown == [missed_id] and "1 card(s) to review (1 due, 0 new)" in text
    assert stored(path)[missed_id]["seen"] == 2

    # every card comes back on its own date, never before
    for _ in range(40):
        cards, _ = fc.load_cards(path, clock())
        nxt = min(c["fsrs"].due for c in cards.values())
        clock.now = nxt - dt.timedelta(minutes=1)
        assert "Nothing is due now" in run(path, "", clock, topic=topic)[1]
        clock.now = nxt
        code, text, shown = answer_all(path, clock, lambda q: True, topic=topic)
        assert shown and all(cards[i]["fsrs"].due <= nxt for i in shown)
    gaps = [fc.read_card(e, clock()) for e in stored(path).values()]
    assert all((g["fsrs"].due - g["fsrs"].last_review).days >= 10 for g in gaps)  # intervals have grown


def session_of(questions, path, stdin, now=START):
    out, cards = io.StringIO(), {}
    result = fc.run_session(questions, cards, path, now, 20, 10, random.Random(0), io.StringIO(stdin), out)
    return result, out.getvalue(), cards


def test_typed_letters_and_numbers_are_graded_by_the_tool(tmp_path):
    path = tmp_path / "cards.json"
    choice = next(q for q in BANK if q["kind"] == "choice" and q["topic"] == "gru")
    numeric = next(q for q in BANK if q["kind"] == "numeric" and q["topic"] == "gru")
    plan = [q["id"] for q in fc.plan_session([choice, numeric], {}, START, 20, 10, random.Random(0))]
    replies = {
        choice["id"]: ["maybe", "ABCD"[choice["correct"]].lower()],  # unreadable, then a lower-case letter
        numeric["id"]: ["lots", str(numeric["value"] + 1)],
    }  # unreadable, then a wrong number
    stdin = "\n".join(r for i in plan for r in replies[i]) + f"\n{numeric['value']}\n"  # the repeat at the end
    (known, missed), text, cards = session_of([choice, numeric], path, stdin)
    assert (known, missed) == (1, 1)
    assert "answer with a letter A-D, got 'maybe'" in text and "could not read 'lots' as a number" in text
    assert "✔ Correct." in text and f"✘ Not quite: you answered {numeric['value'] + 1}." in text
    saved = stored(path)
    assert saved[choice["id"]]["last"] == "known" and saved[numeric["id"]]["last"] == "missed"
    assert cards[numeric["id"]]["fsrs"].due - START == dt.timedelta(days=1)
    assert "It comes back tomorrow." not in text and "Good: it still comes back tomorrow" in text


def test_enter_on_a_graded_card_counts_as_missed_and_q_quits(tmp_path):
    path = tmp_path / "cards.json"
    code, text = run(path, "\nq\n", topic=["evaluation"], difficulty=["easy"], max_cards=3)
    assert code == 0 and "Not answered: it counts as missed." in text and "Stopped: 1 answer(s) saved" in text
    assert [c["last"] for c in stored(path).values()] == ["missed"]


def test_open_cards_show_the_rubric_and_follow_up_and_take_a_self_rating(tmp_path):
    q = BY_ID["found-dying-relu"]
    (known, missed), text, cards = session_of([q], tmp_path / "cards.json", "\nmaybe\n2\n")
    assert (known, missed) == (1, 0)
    assert "An interviewer listens for:" in text and "- Zero output and zero gradient" in text
    assert "Follow-up: How would you measure" in text
    assert "Please answer y, n, a digit 1-4, or q." in text
    hard = cards[q["id"]]["fsrs"]
    good = fc.review(fc.new_card(q["id"], START), Rating.Good, START)["fsrs"]
    assert START < hard.due <= good.due  # "2 = hard" schedules no later than "good"


def test_a_coding_card_runs_the_candidates_file_through_the_grader(tmp_path):
    q = BY_ID["code-softmax"]
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text("\n".join(q["solution"]) + "\n")
    bad.write_text("import numpy as np\ndef softmax(Z):\n    return np.exp(Z) / np.exp(Z).sum(axis=0)\n")
    assert fc._grade_file(q, str(good))[0] == Rating.Good
    rating, feedback = fc._grade_file(q, str(bad))
    assert rating == Rating.Again and "Not yet: the grader passed" in feedback and "hints:" in feedback
    with pytest.raises(ValueError, match="cannot read"):
        fc._grade_file(q, str(tmp_path / "missing.py"))
    out = io.StringIO()
    rating = fc.show_card(q, 1, 1, None, START, io.StringIO(f"{tmp_path / 'missing.py'}\n{good}\n"), out)
    assert rating == Rating.Good and "cannot read" in out.getvalue() and "Model solution" in out.getvalue()


def test_stats_per_topic(tmp_path):
    path, clock = tmp_path / "cards.json", Clock()
    gru = [q["id"] for q in BANK if q["topic"] == "gru"]
    answer_all(path, clock, lambda q: q["id"] != gru[0], topic=["gru"], new=3, seed=0)
    before = path.read_bytes()
    code, text = run(path, "", clock, topic=["gru", "gan"], stats=True)
    assert code == 0 and path.read_bytes() == before
    row = next(line for line in text.splitlines() if line.startswith("Gated recurrent units"))
    n = len(gru)
    seen = sum(1 for i in gru if i in stored(path))
    missed = sum(stored(path)[i]["last"] == "missed" for i in stored(path))
    # cards, seen, due now, new, correct share, weak, next due
    assert row.split()[3:8] == [str(n), str(seen), "0", str(n - seen), f"{round(100 * (seen - missed) / seen)}%"]
    assert row.split()[8] == str(missed) and row.split()[9] == "2027-03-02"
    gan = next(line for line in text.splitlines() if line.startswith("Generative adversarial"))
    assert gan.split()[-3:] == ["-", "0", "-"]
    clock.advance(days=1)
    row = next(
        line for line in run(path, "", clock, topic=["gru"], stats=True)[1].splitlines() if line.startswith("Gated")
    )
    assert row.split()[5] == str(missed)  # the missed cards are due now


def test_reset_asks_first_and_can_be_limited_to_topics(tmp_path):
    path, clock = tmp_path / "cards.json", Clock()
    answer_all(path, clock, lambda q: True, topic=["gru"], new=2)
    answer_all(path, clock, lambda q: True, topic=["gan"], new=2)
    assert len(stored(path)) == 4
    code, text = run(path, "no\n", clock, reset=True)
    assert code == 1 and "Nothing was erased." in text and len(stored(path)) == 4
    code, text = run(path, "yes\n", clock, reset=True, topic=["gan"])
    assert code == 0 and "Erased the progress of 2 card(s) (the selected cards)." in text
    assert {BY_ID[i]["topic"] for i in stored(path)} == {"gru"}
    code, text = run(path, "", clock, reset=True, yes=True)
    assert code == 0 and stored(path) == {}
    assert "Nothing to reset" in run(path, "", clock, reset=True, yes=True)[1]


# --- the learner's record is never lost or clobbered ----------------------------------------------------


def test_a_directory_as_progress_file_is_refused_and_left_alone(tmp_path, capsys):
    folder = tmp_path / "mydata"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    for kw in ({}, {"stats": True}, {"reset": True, "yes": True}):
        code, _ = run(folder, "A\n", **kw)
        assert code == 1
        assert "is a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydata"]  # not renamed, nothing created beside it
    assert (folder / "notes.txt").read_text() == "keep me"


def test_somebody_elses_json_file_is_never_moved_or_replaced(tmp_path, capsys):
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "dark", "cards": 3}\n')
    for kw in ({"stats": True}, {}, {"reset": True, "yes": True}):
        code, _ = run(path, "A\n", **kw)
        assert code == 1
        err = capsys.readouterr().err
        assert "not a dlfund flash-card record" in err and str(path) in err
    assert path.read_text() == '{"theme": "dark", "cards": 3}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_a_damaged_record_is_shown_read_only_then_kept_aside_on_the_next_answer(tmp_path, capsys):
    path = tmp_path / "cards.json"
    damaged = '{"version": 2, "cards": {"gru-params": {"seen": 3'
    path.write_text(damaged)
    code, text = run(path, "", stats=True, topic=["gru"])
    assert code == 0 and "damaged" in capsys.readouterr().err and path.read_text() == damaged
    capsys.readouterr()
    code, _, _ = answer_all(path, Clock(), lambda q: True, topic=["gru"], max_cards=1)
    assert code == 0
    err = capsys.readouterr().err
    assert "kept it as cards.json.corrupt-" in err
    backup = next(tmp_path.glob("cards.json.corrupt-*"))
    assert backup.read_text() == damaged
    assert len(stored(path)) == 1


def test_unreadable_entries_are_reported_and_left_in_the_file(tmp_path, capsys):
    path = tmp_path / "cards.json"
    good = fc.card_entry(fc.review(fc.new_card("gru-params", START), Rating.Good, START))
    path.write_text(json.dumps({"version": 2, "cards": {"gru-params": good, "gru-gates": {"box": "two"}}}))
    code, _ = run(path, "", stats=True, topic=["gru"])
    assert code == 0 and "1 card entry" in capsys.readouterr().err
    clock = Clock(START + dt.timedelta(days=30))
    answer_all(path, clock, lambda q: True, topic=["gru"], new=0)  # reviews gru-params only
    assert stored(path)["gru-gates"] == {"box": "two"}  # untouched


def test_a_version_one_record_keeps_its_counts(tmp_path):
    path = tmp_path / "cards.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "session": 7,
                "cards": {"gru-params": {"box": 3, "due": 9, "seen": 4, "known": 3, "missed": 1, "last": "known"}},
            }
        )
    )
    _, text = run(path, "", stats=True, topic=["gru"])
    row = next(line for line in text.splitlines() if line.startswith("Gated"))
    assert row.split()[4:8] == ["1", "1", str(sum(q["topic"] == "gru" for q in BANK) - 1), "75%"]
    answer_all(path, Clock(), lambda q: True, topic=["gru"], new=0)
    data = json.loads(path.read_text())
    assert data["version"] == 2 and "session" not in data and data["cards"]["gru-params"]["seen"] == 5


def test_an_unwritable_location_is_reported_without_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _ = run(blocker / "cards.json", "A\n", topic=["gan"])
    assert code == 1 and "error:" in capsys.readouterr().err


# --- the real command line ------------------------------------------------------------------------------


def _env(tmp_path, **extra):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", HOME=str(tmp_path / "home"))
    env.pop("DLFUND_HOME", None)
    env.update(extra)
    return env


def cli(tmp_path, *args, stdin="", env=None, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "dlfund", "quiz", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env or _env(tmp_path),
        timeout=timeout,
    )


def test_cli_help_lists_options(tmp_path):
    proc = cli(tmp_path, "--help")
    assert proc.returncode == 0
    for option in (
        "--topic",
        "--difficulty",
        "--progress-file",
        "--stats",
        "--reset",
        "--yes",
        "--seed",
        "--max-cards",
        "--new",
    ):
        assert option in proc.stdout


def test_cli_session_in_the_default_location(tmp_path):
    proc = cli(tmp_path, "--topic", "gan", "--difficulty", "hard", "--max-cards", "1", stdin="\ny\n")
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((tmp_path / "home" / ".dlfund" / "flashcards.json").read_text())
    assert saved["version"] == 2 and len(saved["cards"]) == 1
    home = tmp_path / "dl"
    proc = cli(tmp_path, "--topic", "gan", "--max-cards", "1", stdin="\ny\n", env=_env(tmp_path, DLFUND_HOME=str(home)))
    assert proc.returncode == 0 and (home / "flashcards.json").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--topic", "astrology"], "invalid choice"),
        (["--difficulty", "extreme"], "invalid choice"),
        (["--max-cards", "0"], "must be at least 1"),
        (["--new", "-1"], "must be at least 0"),
        (["--max-cards", "two"], "expected a whole number"),
        (["--seed", "abc"], "invalid int value"),
    ],
)
def test_cli_bad_arguments(tmp_path, args, message):
    proc = cli(tmp_path, *args, "--progress-file", str(tmp_path / "p.json"))
    assert proc.returncode == 2 and message in proc.stderr
    assert not (tmp_path / "p.json").exists()


class _Reader(threading.Thread):
    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.text = stream, ""

    def run(self):
        for chunk in iter(lambda: self.stream.read(1), ""):
            self.text += chunk

    def wait_for(self, fragment, count=1, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if self.text.count(fragment) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"did not see {fragment!r} x{count} in:\n{self.text}")


def test_cli_ctrl_c_keeps_the_answers_and_exits_130(tmp_path):
    path = tmp_path / "cards.json"
    # A suite started in the background of a non-interactive shell inherits SIGINT as ignored: restore it.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dlfund",
            "quiz",
            "--topic",
            "attention",
            "--difficulty",
            "hard",
            "--seed",
            "2",
            "--progress-file",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    reader = _Reader(proc.stdout)
    reader.start()
    try:
        reader.wait_for("Card 1 of")
        reader.wait_for("quits): ")
        first_is_open = "Press Enter" in reader.text
        proc.stdin.write("\ny\n" if first_is_open else "\n")
        proc.stdin.flush()
        reader.wait_for("Card 2 of")
        reader.wait_for("quits): ", count=3 if first_is_open else 2)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    stderr = proc.stderr.read()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: 1 answer(s) saved" in reader.text
    assert len(json.loads(path.read_text())["cards"]) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
