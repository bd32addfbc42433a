"""Progress bars: drawn on a terminal, absent from logs and CI, free when absent."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common import progress as progress_module
from common.progress import progress, progress_bar, progress_enabled

REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch):
    """Makes standard error a terminal, outside CI, with no override; returns the stream.

    Called inside the test: pytest's capture puts its own sys.stderr back after fixtures run.
    """

    def install() -> Terminal:
        stream = Terminal()
        monkeypatch.setattr(sys, "stderr", stream)
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.delenv("TRACKER_PROGRESS", raising=False)
        return stream

    return install


def test_a_terminal_outside_ci_gets_a_bar(terminal):
    terminal = terminal()
    assert progress_enabled()
    items = list(progress(range(5), total=5, desc="extract", unit="doc"))
    assert items == [0, 1, 2, 3, 4]
    assert "extract" in terminal.getvalue() and "5/5" in terminal.getvalue()


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_ci_gets_no_bar_even_on_a_terminal(terminal, monkeypatch, ci):
    terminal = terminal()
    monkeypatch.setenv("CI", ci)
    items = [1, 2, 3]
    assert progress(items) is items
    assert terminal.getvalue() == ""


def test_ci_false_is_not_ci(terminal, monkeypatch):
    terminal()
    monkeypatch.setenv("CI", "false")
    assert progress_enabled()


def test_a_pipe_or_a_log_file_gets_no_bar(monkeypatch):
    monkeypatch.delenv("TRACKER_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    items = iter([1, 2])
    assert progress(items) is items  # the very iterator: nothing wrapped, nothing drawn


def test_tracker_progress_forces_bars_on_or_off(terminal, monkeypatch):
    terminal()
    monkeypatch.setenv("TRACKER_PROGRESS", "0")
    assert not progress_enabled()
    monkeypatch.setenv("TRACKER_PROGRESS", "1")
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_enabled()


def test_a_disabled_bar_accepts_updates_silently(monkeypatch):
    monkeypatch.setenv("TRACKER_PROGRESS", "0")
    with progress_bar(total=10, desc="reextract", unit="doc") as bar:
        bar.update(4)
        bar.update(6)
        bar.set_postfix_str("x")
    assert bar.n == 10


def test_an_enabled_bar_shows_count_and_rate(terminal):
    terminal = terminal()
    with progress_bar(total=10, desc="reextract", unit="doc") as bar:
        bar.update(10)
    shown = terminal.getvalue()
    assert "reextract" in shown and "10/10" in shown and "doc/s" in shown


def test_the_helper_imports_nothing_heavy():
    code = ("import sys, common.progress as p; items = [1]; assert p.progress(items) is items; "
            "print(sorted(m for m in ('tqdm', 'prefect', 'duckdb', 'spacy') if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_PROGRESS"}
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, env=env)
    assert run.stdout.strip() == "[]"
    assert set(vars(progress_module)) >= {"progress", "progress_bar", "progress_enabled"}


def _extract(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(f'{{"id": "d{i}", "text": "G42 will build a 1GW campus in the UAE."}}\n'
                              for i in range(3)), encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in ("TRACKER_PROGRESS", "CI")}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "tracker", "extract", str(source)], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120, check=True)


def test_tracker_extract_is_quiet_when_stderr_is_not_a_terminal(tmp_path):
    run = _extract(tmp_path)
    assert run.stderr == ""
    assert len(run.stdout.splitlines()) == 3


def test_tracker_extract_draws_a_bar_when_asked_and_keeps_its_output(tmp_path):
    quiet = _extract(tmp_path)
    shown = _extract(tmp_path, TRACKER_PROGRESS="1")
    assert shown.stdout == quiet.stdout
    assert "extract: 3doc" in shown.stderr and "doc/s" in shown.stderr
