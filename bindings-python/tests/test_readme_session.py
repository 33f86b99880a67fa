"""README's sessions, run as written against a fresh SQLite file, so the README shows calls
that work: the social one (two friends, a guild with a bank, a chat exchange) and the
metagame one (a weekly board, a tournament with an entry fee, a daily quest) and the play
one (a character switch, a loot drop, a trade, the account bank) and the lobby one (a room
filled, presence and the lobby view, the room's log)."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def session_block(name: str = "social") -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {name}-session -->\n```python\n(.*?)```", text, re.S)
    assert m, f"README.md has no {name} session block"
    return m.group(1)


def run_block(name: str, tmp_path) -> list[str]:
    code = session_block(name)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    return out.getvalue().splitlines()


def test_the_readme_social_session_runs_and_prints_what_it_says(tmp_path):
    printed = run_block("social", tmp_path)
    assert printed == [
        "[('bob', True)]",
        "[('gold', 150)]",
        "[('bob', 'in!'), ('ann', 'raid at nine?')]",
    ], printed
    assert (tmp_path / "social.db").exists()


def test_the_readme_metagame_session_runs_and_prints_what_it_says(tmp_path):
    # A weekly board, a tournament with an entry fee, a daily quest counted by a spend.
    printed = run_block("metagame", tmp_path)
    assert printed == [
        "[(1, 'ann', 1200), (2, 'bob', 900)]",
        "40",
        "30",
        "25",
    ], printed
    assert (tmp_path / "meta.db").exists()


def test_the_readme_play_session_runs_and_prints_what_it_says(tmp_path):
    # A character switch, a loot drop replayed from its seed, a trade, the account bank.
    printed = run_block("play", tmp_path)
    assert printed == [
        "Ann the Wise",
        "25",
        "True",
        "completed 20",
        "5",
    ], printed
    assert (tmp_path / "play.db").exists()


def test_the_readme_lobby_session_runs_and_prints_what_it_says(tmp_path):
    # A system room filled, ROOM_FULL, presence's room, the lobby view, the room's log.
    printed = run_block("lobby", tmp_path)
    assert printed == [
        "ROOM_FULL",
        "True",
        "[('deathmatch', 2, 2, 'play.example.com:22005')]",
        "['created', 'entered', 'entered', 'left', 'left']",
    ], printed
    assert (tmp_path / "lobby.db").exists()
