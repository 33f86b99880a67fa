"""The one config schema through the Python module: the same files the host and the
Node module open (examples/tour.toml, tests/fixtures/config/every-key.toml), and the
same message for a misspelled key (tests/fixtures/config/misspelled.message, asserted
verbatim by the host's and Node's tests too). Also the backend builder's rule: database
from the call, else the environment, else the config, else refused (no file created);
SQLite URLs spelled as SQLAlchemy users write them; `cache` with Redis refused."""

import pathlib

import pytest

import guildhall

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "config"


def test_opens_the_tour_config(tmp_path):
    gh = guildhall.Client.open(f"sqlite:{tmp_path}/tour.db", REPO / "examples" / "tour.toml")
    assert [b.currency for b in gh.wallet("p").balances] == ["gold", "gems"]
    assert any(i.id == "sword" for i in gh.catalog())


def test_opens_the_file_that_sets_every_key(tmp_path):
    path = FIXTURES / "every-key.toml"
    gh = guildhall.Client.open(f"sqlite:{tmp_path}/every.db", str(path))
    assert [b.currency for b in gh.wallet("p").balances] == ["gold", "gems"]
    assert sorted(i.id for i in gh.catalog()) == ["cape", "potion"]
    # The same file as a dict (what tomllib gives): accepted the same way; its
    # catalog_file is relative to the current directory then, so it is left out.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    as_dict = tomllib.loads(path.read_text())
    del as_dict["catalog_file"]
    gh = guildhall.Client.open(f"sqlite:{tmp_path}/dict.db", as_dict)
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


def test_sqlite_urls_as_sqlalchemy_users_write_them(tmp_path, monkeypatch):
    """`sqlite:FILE` is relative to the working directory, `sqlite:////PATH` absolute;
    `sqlite:///site.db` (./site.db to SQLAlchemy, /site.db to sqlx) is refused with the
    two spellings to write instead, and creates nothing anywhere."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with guildhall.Client.open("sqlite:site.db") as gh:
        gh.grant("p", "gold", 1)
    assert (work / "site.db").exists()
    with guildhall.Client.open("sqlite:data/site.db") as gh:
        assert gh.balance("p", "gold") == 0
    assert (work / "data" / "site.db").exists()
    absolute = tmp_path / "abs" / "game.db"
    with guildhall.Client.open(f"sqlite:///{absolute}") as gh:  # four slashes in all
        gh.grant("p", "gold", 2)
    assert absolute.exists()
    before = sorted(p.name for p in work.iterdir())
    with pytest.raises(guildhall.InvalidArgument) as e:
        guildhall.Client.open("sqlite:///guildhall-ambiguous.db")
    assert e.value.details["field"] == "database"
    assert "sqlite:guildhall-ambiguous.db" in e.value.message
    assert "sqlite:////guildhall-ambiguous.db" in e.value.message
    assert not pathlib.Path("/guildhall-ambiguous.db").exists()
    assert sorted(p.name for p in work.iterdir()) == before
    # `sqlite://` before an absolute path, as code builds it: taken as that absolute
    # path, since its directory exists and no such directory is under the working one.
    with guildhall.Client.open(f"sqlite://{absolute}") as gh:
        assert gh.balance("p", "gold") == 2


async def test_no_database_named_is_refused_and_creates_no_file(tmp_path, monkeypatch):
    monkeypatch.delenv("GUILDHALL_DATABASE_URL", raising=False)
    monkeypatch.delenv("GUILDHALL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    for attempt in (lambda: guildhall.Client.open(),
                    lambda: guildhall.Client.open(config={"currencies": [{"code": "gold"}]})):
        with pytest.raises(guildhall.InvalidArgument) as e:
            attempt()
        assert e.value.details["field"] == "database"
    with pytest.raises(guildhall.InvalidArgument):
        await guildhall.AsyncClient.open()
    assert list(tmp_path.iterdir()) == []
