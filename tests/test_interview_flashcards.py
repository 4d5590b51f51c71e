"""Flash cards: Leitner scheduling and the progress file, then the real command line in a subprocess."""
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from argparse import Namespace
from pathlib import Path

import pytest

from dlfund.interview import flashcards as fc
from dlfund.interview.bank import load_bank

REPO = Path(__file__).resolve().parents[1]
BANK = load_bank()


# --- scheduling and storage (in process) ----------------------------------------------------------

def test_known_cards_climb_the_boxes_and_come_back_later():
    state = fc.new_state()
    state["session"] = 1
    card = fc.record_answer(state, "a", knew=True)
    assert (card["box"], card["due"], card["seen"], card["known"]) == (2, 3, 1, 1)
    for session, box, due in [(3, 3, 7), (7, 4, 15), (15, 5, 31), (31, 5, 47)]:
        state["session"] = session
        card = fc.record_answer(state, "a", knew=True)
        assert (card["box"], card["due"]) == (box, due)
    assert card["last"] == "known"


def test_missed_cards_drop_to_box_one_and_come_back_next_session():
    state = fc.new_state()
    state["session"] = 5
    state["cards"]["a"] = {"box": 4, "due": 5, "seen": 3, "known": 3, "missed": 0}
    card = fc.record_answer(state, "a", knew=False)
    assert (card["box"], card["due"], card["missed"], card["last"]) == (1, 6, 1, "missed")


def test_due_cards_put_missed_and_low_boxes_first_then_new_cards():
    qs = [{"id": i} for i in ("new1", "low", "high", "later", "new2")]
    state = {"version": 1, "session": 4, "cards": {
        "high": {"box": 3, "due": 4, "seen": 2, "known": 2, "missed": 0},
        "low": {"box": 1, "due": 4, "seen": 1, "known": 0, "missed": 1},
        "later": {"box": 2, "due": 6, "seen": 1, "known": 1, "missed": 0}}}
    import random

    order = [q["id"] for q in fc.due_cards(state, qs, random.Random(0))]
    assert order[:2] == ["low", "high"] and sorted(order[2:]) == ["new1", "new2"] and "later" not in order


def test_progress_round_trip_and_atomic_write(tmp_path):
    path = tmp_path / "sub" / "progress.json"
    assert fc.load_progress(path) == fc.new_state()
    state = fc.new_state()
    state["session"] = 2
    fc.record_answer(state, "cnn-params", knew=True)
    fc.save_progress(path, state)
    assert fc.load_progress(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["progress.json"]  # no temporary files left


def test_failed_write_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "progress.json"
    good = fc.new_state()
    fc.save_progress(path, good)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        fc.save_progress(path, {"cards": {"x": object()}})  # not JSON-serialisable, fails mid-write
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]


def test_corrupt_file_is_backed_up_and_replaced(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{ this is not json")
    messages = []
    state = fc.load_progress(path, warn=messages.append)
    assert state == fc.new_state()
    backups = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{ this is not json"
    assert "could not be read" in messages[0] and str(backups[0]) in messages[0]
    assert json.loads(path.read_text()) == fc.new_state()  # a valid file is in place again


def test_damaged_entries_are_dropped_but_good_ones_kept(tmp_path):
    path = tmp_path / "progress.json"
    original = {"version": 1, "session": 3, "cards": {
        "cnn-params": {"box": 3, "due": 7, "seen": 2, "known": 2, "missed": 0, "last": "known"},
        "bad-box": {"box": 9, "due": 1, "seen": 1, "known": 1, "missed": 0},
        "bad-type": {"box": "2", "due": 1, "seen": 1, "known": 1, "missed": 0},
        "not-a-dict": 5}}
    path.write_text(json.dumps(original))
    messages = []
    state = fc.load_progress(path, warn=messages.append)
    assert state["session"] == 3 and list(state["cards"]) == ["cnn-params"]
    assert state["cards"]["cnn-params"]["box"] == 3
    assert "3 of 4 card entries are invalid" in messages[0] and "recovered 1 card" in messages[0]
    backup = next(tmp_path.glob("progress.json.corrupt-*"))
    assert json.loads(backup.read_text()) == original


@pytest.mark.parametrize("data, session", [
    ({"cards": {}}, 0),
    ({"session": -1, "cards": {"x": {"box": 2, "due": 5, "seen": 1, "known": 1, "missed": 0}}}, 4),
    ([1, 2, 3], 0),
    ({"version": 99, "session": 1, "cards": {}}, 1),
])
def test_other_damage_is_repaired(tmp_path, data, session):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    messages = []
    state = fc.load_progress(path, warn=messages.append)
    assert state["session"] == session and messages and list(tmp_path.glob("p.json.corrupt-*"))


def test_backups_never_overwrite_each_other(tmp_path):
    path = tmp_path / "p.json"
    for _ in range(3):
        path.write_text("garbage")
        fc.load_progress(path, warn=lambda m: None)
    assert len(list(tmp_path.glob("p.json.corrupt-*"))) == 3


def test_default_progress_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "home"))
    assert fc.default_progress_file() == tmp_path / "home" / "flashcards.json"
    monkeypatch.delenv("DLFUND_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fc.default_progress_file() == tmp_path / ".dlfund" / "flashcards.json"


def _args(**kw):
    base = dict(topic=None, difficulty=None, progress_file=None, stats=False, seed=0, max_cards=20)
    base.update(kw)
    return Namespace(**base)


def test_run_in_process_with_fake_terminal(tmp_path):
    path = tmp_path / "p.json"
    out = io.StringIO()
    code = fc.run(_args(topic=["gru"], progress_file=str(path), max_cards=2),
                  stdin=io.StringIO("\ny\n\nmaybe\nn\n\nn\n"), stdout=out)
    text = out.getvalue()
    assert code == 0
    assert "Please answer y (yes), n (no) or q (quit)." in text
    assert "Session done: 1 known, 1 missed." in text
    assert text.count("Card ") == 3  # two cards and the repeat of the missed one
    cards = json.loads(path.read_text())["cards"]
    assert sorted(c["box"] for c in cards.values()) == [1, 2]


def test_stats_table(tmp_path):
    state = fc.new_state()
    state["session"] = 1
    fc.record_answer(state, "gru-params", knew=True)
    fc.record_answer(state, "gru-gates", knew=False)
    qs = [q for q in BANK if q["topic"] in ("gru", "gan")]
    table = fc.format_stats(qs, state)
    gru = next(line for line in table.splitlines() if line.startswith("Gated recurrent units"))
    n_gru = sum(q["topic"] == "gru" for q in BANK)
    # cards, seen, box1..box5, known %, due next session (the missed card and the unseen ones)
    assert gru.split()[3:] == [str(n_gru), "2", "1", "1", "0", "0", "0", "50%", str(n_gru - 1)]
    assert next(line for line in table.splitlines() if line.startswith("Generative adversarial")).split()[-2] == "-"


# --- the real command line --------------------------------------------------------------------------

def _env(tmp_path, **extra):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", HOME=str(tmp_path / "home"))
    env.pop("DLFUND_HOME", None)
    env.update(extra)
    return env


def cli(tmp_path, *args, stdin="", env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "dlfund", "quiz", *args], input=stdin, capture_output=True,
                          text=True, cwd=tmp_path, env=env or _env(tmp_path), timeout=timeout)


def test_cli_help_lists_options(tmp_path):
    top = subprocess.run([sys.executable, "-m", "dlfund", "--help"], capture_output=True, text=True,
                         env=_env(tmp_path), timeout=60)
    assert "quiz" in top.stdout
    proc = cli(tmp_path, "--help")
    assert proc.returncode == 0
    for option in ("--topic", "--difficulty", "--progress-file", "--stats", "--seed", "--max-cards"):
        assert option in proc.stdout


def test_cli_session_saves_boxes_and_missed_cards_come_back_first(tmp_path):
    path = tmp_path / "progress.json"
    first = cli(tmp_path, "--topic", "cnn", "--seed", "3", "--max-cards", "2", "--progress-file", str(path),
                stdin="\ny\n\nn\n\nn\n")
    assert first.returncode == 0, first.stderr
    assert "Session 1: 2 card(s) to review" in first.stdout
    assert "Session done: 1 known, 1 missed." in first.stdout
    assert "Card 3 of 3" in first.stdout  # the missed card once more at the end
    state = json.loads(path.read_text())
    assert state["session"] == 1 and len(state["cards"]) == 2
    known_id = next(k for k, c in state["cards"].items() if c["last"] == "known")
    missed_id = next(k for k, c in state["cards"].items() if c["last"] == "missed")
    assert state["cards"][known_id] | {} == {"box": 2, "due": 3, "seen": 1, "known": 1, "missed": 0, "last": "known"}
    assert state["cards"][missed_id]["box"] == 1 and state["cards"][missed_id]["due"] == 2

    # next session: the missed card is due and comes first; the known one rests until session 3
    second = cli(tmp_path, "--topic", "cnn", "--seed", "3", "--max-cards", "3", "--progress-file", str(path),
                 stdin="\ny\n\ny\n\ny\n")
    assert second.returncode == 0, second.stderr
    questions = {q["id"]: q for q in BANK}
    first_card = second.stdout.split("Card 1 of")[1].split("Press Enter")[0]
    assert " box 1" in first_card
    assert " ".join(questions[missed_id]["question"].split()[:4]) in " ".join(first_card.split())
    state = json.loads(path.read_text())
    assert state["session"] == 2
    assert state["cards"][missed_id]["box"] == 2 and state["cards"][known_id]["seen"] == 1


def test_cli_seed_gives_a_reproducible_order(tmp_path):
    runs = [cli(tmp_path, "--seed", "11", "--max-cards", "1", "--progress-file", str(tmp_path / f"p{i}.json"),
                stdin="q\n") for i in range(2)]
    assert runs[0].stdout.replace("p0.json", "p.json") == runs[1].stdout.replace("p1.json", "p.json")


def test_cli_eof_before_any_answer_changes_nothing(tmp_path):
    path = tmp_path / "progress.json"
    state = fc.new_state()
    state["session"] = 4
    fc.record_answer(state, "cnn-params", knew=True)
    fc.save_progress(path, state)
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "dlfund", "quiz", "--progress-file", str(path)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "End of input: no card was answered, nothing changed." in proc.stdout
    assert path.read_bytes() == before


def test_cli_eof_mid_session_keeps_the_answers_so_far(tmp_path):
    path = tmp_path / "progress.json"
    proc = cli(tmp_path, "--topic", "vae", "--seed", "1", "--progress-file", str(path), stdin="\ny\n\n")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "End of input: 1 card(s) reviewed this session." in proc.stdout
    state = json.loads(path.read_text())
    assert [c["box"] for c in state["cards"].values()] == [2]


def test_cli_quit_key(tmp_path):
    path = tmp_path / "progress.json"
    proc = cli(tmp_path, "--topic", "gan", "--progress-file", str(path), stdin="\nn\nq\n")
    assert proc.returncode == 0 and "Stopped: 1 card(s) reviewed this session." in proc.stdout
    assert json.loads(path.read_text())["cards"].popitem()[1]["box"] == 1


class _Reader(threading.Thread):
    """Collects a process's stdout in the background so the test can wait for a prompt."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.text, self.lock = stream, "", threading.Lock()

    def run(self):
        for chunk in iter(lambda: self.stream.read(1), ""):
            with self.lock:
                self.text += chunk

    def wait_for(self, fragment, count=1, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.text.count(fragment) >= count:
                    return
            time.sleep(0.05)
        raise AssertionError(f"did not see {fragment!r} x{count} in:\n{self.text}")


def test_cli_ctrl_c_saves_progress_and_exits_130(tmp_path):
    path = tmp_path / "progress.json"
    # A suite started in the background of a non-interactive shell (`make pytest &`) inherits SIGINT
    # as ignored, and Python then installs no KeyboardInterrupt handler: give the child the default.
    proc = subprocess.Popen([sys.executable, "-m", "dlfund", "quiz", "--topic", "attention", "--seed", "2",
                             "--progress-file", str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(tmp_path),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    reader = _Reader(proc.stdout)
    reader.start()
    try:
        reader.wait_for("Press Enter to show the answer")
        proc.stdin.write("\ny\n")
        proc.stdin.flush()
        reader.wait_for("Press Enter to show the answer", count=2)  # waiting on the second card
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    stderr = proc.stderr.read()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: 1 card(s) reviewed this session." in reader.text
    state = json.loads(path.read_text())
    assert state["session"] == 1 and [c["box"] for c in state["cards"].values()] == [2]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".progress")] == []  # no temp file left


def test_cli_recovers_from_a_corrupt_progress_file(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"version": 1, "session": 2, "cards": {"gru-params": {"box": 4, "due": 99')  # truncated
    proc = cli(tmp_path, "--topic", "gru", "--max-cards", "1", "--seed", "0", "--progress-file", str(path),
               stdin="\ny\n")
    assert proc.returncode == 0, proc.stderr
    assert "could not be read" in proc.stderr and ".corrupt-" in proc.stderr
    backup = next(tmp_path.glob("progress.json.corrupt-*"))
    assert backup.read_text().endswith('"due": 99')
    state = json.loads(path.read_text())
    assert state["session"] == 1 and len(state["cards"]) == 1


def test_cli_keeps_readable_cards_of_a_damaged_file(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"version": 1, "session": 2, "cards": {
        "gru-params": {"box": 4, "due": 99, "seen": 3, "known": 3, "missed": 0},
        "gru-gates": {"box": "two"}}}))
    proc = cli(tmp_path, "--topic", "gru", "--stats", "--progress-file", str(path))
    assert proc.returncode == 0 and "recovered 1 card(s)" in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("Gated recurrent units"))
    assert row.split()[4:10] == ["1", "0", "0", "0", "1", "0"]  # seen 1, in box 4


def test_cli_stats_does_not_change_the_file(tmp_path):
    path = tmp_path / "progress.json"
    cli(tmp_path, "--topic", "embeddings", "--max-cards", "2", "--progress-file", str(path), stdin="\ny\n\ny\n")
    before = path.read_bytes()
    proc = cli(tmp_path, "--stats", "--progress-file", str(path))
    assert proc.returncode == 0
    assert "Sessions so far: 1." in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if line.startswith("Embeddings"))
    assert row.split()[1:4] == ["6", "2", "0"] and row.split()[-2] == "100%"
    assert path.read_bytes() == before


def test_cli_uses_dlfund_home(tmp_path):
    home = tmp_path / "dl"
    proc = cli(tmp_path, "--topic", "gan", "--max-cards", "1", stdin="\ny\n", env=_env(tmp_path, DLFUND_HOME=str(home)))
    assert proc.returncode == 0
    assert json.loads((home / "flashcards.json").read_text())["session"] == 1
    assert not (tmp_path / "home" / ".dlfund").exists()


def test_cli_default_location_is_in_the_home_folder(tmp_path):
    proc = cli(tmp_path, "--topic", "gan", "--max-cards", "1", stdin="\nn\n\nn\n")
    assert proc.returncode == 0
    assert json.loads((tmp_path / "home" / ".dlfund" / "flashcards.json").read_text())["session"] == 1


def test_cli_nothing_due(tmp_path):
    path = tmp_path / "progress.json"
    cli(tmp_path, "--topic", "gru", "--progress-file", str(path), stdin="\ny\n" * 6)
    proc = cli(tmp_path, "--topic", "gru", "--progress-file", str(path))
    assert proc.returncode == 0
    assert "Nothing is due in this session. The next cards are due in 1 session(s)." in proc.stdout
    assert json.loads(path.read_text())["session"] == 2


@pytest.mark.parametrize("args, message", [
    (["--topic", "astrology"], "invalid choice"),
    (["--difficulty", "extreme"], "invalid choice"),
    (["--max-cards", "0"], "--max-cards must be at least 1"),
    (["--seed", "abc"], "invalid int value"),
])
def test_cli_bad_arguments(tmp_path, args, message):
    proc = cli(tmp_path, *args, "--progress-file", str(tmp_path / "p.json"))
    assert proc.returncode == 2 and message in proc.stderr
    assert not (tmp_path / "p.json").exists()


def test_cli_unusable_progress_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = cli(tmp_path, "--topic", "gan", "--progress-file", str(blocker / "p.json"), stdin="\ny\n")
    assert proc.returncode == 1 and "cannot use the progress file" in proc.stderr and "Traceback" not in proc.stderr
