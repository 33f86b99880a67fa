import pathlib
import sys
import tomllib

import pytest

import guildhall

HERE = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))


@pytest.fixture
def config():
    with open(HERE / "game.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture
async def gh(tmp_path, config):
    return await guildhall.AsyncClient.open(f"sqlite:{tmp_path}/bot.db", config)
