"""A Flask site over guildhall: a player page (wallet, inventory, mailbox), a shop that
buys an item, and an admin page that sends a broadcast mail.

    GUILDHALL_ADMIN_TOKEN=secret flask --app app run

One blocking `guildhall.Client` is shared by every request thread; it releases the GIL
while it works.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import tomllib
from typing import Any, Optional

from flask import Flask, abort, flash, redirect, render_template, request, url_for

import guildhall

HERE = pathlib.Path(__file__).resolve().parent

#: HTTP status for each refusal the pages can meet (the host uses the same mapping).
STATUS = {
    "INVALID_ARGUMENT": 400, "NOT_FOUND": 404, "ALREADY_OWNED": 409, "IDEMPOTENCY_CONFLICT": 409,
    "CONFLICT": 409, "UNAVAILABLE": 503,
}


def load_config(path: pathlib.Path = HERE / "game.toml") -> dict[str, Any]:
    with open(path, "rb") as f:
        return tomllib.load(f)


def create_app(database: Optional[str] = None, config: Optional[dict[str, Any]] = None,
               admin_token: Optional[str] = None) -> Flask:
    app = Flask(__name__)
    app.secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex(16)
    config = config if config is not None else load_config()
    gh = guildhall.Client.open(database or os.environ.get("GUILDHALL_DATABASE_URL"), config)
    app.extensions["guildhall"] = gh
    token = admin_token or os.environ.get("GUILDHALL_ADMIN_TOKEN")

    @app.errorhandler(guildhall.GuildhallError)
    def refused(err: guildhall.GuildhallError):
        return render_template("error.html", err=err), STATUS.get(err.code, 422)

    @app.get("/")
    def index():
        return render_template("index.html", online=len(gh.online()))

    @app.get("/players/<player>")
    def player(player: str):
        return render_template("player.html", player=player, wallet=gh.wallet(player),
                               inventory=gh.inventory(player), mailbox=gh.mailbox(player))

    @app.post("/players/<player>/mail/<mail_id>/claim")
    def claim(player: str, mail_id: str):
        mail = gh.open_mail(player, mail_id)
        if mail.unclaimed:
            gh.claim_mail(player, mail_id)
            flash(f"Claimed “{mail.subject}”.")
        return redirect(url_for("player", player=player))

    @app.get("/shop")
    def shop():
        who = request.args.get("player", "")
        items = [i for i in gh.catalog() if i.active and i.price is not None]
        wallet = gh.wallet(who) if who else None
        # One key per rendered form: a double-submitted form buys once.
        return render_template("shop.html", items=items, player=who, wallet=wallet,
                               form_key=secrets.token_hex(8))

    @app.post("/shop/buy")
    def buy():
        who = request.form.get("player", "").strip()
        item_id = request.form["item_id"]
        quantity = int(request.form.get("quantity", "1"))
        try:
            p = gh.purchase(who, item_id, quantity, metadata={"channel": "website"},
                            idempotency_key=request.form.get("form_key") or None)
        except guildhall.InsufficientFunds:
            flash("Not enough money for that.")
            return redirect(url_for("shop", player=who)), 303
        except (guildhall.AlreadyOwned, guildhall.StackLimit, guildhall.NotForSale) as e:
            flash(f"Can't buy that: {e.message}")
            return redirect(url_for("shop", player=who)), 303
        flash(f"Bought {p.quantity} × {p.item_id} for {p.amount} {p.currency}; balance {p.balance}.")
        return redirect(url_for("player", player=who)), 303

    def require_admin():
        given = request.headers.get("X-Admin-Token") or request.form.get("token") or request.args.get("token")
        if not token or not given or not secrets.compare_digest(given, token):
            abort(403)

    @app.get("/admin")
    def admin():
        require_admin()
        return render_template("admin.html", token=request.args.get("token", ""),
                               currencies=[b.currency for b in gh.wallet("-").balances],
                               report=gh.verify_ledger())

    @app.post("/admin/broadcast")
    def broadcast():
        require_admin()
        attachments = None
        amount = int(request.form.get("amount") or 0)
        if amount > 0:
            attachments = {"currencies": [{"currency": request.form.get("currency", "gold"), "amount": amount}]}
        b = gh.broadcast_mail(request.form["subject"], request.form.get("body", ""),
                              sender=f"admin:{request.form.get('admin', 'website')}",
                              attachments=attachments,
                              expires_in_secs=int(request.form.get("expires_in_days") or 0) * 86400 or None)
        flash(f"Broadcast {b.id} sent to every player.")
        return redirect(url_for("admin", token=request.form.get("token", ""))), 303

    return app


if __name__ == "__main__":
    create_app().run(debug=True)
