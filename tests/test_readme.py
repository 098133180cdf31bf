"""The README's commands, run, print what the README shows (issue 22, item 7).

Every ``$ modelcollapse ...`` line of a ``text``/``console`` block is run from the repository
root and its output compared with the lines the README prints under it: line by line, trailing
spaces ignored; a line ``...`` ends the comparison (the rest is elided) and ``[...]`` inside a line
stands for any text. Commands printed with no output must succeed. The ``>>>`` examples run as
doctests; the ``bash`` blocks' commands must exit 0. A command with Monte Carlo behind it is slow.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHILD_ENV

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SLOW_WORDS = ("verify", "simulate", "--simulate", "report")


def _blocks(*languages):
    return [m.group(2) for m in re.finditer(r"^```(\w*)\n(.*?)^```", README, re.S | re.M) if m.group(1) in languages]


def _shown_commands():
    """``(command, expected lines)`` of every ``$ `` line of the text/console blocks."""
    out = []
    for block in _blocks("text", "console"):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                current = (line[2:].split("  #")[0].strip(), [])
                out.append(current)
            elif current is not None:
                current[1].append(line)
    return out


def _listed_commands():
    """The ``modelcollapse`` commands of the bash blocks (continuation lines joined, comments dropped)."""
    out = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("modelcollapse ") and "report" not in line.split()[1:2]:
                out.append(line)
    return out


def _marks(command):
    return [pytest.mark.slow] if any(word in command.split() for word in SLOW_WORDS) else []


def _run(command, cwd):
    words = shlex.split(command.split("&&")[0])
    assert words[0] == "modelcollapse"
    env = {**CHILD_ENV, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "modelcollapse.derivations.cli", *words[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _matches(expected: str, got: str) -> bool:
    pattern = ".*".join(map(re.escape, expected.rstrip().split("[...]")))
    return re.fullmatch(pattern, got.rstrip()) is not None


def _cwd(command, tmp_path):
    """The repository root, or a scratch copy of its paths for a command that writes files."""
    if "--out" not in command.split():
        return ROOT
    os.symlink(ROOT / "derivations", tmp_path / "derivations")
    return tmp_path


SHOWN = _shown_commands()
LISTED = _listed_commands()


def test_the_readme_shows_commands_and_their_output():
    assert len(SHOWN) >= 8 and sum(bool(lines) for _, lines in SHOWN) >= 5
    assert len(LISTED) >= 4


@pytest.mark.parametrize("command,expected", [pytest.param(c, e, marks=_marks(c), id=c) for c, e in SHOWN])
def test_a_shown_command_prints_what_the_readme_shows(tmp_path, command, expected):
    result = _run(command, _cwd(command, tmp_path))
    assert result.returncode == 0, result.stderr
    got = result.stdout.splitlines()
    for i, line in enumerate(expected):
        if line.strip() == "...":
            return
        assert i < len(got), f"{command}: the README shows more lines than it prints:\n{result.stdout}"
        assert _matches(line, got[i]), f"{command}: line {i + 1}\n  README: {line!r}\n  prints: {got[i]!r}"
    if expected:
        assert len(got) == len(expected), f"{command}: prints more lines than the README shows:\n{result.stdout}"


@pytest.mark.parametrize("command", [pytest.param(c, marks=_marks(c), id=c) for c in LISTED])
def test_a_listed_command_succeeds(tmp_path, command):
    result = _run(command, _cwd(command, tmp_path))
    assert result.returncode == 0, result.stderr


def test_the_python_examples_run_as_shown():
    examples = [b for b in _blocks("python") if b.lstrip().startswith(">>>")]
    assert examples
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, text in enumerate(examples):
        runner.run(parser.get_doctest(text, {}, f"README[{i}]", "README.md", 0))
    assert runner.summarize(verbose=False).failed == 0
