"""The one config schema through the Python module: the same files the host and the
Node module open (examples/tour.toml, tests/fixtures/config/every-key.toml), and the
same message for a misspelled key (tests/fixtures/config/misspelled.message, asserted
verbatim by the host's and Node's tests too). Also the backend builder's rule: database
from the call, else the environment, else the config, else sqlite://guildhall.db;
`cache` with Redis refused."""

import pathlib

import pytest

import guildhall

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "config"


def test_opens_the_tour_config(tmp_path):
    gh = guildhall.Client.open(f"sqlite://{tmp_path}/tour.db", REPO / "examples" / "tour.toml")
    assert [b.currency for b in gh.wallet("p").balances] == ["gold", "gems"]
    assert any(i.id == "sword" for i in gh.catalog())


def test_opens_the_file_that_sets_every_key(tmp_path):
    path = FIXTURES / "every-key.toml"
    gh = guildhall.Client.open(f"sqlite://{tmp_path}/every.db", str(path))
    assert [b.currency for b in gh.wallet("p").balances] == ["gold", "gems"]
    assert sorted(i.id for i in gh.catalog()) == ["cape", "potion"]
    # The same file as a dict (what tomllib gives): accepted the same way; its
    # catalog_file is relative to the current directory then, so it is left out.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    as_dict = tomllib.loads(path.read_text())
    del as_dict["catalog_file"]
    gh = guildhall.Client.open(f"sqlite://{tmp_path}/dict.db", as_dict)
    assert [i.id for i in gh.catalog()] == ["potion"]


async def test_refuses_a_misspelled_key_with_the_message_every_surface_gives():
    expected = (FIXTURES / "misspelled.message").read_text().rstrip()
    with pytest.raises(guildhall.InvalidArgument) as e:
        guildhall.Client.open("memory://", FIXTURES / "misspelled.toml")
    assert e.value.message == expected
    assert e.value.details["field"] == "currencys"
    with pytest.raises(guildhall.InvalidArgument) as e:
        await guildhall.AsyncClient.open("memory://", {"currencys": [{"code": "gold"}]})
    assert e.value.message == expected


def test_cache_with_redis_is_refused():
    with pytest.raises(guildhall.InvalidArgument) as e:
        guildhall.Client.open("memory://", redis="redis://127.0.0.1:6379", cache=True)
    assert e.value.details["field"] == "cache"
