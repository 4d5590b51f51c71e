"""The set-up itself: the locks cover the loose inputs, and the Makefile's install rule works
as root, through sudo, or says clearly that it cannot — tested by running the rule with stub
commands, not only on a machine that happens to have Chromium already."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _pins(lock):
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = Version(m.group(2))
    return pins


def _loose(path):
    reqs = []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            reqs.append(Requirement(line))
    return reqs


def _project_deps():
    import tomllib

    return [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]


@pytest.mark.parametrize(
    "lock, inputs",
    [
        ("requirements.lock", ["requirements.txt"]),
        ("requirements-dev.lock", ["requirements.txt", "requirements-dev.txt"]),
    ],
)
def test_lock_pins_every_loose_requirement_within_its_range(lock, inputs):
    pins = _pins(lock)
    reqs = _project_deps() + [r for f in inputs for r in _loose(f)]
    missing = [str(r) for r in reqs if r.name.lower() not in pins]
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    outside = [
        f"{r} (locked {pins[r.name.lower()]})"
        for r in reqs
        if not r.specifier.contains(pins[r.name.lower()], prereleases=True)
    ]
    assert not outside, f"{lock} pins versions outside the ranges: {outside}; run `make lock`"


def test_dev_lock_agrees_with_the_book_lock():
    book, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    differ = {name: (str(v), str(dev[name])) for name, v in book.items() if name in dev and dev[name] != v}
    assert not differ, f"the two locks disagree: {differ}; run `make lock`"
    assert set(book) <= set(dev)


def test_book_lock_has_no_torch():
    assert "torch" not in _pins("requirements.lock")


# -- the Makefile's install rule, run with stub commands -------------------------------------------


def _stub(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _run_chromium_rule(tmp_path, uid, with_sudo, installed=False, rule="chromium", command="chromium"):
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "log"
    for tool in ("env", "sh", "chmod"):
        os.symlink(shutil.which(tool), stubs / tool)
    _stub(stubs, "id", f"echo {uid}\n")
    # apt-get records how it was called; `install` makes the command appear, as the real one would
    _stub(
        stubs,
        "apt-get",
        f'echo "apt-get $* DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}} uid=$SUDO_UID" >> {log}\n'
        f'case "$1" in install) printf "#!/bin/sh\\n" > {stubs}/{command}; '
        f"chmod +x {stubs}/{command};; esac\n",
    )
    if with_sudo:
        _stub(stubs, "sudo", 'SUDO_UID=0 exec "$@"\n')
    if installed:
        _stub(stubs, command, "")
    env = {"PATH": str(stubs), "HOME": str(tmp_path)}
    make = shutil.which("make")
    done = subprocess.run([make, "-s", "-C", str(ROOT), rule], env=env, capture_output=True, text=True)
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


def test_rule_installs_as_root_without_sudo(tmp_path):
    done, calls = _run_chromium_rule(tmp_path, uid=0, with_sudo=False)
    assert done.returncode == 0, done.stderr
    assert calls == [
        "apt-get update -qq DEBIAN_FRONTEND= uid=",
        "apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive uid=",
    ]


def test_rule_uses_sudo_when_not_root(tmp_path):
    done, calls = _run_chromium_rule(tmp_path, uid=1000, with_sudo=True)
    assert done.returncode == 0, done.stderr
    assert calls == [
        "apt-get update -qq DEBIAN_FRONTEND= uid=0",
        "apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive uid=0",
    ]


def test_rule_explains_when_neither_root_nor_sudo(tmp_path):
    done, calls = _run_chromium_rule(tmp_path, uid=1000, with_sudo=False)
    assert done.returncode != 0 and calls == []
    assert "chromium is missing" in done.stderr and "no sudo" in done.stderr


def test_rule_does_nothing_when_already_installed(tmp_path):
    done, calls = _run_chromium_rule(tmp_path, uid=0, with_sudo=False, installed=True)
    assert done.returncode == 0 and calls == []


def test_bubblewrap_rule_installs_the_grading_sandbox_and_make_test_needs_it(tmp_path):
    done, calls = _run_chromium_rule(tmp_path, uid=0, with_sudo=False, rule="bubblewrap", command="bwrap")
    assert done.returncode == 0, done.stderr
    assert calls == [
        "apt-get update -qq DEBIAN_FRONTEND= uid=",
        "apt-get install -y -qq bubblewrap DEBIAN_FRONTEND=noninteractive uid=",
    ]
    test_rule = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("test:"))
    assert "bubblewrap" in test_rule.split()
