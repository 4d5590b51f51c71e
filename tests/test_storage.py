"""The one file policy: atomic writes, locked updates, damaged files kept, foreign files untouched."""

import json
import multiprocessing as mp

import pytest

from dlfund import storage


def _empty():
    return {"kind": "test", "n": 0}


def _ours(data):
    return isinstance(data, dict) and data.get("kind") == "test"


def _bump(data):
    data["n"] += 1
    return data["n"]


def test_missing_file_reads_as_default(tmp_path):
    assert storage.read_json(tmp_path / "r.json", _empty) == (_empty(), None)


def test_update_writes_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "sub" / "r.json"
    assert storage.update_json(path, _empty, _bump, accept=_ours) == (1, None)
    assert storage.update_json(path, _empty, _bump, accept=_ours) == (2, None)
    assert json.loads(path.read_text())["n"] == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.json", "r.json.lock"]


def test_damaged_file_is_reported_then_kept_aside(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"kind": "test", "n": 4')  # truncated
    data, notice = storage.read_json(path, _empty, what="record", accept=_ours)
    assert data == _empty() and "damaged" in notice
    assert path.read_text() == '{"kind": "test", "n": 4'  # reading moves nothing
    result, notice = storage.update_json(path, _empty, _bump, what="record", accept=_ours)
    assert result == 1 and "kept it as r.json.corrupt-" in notice
    [backup] = tmp_path.glob("r.json.corrupt-*")
    assert backup.read_text() == '{"kind": "test", "n": 4'


@pytest.mark.parametrize("content", ['{"something": "else"}', "[1, 2, 3]"])
def test_foreign_json_is_never_touched(tmp_path, content):
    path = tmp_path / "notes.json"
    path.write_text(content)
    for call in (
        lambda: storage.read_json(path, _empty, "record", _ours),
        lambda: storage.update_json(path, _empty, _bump, "record", _ours),
    ):
        with pytest.raises(storage.StorageError, match="not a dlfund record.*left untouched"):
            call()
    assert path.read_text() == content
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_directory_at_the_path_is_refused(tmp_path):
    with pytest.raises(storage.StorageError, match="is a directory"):
        storage.update_json(tmp_path, _empty, _bump)
    assert tmp_path.is_dir()


def test_path_below_a_file_raises_naming_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(storage.StorageError, match="cannot write file .*r.json"):
        storage.write_json(blocker / "r.json", {})


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "r.json"
    storage.write_json(path, {"kind": "test", "n": 1})
    with pytest.raises(TypeError):
        storage.write_json(path, {"kind": object()})
    assert json.loads(path.read_text()) == {"kind": "test", "n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def _worker(path, count):
    for _ in range(count):
        storage.update_json(path, _empty, _bump, accept=_ours)


def test_concurrent_updates_are_never_lost(tmp_path):
    path = tmp_path / "r.json"
    procs = [mp.get_context("spawn").Process(target=_worker, args=(path, 25)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert json.loads(path.read_text())["n"] == 75


def test_a_file_where_the_folder_should_be_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(storage.StorageError, match="cannot write record .*r.json"):
        storage.update_json(blocker / "sub" / "r.json", _empty, _bump, what="record")


def test_an_error_inside_the_change_is_not_disguised(tmp_path):
    def fails(data):
        raise PermissionError("raised by the change itself")

    with pytest.raises(PermissionError, match="raised by the change itself") as info:
        storage.update_json(tmp_path / "r.json", _empty, fails)
    assert not isinstance(info.value, storage.StorageError)
    assert not (tmp_path / "r.json").exists()


def test_stale_temporaries_are_removed_by_the_next_update(tmp_path):
    import os
    import time

    path = tmp_path / "r.json"
    stale, fresh, other = (tmp_path / n for n in (".r.json.a1.tmp", ".r.json.b2.tmp", ".other.json.c3.tmp"))
    for f in (stale, fresh, other):
        f.write_text("{")
    old = time.time() - 2 * storage.STALE_SECONDS
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    storage.update_json(path, _empty, _bump)
    assert not stale.exists() and fresh.exists() and other.exists()  # only this record's old temporaries


def _write_set(version, fail_after=None):
    def write(stage):
        (stage / "notes").mkdir()
        (stage / "notes" / f"v{version}.txt").write_text(version)
        if fail_after == "notes":
            raise OSError(28, "No space left on device")
        (stage / "table.csv").write_text(f"version,{version}\n")
        return ["notes", "table.csv"]

    return write


def test_replace_files_swaps_a_set_of_files_and_folders_whole(tmp_path):
    storage.replace_files(tmp_path, _write_set("1"), "the results")
    storage.replace_files(tmp_path, _write_set("2"), "the results")
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["v2.txt"]  # the old folder is gone, not merged
    assert (tmp_path / "table.csv").read_text() == "version,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "table.csv"]  # no staging folder left


def test_replace_files_interrupted_leaves_the_previous_set(tmp_path):
    storage.replace_files(tmp_path, _write_set("1"), "the results")
    with pytest.raises(storage.StorageError, match=r"cannot write the results into .*No space left"):
        storage.replace_files(tmp_path, _write_set("2", fail_after="notes"), "the results")
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["v1.txt"]
    assert (tmp_path / "table.csv").read_text() == "version,1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "table.csv"]
