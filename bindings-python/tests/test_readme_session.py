"""README's social session (two friends, a guild with a bank, a chat exchange), run as
written against a fresh SQLite file, so the README shows calls that work."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def session_block() -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- social-session -->\n```python\n(.*?)```", text, re.S)
    assert m, "README.md has no social session block"
    return m.group(1)


def test_the_readme_social_session_runs_and_prints_what_it_says(tmp_path):
    code = session_block()
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    printed = out.getvalue().splitlines()
    assert printed == [
        "[('bob', True)]",
        "[('gold', 150)]",
        "[('bob', 'in!'), ('ann', 'raid at nine?')]",
    ], printed
    assert (tmp_path / "social.db").exists()
