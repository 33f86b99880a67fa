"""The site through Flask's test client, over a fresh SQLite database."""

import pathlib
import re
import sys
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from app import create_app, load_config  # noqa: E402


@pytest.fixture
def app(tmp_path):
    app = create_app(f"sqlite:{tmp_path}/site.db", load_config(), admin_token="s3cret")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def gh(app):
    return app.extensions["guildhall"]


def test_player_page_shows_wallet_inventory_mailbox(client, gh):
    gh.grant("ann", "gold", 120)
    gh.grant_item("ann", "potion", 2)
    gh.send_mail("ann", "Welcome!", "Here is a gift",
                 attachments={"currencies": [{"currency": "gems", "amount": 5}]})
    page = client.get("/players/ann")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<td data-currency="gold">120</td>' in html and '<td data-currency="gems">0</td>' in html
    assert "Health Potion</td><td>consumable</td><td>2</td>" in html
    assert "<b>Welcome!</b>" in html and ">Claim</button>" in html
    # claiming from the page credits the wallet once
    mail_id = re.search(r'/players/ann/mail/([^/]+)/claim', html).group(1)
    assert client.post(f"/players/ann/mail/{mail_id}/claim").status_code == 302
    assert client.post(f"/players/ann/mail/{mail_id}/claim").status_code == 302
    assert gh.wallet("ann")["gems"] == 5
    html = client.get("/players/ann").get_data(as_text=True)
    assert ">Claim</button>" not in html


def test_unknown_player_page_is_empty(client):
    html = client.get("/players/nobody").get_data(as_text=True)
    assert '<td data-currency="gold">0</td>' in html and "No mail." in html


def test_shop_buys_an_item(client, gh):
    gh.grant("bo", "gold", 600)
    html = client.get("/shop?player=bo").get_data(as_text=True)
    assert "Swift Mount" in html and "500 gold" in html and "bo has 600 gold, 0 gems." in html
    key = re.search(r'name="form_key" value="([^"]+)-potion"', html).group(1)
    form = {"player": "bo", "item_id": "potion", "quantity": "3", "form_key": f"{key}-potion"}
    r = client.post("/shop/buy", data=form, follow_redirects=True)
    assert r.status_code == 200 and "Bought 3 × potion for 30 gold; balance 570." in r.get_data(as_text=True)
    # the same form submitted twice buys once
    client.post("/shop/buy", data=form)
    assert gh.wallet("bo")["gold"] == 570 and gh.inventory("bo")[0].quantity == 3
    r = client.post("/shop/buy", data={"player": "bo", "item_id": "mount"}, follow_redirects=True)
    assert "Bought 1 × mount" in r.get_data(as_text=True)
    r = client.post("/shop/buy", data={"player": "bo", "item_id": "mount"}, follow_redirects=True)
    assert "Can&#39;t buy that" in r.get_data(as_text=True)
    r = client.post("/shop/buy", data={"player": "bo", "item_id": "gem-pack"}, follow_redirects=True)
    assert "Not enough money for that." in r.get_data(as_text=True)
    r = client.post("/shop/buy", data={"player": "bo", "item_id": "dragon"})
    assert r.status_code == 404 and "NOT_FOUND" in r.get_data(as_text=True)
    r = client.post("/shop/buy", data={"player": "", "item_id": "potion"})
    assert r.status_code == 400 and "INVALID_ARGUMENT" in r.get_data(as_text=True)
    assert gh.verify_ledger().ok


def test_admin_broadcast(client, gh):
    assert client.get("/admin").status_code == 403
    assert client.get("/admin?token=wrong").status_code == 403
    page = client.get("/admin?token=s3cret").get_data(as_text=True)
    assert "Ledger audit: <b>ok</b>" in page
    assert client.post("/admin/broadcast", data={"subject": "x"}).status_code == 403
    for who in ("cy", "dee"):  # players who exist when it is sent
        gh.grant(who, "gold", 1)
    r = client.post("/admin/broadcast", data={
        "token": "s3cret", "subject": "Server maintenance", "body": "Back at 18:00",
        "amount": "25", "currency": "gold", "admin": "gm-anna"}, follow_redirects=True)
    assert r.status_code == 200 and "sent to every player" in r.get_data(as_text=True)
    # every player who existed when it was sent finds it in their box; a newcomer does not
    assert "Server maintenance" not in client.get("/players/newcomer").get_data(as_text=True)
    for who in ("cy", "dee"):
        html = client.get(f"/players/{who}").get_data(as_text=True)
        assert "<b>Server maintenance</b>" in html and "admin gm-anna" in html
    box = gh.mailbox("cy")
    gh.open_mail("cy", box[0].id)
    assert gh.claim_mail("cy", box[0].id).balances[0].amount == 26
    r = client.post("/admin/broadcast", data={"token": "s3cret", "subject": ""})
    assert r.status_code == 400


def test_many_request_threads_share_one_client(app, gh):
    gh.grant("eve", "gold", 10_000)
    errors = []

    def worker(n):
        c = app.test_client()
        for i in range(10):
            r = c.post("/shop/buy", data={"player": "eve", "item_id": "potion", "form_key": f"k{n}-{i}"})
            if r.status_code != 303:
                errors.append(r.status_code)
            if c.get("/players/eve").status_code != 200:
                errors.append("page")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert gh.wallet("eve")["gold"] + 10 * gh.inventory("eve")[0].quantity == 10_000
    assert gh.verify_ledger().ok
