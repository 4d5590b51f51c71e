"""`python -m dlfund grade` checks every option before grading anything: a teacher's bad option
ends with exit code 2 and one line naming the option, the expected and the received value, and
never reaches a student's score."""

import pytest

from dlfund.cli import main as cli_main

# (arguments after the submission; or a whole argument list with {nb}, {folder}, {file}, {out}), words
BAD = [
    (["{tmp}/missing.ipynb", "--out", "{out}"], ["no such file or folder", "missing.ipynb"]),
    (["{tmp}/submisions", "--out", "{out}"], ["no such file or folder", "submisions"]),
    (["{empty}", "--out", "{out}"], ["no notebooks", "empty"]),
    (["{file}", "--out", "{out}"], ["not a notebook", "notes.txt"]),
    (["{nb}", "--out", "{file}"], ["notes.txt", "is a file", "--out needs a folder"]),
    (["{nb}", "--out", "{file}/sub"], ["cannot create the folder"]),
    (["{nb}", "--out", "{out}", "--time-limit", "0"], ["--time-limit", "expected a number > 0 s", "'0'"]),
    (["{nb}", "--out", "{out}", "--time-limit", "-5"], ["--time-limit", "> 0 s", "'-5'"]),
    (["{nb}", "--out", "{out}", "--cpu-limit", "0"], ["--cpu-limit", "expected an integer >= 1 s", "'0'"]),
    (["{nb}", "--out", "{out}", "--cpu-limit", "1.5"], ["--cpu-limit", "expected an integer", "'1.5'"]),
    (["{nb}", "--out", "{out}", "--memory-limit", "0"], ["--memory-limit", ">= 256 MB", "'0'"]),
    (["{nb}", "--out", "{out}", "--memory-limit", "100"], ["--memory-limit", ">= 256 MB", "'100'"]),
    (["{nb}", "--out", "{out}", "--call-timeout", "-1"], ["--call-timeout", "> 0 s", "'-1'"]),
    (["{nb}", "--out", "{out}", "--call-timeout", "0"], ["--call-timeout", "> 0 s", "'0'"]),
    (["{nb}", "--out", "{out}", "--call-timeout", "nan"], ["--call-timeout", "'nan'"]),
    (["{nb}", "--out", "{out}", "--cell-timeout", "inf"], ["--cell-timeout", "'inf'"]),
    (["{nb}", "--out", "{out}", "--jobs", "-1"], ["--jobs", "expected an integer >= 1", "'-1'"]),
    (["{nb}", "--out", "{out}", "--jobs", "0"], ["--jobs", ">= 1", "'0'"]),
    (["{nb}", "--out", "{out}", "--jobs", "two"], ["--jobs", "expected an integer", "'two'"]),
    (
        ["{nb}", "--out", "{out}", "--chapter", "99"],
        ["--chapter", "unknown chapter '99'", "chapters with exercises: 2"],
    ),
    (["{nb}", "--out", "{out}", "--chapter", "two"], ["--chapter", "unknown chapter 'two'"]),
    (["{nb}", "--out", "{out}", "--max-processes", "1"], ["--max-processes", ">= 4", "'1'"]),
    (["{nb}", "--out", "{out}", "--isolation", "docker"], ["--isolation", "invalid choice", "'docker'"]),
    (["{nb}"], ["--out", "required"]),
]


@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a[1:]) or a[0] for a, _ in BAD])
def test_bad_options_exit_2_with_one_line(argv, words, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    nb = tmp_path / "sub.ipynb"
    nb.write_text("{}")
    note = tmp_path / "notes.txt"
    note.write_text("not a notebook")
    out = tmp_path / "out"
    fill = {"tmp": str(tmp_path), "empty": str(tmp_path / "empty"), "nb": str(nb), "file": str(note), "out": str(out)}
    with pytest.raises(SystemExit) as exc:
        cli_main(["grade"] + [a.format(**fill) for a in argv])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.count("\n") == 1 and "grade: error:" in err, err
    for w in words:
        assert w in err, (w, err)
    assert not out.exists()  # nothing was graded, nothing written
