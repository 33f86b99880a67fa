"""Every operation, through both clients (the `api` fixture runs each test twice)."""

import base64
import datetime as dt

import pytest

import guildhall
from conftest import CALLED


async def test_open_rejects_bad_config(db_url):
    with pytest.raises(guildhall.InvalidArgument) as e:
        guildhall.Client.open(db_url, {"currencies": [{"code": "gold"}], "bogus": 1})
    assert "bogus" in str(e.value)
    with pytest.raises(guildhall.InvalidArgument, match="reset_timezone"):
        guildhall.Client.open(db_url, {"reset_timezone": "Mars/Olympus"})
    with pytest.raises(guildhall.InvalidArgument):
        await guildhall.AsyncClient.open(db_url, {"currencies": []  , "catalog": [{"id": "x"}]})
    with pytest.raises(guildhall.InvalidArgument):
        guildhall.Client.open("mysql://nope")


async def test_open_defaults_and_host_keys(tmp_path):
    gh = guildhall.Client.open(config={
        "database": f"sqlite:{tmp_path}/from-config.db",
        "listen": "127.0.0.1:8080",
        "schedule": {"matchmaking_tick_ms": 1000},
    })
    assert [b.currency for b in gh.wallet("p").balances] == ["gold"]
    assert (tmp_path / "from-config.db").exists()
    assert "gold" in repr(gh)
    mem = guildhall.Client.open("memory://")
    assert mem.balance("p", "gold") == 0


async def test_open_with_read_cache(db_url):
    gh = guildhall.Client.open(db_url, {"currencies": [{"code": "gold"}]}, cache=True)
    assert gh.wallet("p")["gold"] == 0  # cached now
    gh.grant("p", "gold", 5)
    assert gh.wallet("p")["gold"] == 5  # a read after a write never sees the state before it
    agh = await guildhall.AsyncClient.open(db_url, {"currencies": [{"code": "gold"}]}, cache=True)
    assert (await agh.wallet("p"))["gold"] == 5
    with pytest.raises(guildhall.InvalidArgument):
        guildhall.Client.open(db_url, redis="redis://127.0.0.1:1", cache=True)


def test_the_installed_wheel_is_tested():
    import pathlib
    assert "site-packages" in pathlib.Path(guildhall.__file__).parts, guildhall.__file__


async def test_economy(api):
    g = await api.grant("alice", "gold", 100, source="donations", reason="donation",
                        metadata={"payment": "p-1"}, idempotency_key="p-1")
    assert isinstance(g, guildhall.BalanceChange)
    assert (g.player, g.currency, g.amount, g.balance, g.replayed) == ("alice", "gold", 100, 100, False)
    again = await api.grant("alice", "gold", 100, source="donations", reason="donation",
                            metadata={"payment": "p-1"}, idempotency_key="p-1")
    assert again.replayed and again.transaction_id == g.transaction_id and again.balance == 100
    with pytest.raises(guildhall.IdempotencyConflict):
        await api.grant("alice", "gold", 5, idempotency_key="p-1")

    s = await api.spend("alice", "gold", 30, sink="fees", reason="fee")
    assert s.balance == 70
    with pytest.raises(guildhall.InsufficientFunds) as e:
        await api.spend("alice", "gold", 1000)
    assert e.value.code == "INSUFFICIENT_FUNDS" and isinstance(e.value.details, dict)

    t = await api.transfer("alice", "bob", "gold", 20, reason="gift", metadata={"note": "hi"})
    assert isinstance(t, guildhall.Transfer)
    assert (t.from_player, t.to_player, t.from_balance, t.to_balance) == ("alice", "bob", 50, 20)

    w = await api.wallet("alice")
    assert isinstance(w, guildhall.Wallet)
    assert w["gold"] == 50 and w["gems"] == 0 and w.get("nope", -1) == -1
    assert [b.currency for b in w.balances] == ["gold", "gems"]
    assert "Wallet(player='alice'" in repr(w)
    assert w.to_dict() == {"player": "alice", "balances": [
        {"currency": "gold", "amount": 50}, {"currency": "gems", "amount": 0}]}
    assert w == await api.wallet("alice")
    assert await api.balance("bob", "gold") == 20
    with pytest.raises(guildhall.InvalidArgument):
        await api.balance("bob", "silver")
    with pytest.raises(guildhall.BalanceLimit):
        await api.grant("bob", "gems", 1001)
    with pytest.raises(guildhall.InvalidArgument):
        await api.grant("", "gold", 1)

    page = await api.history("alice", limit=2)
    assert isinstance(page, guildhall.HistoryPage) and len(page.entries) == 2
    assert page.entries[0].kind == "transfer" and page.entries[0].debit == "player:alice"
    assert isinstance(page.entries[0].at, dt.datetime) and page.entries[0].at.tzinfo is not None
    assert isinstance(page.entries[0].day, dt.date)
    rest = await api.history("alice", cursor=page.next_cursor)
    assert [e.kind for e in rest.entries] == ["grant"] and rest.next_cursor is None
    grants = await api.history("alice", currency="gold", kind="grant")
    assert [e.metadata for e in grants.entries] == [{"payment": "p-1"}]
    with pytest.raises(guildhall.InvalidArgument):
        await api.history("alice", kind="theft")

    report = await api.verify_ledger()
    assert isinstance(report, guildhall.LedgerReport) and report.ok and bool(report)
    assert report.mismatches == [] and report.unbalanced_currencies == []


async def test_catalog_and_inventory(api):
    await api.grant("carol", "gold", 1000)
    p = await api.purchase("carol", "potion", 3, metadata={"source": "shop"}, idempotency_key="buy-1")
    assert isinstance(p, guildhall.Purchase)
    assert (p.quantity, p.amount, p.balance, p.item_quantity, p.currency) == (3, 30, 970, 3, "gold")
    assert (await api.purchase("carol", "potion", 3, metadata={"source": "shop"}, idempotency_key="buy-1")).replayed
    await api.purchase("carol", "sword")
    with pytest.raises(guildhall.AlreadyOwned):
        await api.purchase("carol", "sword")
    with pytest.raises(guildhall.NotForSale):
        await api.purchase("carol", "relic")
    with pytest.raises(guildhall.StackLimit):
        await api.purchase("carol", "potion", 98)
    with pytest.raises(guildhall.NotFound):
        await api.purchase("carol", "nothing")

    u = await api.use_item("carol", "potion", 2, idempotency_key="use-1")
    assert isinstance(u, guildhall.ItemChange) and u.remaining == 1
    with pytest.raises(guildhall.InsufficientQuantity):
        await api.use_item("carol", "potion", 5)
    with pytest.raises(guildhall.NotConsumable):
        await api.use_item("carol", "sword")
    with pytest.raises(guildhall.NotOwned):
        await api.use_item("dave", "potion")

    gi = await api.grant_item("carol", "relic", reason="quest")
    assert gi.remaining == 1
    inv = await api.inventory("carol")
    assert [(e.item_id, e.kind, e.quantity) for e in inv] == [
        ("potion", "consumable", 1), ("relic", "durable", 1), ("sword", "durable", 1)]
    assert inv[0].name == "Health Potion" and isinstance(inv[0].acquired_at, dt.datetime)
    assert await api.inventory("nobody") == []

    item = await api.upsert_catalog_item({"id": "gem-pack", "name": "Gem Pack", "kind": "consumable",
                                          "price": {"currency": "gems", "amount": 5},
                                          "metadata": {"rarity": "rare"}})
    assert isinstance(item, guildhall.CatalogItem) and item.price.amount == 5
    assert item.metadata == {"rarity": "rare"} and item.active
    with pytest.raises(guildhall.InvalidArgument):
        await api.upsert_catalog_item({"id": "bad", "name": "Bad", "kind": "edible"})
    off = await api.set_catalog_item_active("gem-pack", False)
    assert off.active is False
    assert (await api.catalog_item("gem-pack")).active is False
    assert [i.id for i in await api.catalog()] == ["gem-pack", "potion", "relic", "sword"]
    with pytest.raises(guildhall.NotFound):
        await api.catalog_item("nothing")

    popular = await api.popular_items(5)
    assert [(p.item_id, p.total_quantity, p.purchases) for p in popular][:2] == [("potion", 3, 1), ("sword", 1, 1)]
    now = dt.datetime.now(dt.timezone.utc)
    assert await api.popular_items(5, since=now + dt.timedelta(hours=1), until=now + dt.timedelta(hours=2)) == []
    assert len(await api.popular_items(5, since=0, until=now.timestamp() + 5)) == 2
    with pytest.raises(guildhall.InvalidArgument):
        await api.popular_items(5, since=dt.datetime(2020, 1, 1))  # naive
    today = dt.date.today()
    revenue = await api.revenue_per_day(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    assert sum(r.amount for r in revenue) == 80 and revenue[0].currency == "gold"
    assert isinstance(revenue[0].day, dt.date)


async def test_mail(api):
    sent = await api.send_mail("erin", "Welcome", "Take this",
                               attachments={"currencies": [{"currency": "gold", "amount": 25}],
                                            "items": [{"item_id": "potion", "quantity": 2}]},
                               sender="admin:gm", idempotency_key="welcome")
    assert isinstance(sent, guildhall.SendMailResult) and sent.evicted == []
    mail = sent.mail
    assert mail.sender == {"kind": "admin", "id": "gm"} and mail.unclaimed
    assert mail.attachments["currencies"] == [{"currency": "gold", "amount": 25}]
    with pytest.raises(guildhall.MailNotRead):
        await api.claim_mail("erin", mail.id)
    with pytest.raises(guildhall.UnclaimedAttachments):
        await api.open_mail("erin", mail.id)
        await api.delete_mail("erin", mail.id)
    opened = await api.open_mail("erin", mail.id)
    assert opened.read_at is not None
    claim = await api.claim_mail("erin", mail.id, idempotency_key="claim-1")
    assert isinstance(claim, guildhall.ClaimResult)
    assert [(b.currency, b.amount) for b in claim.balances] == [("gold", 25)]
    assert claim.mail.claimed_at is not None and not claim.mail.unclaimed
    with pytest.raises(guildhall.AlreadyClaimed):
        await api.claim_mail("erin", mail.id)
    assert (await api.inventory("erin"))[0].quantity == 2

    await api.send_mail("erin", "hi", "from a friend", sender="player:frank")
    await api.send_mail("erin", "hi again", sender={"kind": "player", "id": "frank"})
    with pytest.raises(guildhall.MailSendLimit):
        await api.send_mail("erin", "spam", sender="player:frank")
    with pytest.raises(guildhall.InvalidArgument):
        await api.send_mail("erin", "bad", sender="martian")

    await api.grant("zoe", "gold", 1)  # zoe exists before the broadcast, so it reaches her
    b = await api.broadcast_mail("Patch notes", "v1.2", sender="system",
                                 attachments={"currencies": [{"currency": "gems", "amount": 3}]},
                                 expires_in_secs=3600, idempotency_key="patch-1.2")
    assert isinstance(b, guildhall.Broadcast) and b.recipients is None and b.expires_at is not None
    assert not b.replayed
    again = await api.broadcast_mail("Patch notes", "v1.2", sender="system",
                                     attachments={"currencies": [{"currency": "gems", "amount": 3}]},
                                     expires_in_secs=3600, idempotency_key="patch-1.2")
    assert again.replayed and (again.id, again.seq) == (b.id, b.seq)
    only = await api.broadcast_mail("VIP", recipients=["erin"])
    assert only.recipients == ["erin"]
    box = await api.mailbox("erin")
    assert [m.subject for m in box][:2] == ["VIP", "Patch notes"]
    assert all(isinstance(m, guildhall.Mail) for m in box)
    assert [m.subject for m in await api.mailbox("zoe")] == ["Patch notes"]
    assert await api.mailbox("newcomer") == [], "a player who did not exist then"

    await api.delete_mail("erin", mail.id)
    with pytest.raises(guildhall.NotFound):
        await api.open_mail("erin", mail.id)


async def test_announcements_and_presence(api):
    t = await api.put_template("welcome", "Welcome, {name}! {{literal}}")
    assert isinstance(t, guildhall.Template) and t.body.startswith("Welcome")
    assert (await api.template("welcome")).id == "welcome"
    assert [x.id for x in await api.templates()] == ["welcome"]
    with pytest.raises(guildhall.InvalidArgument):
        await api.put_trigger({"id": "bad", "event": "login", "template_id": "welcome",
                               "audience": "player", "kind": "marquee", "cap": {"every": "once"}})
    trig = await api.put_trigger({"id": "greet", "event": "login", "template_id": "welcome",
                                  "variables": {"name": "traveller"}, "audience": "lobby",
                                  "target": "main", "kind": "announcement",
                                  "cap": {"every": "per_day", "times": 1}, "priority": 5})
    assert isinstance(trig, guildhall.Trigger)
    assert trig.cap == {"every": "per_day", "times": 1} and trig.audience == "lobby"
    assert (await api.trigger("greet")).priority == 5
    assert [x.id for x in await api.triggers()] == ["greet"]
    assert await api.preview("welcome", {"name": "Ann"}) == "Welcome, Ann! {literal}"

    s = await api.login("gina", lobby="main", server="eu-1")
    assert isinstance(s, guildhall.Session) and s.location["lobby"] == "main"
    msgs = await api.fire("gina", "login", variables={"name": "Gina"})
    assert [m.text for m in msgs] == ["Welcome, Gina! {literal}"]
    assert isinstance(msgs[0], guildhall.Message) and msgs[0].kind == "announcement"
    assert await api.fire("gina", "login") == []  # cap: once per day
    assert await api.fire("hank", "login", location={"lobby": "other"}) == []
    assert await api.push_scheduled_audience("lobby") == 0
    with pytest.raises(guildhall.InvalidArgument):
        await api.push_scheduled_audience("galaxy")
    assert await api.send_due_triggers() == []
    cancelled = await api.cancel_trigger("greet")
    assert cancelled.cancelled

    # The room is the room membership, never the caller's claim.
    hb = await api.heartbeat("gina", server="s1", room="r1")
    assert hb.location["server"] == "s1" and hb.location["room"] is None
    assert (await api.heartbeat("gina")).location["server"] == "s1"
    assert (await api.session("gina")).player == "gina"
    assert [x.player for x in await api.online()] == ["gina"]
    assert await api.logout("gina") is True
    assert await api.logout("gina") is False
    assert await api.session("gina") is None
    with pytest.raises(guildhall.NotFound):
        await api.heartbeat("gina")


async def test_parties(api):
    p = await api.create_party("lead")
    assert isinstance(p, guildhall.Party) and p.leader == "lead" and p.players == ["lead"]
    inv = await api.invite_to_party("lead", "m1")
    assert isinstance(inv, guildhall.Invite) and inv.invited_by == "lead"
    joined = await api.accept_invite("m1", p.id)
    assert joined.players == ["lead", "m1"]
    with pytest.raises(guildhall.NotPartyLeader):
        await api.invite_to_party("m1", "m2")
    await api.invite_to_party("lead", "m2")
    await api.decline_invite("m2", p.id)
    with pytest.raises(guildhall.AlreadyInParty):
        await api.create_party("m1")
    open_party = await api.create_party("solo", open=True)
    assert open_party.open
    assert (await api.join_party("m2", open_party.id)).players == ["solo", "m2"]
    await api.invite_to_party("lead", "m3")
    await api.invite_to_party("lead", "m4")
    await api.accept_invite("m3", p.id)
    with pytest.raises(guildhall.PartyFull):
        await api.accept_invite("m4", p.id)
    with pytest.raises(guildhall.PartyFull):
        await api.invite_to_party("lead", "m5")
    assert (await api.promote_in_party("lead", "m1")).leader == "m1"
    assert (await api.kick_from_party("m1", "m3")).players == ["lead", "m1"]
    left = await api.leave_party("m1")
    assert left.leader == "lead"
    assert (await api.party_of("lead")).id == p.id
    assert await api.party_of("m1") is None
    assert (await api.party(p.id)).players == ["lead"]
    with pytest.raises(guildhall.NotInParty):
        await api.leave_party("m1")
    await api.disband_party("lead")
    assert await api.party_of("lead") is None
    with pytest.raises(guildhall.NotFound):
        await api.party(p.id)


async def test_friends(api):
    r = await api.send_friend_request("fa", "fb", idempotency_key="fr-1")
    assert isinstance(r, guildhall.Friendship) and r.requested and not r.friends
    assert (await api.send_friend_request("fa", "fb", idempotency_key="fr-1")).replayed
    reqs = await api.friend_requests("fb")
    assert isinstance(reqs, guildhall.FriendRequests)
    assert [x.player for x in reqs.incoming] == ["fa"] and reqs.outgoing == []
    with pytest.raises(guildhall.InvalidArgument):
        await api.send_friend_request("fa", "fa")
    with pytest.raises(guildhall.NotFound):
        await api.accept_friend_request("fa", "fb")
    accepted = await api.accept_friend_request("fb", "fa")
    assert accepted.friends and accepted.since is not None
    with pytest.raises(guildhall.AlreadyFriends):
        await api.send_friend_request("fa", "fb")
    await api.login("fb", lobby="main")
    friends = await api.friends("fa")
    assert isinstance(friends[0], guildhall.Friend)
    assert [(f.player, f.online, f.location["lobby"]) for f in friends] == [("fb", True, "main")]
    assert (await api.friends("fb"))[0].online is False
    # Decline by the addressee, cancel by the sender.
    await api.send_friend_request("fc", "fa")
    assert not (await api.decline_friend_request("fa", "fc")).requested
    await api.send_friend_request("fa", "fc")
    await api.decline_friend_request("fa", "fc")
    assert (await api.friend_requests("fa")).outgoing == []
    removed = await api.remove_friend("fb", "fa")
    assert not removed.friends and await api.friends("fa") == []
    # A block refuses requests and player mail either way.
    await api.send_friend_request("fa", "fb")
    blk = await api.block_player("fa", "fb")
    assert isinstance(blk, guildhall.BlockResult) and blk.changed
    assert await api.blocked("fa") == ["fb"]
    assert (await api.friend_requests("fb")).incoming == []
    with pytest.raises(guildhall.Blocked):
        await api.send_friend_request("fb", "fa")
    with pytest.raises(guildhall.Blocked):
        await api.send_mail("fa", "hi", sender={"kind": "player", "id": "fb"})
    assert (await api.unblock_player("fa", "fb")).changed
    assert await api.blocked("fa") == []


async def test_chat(api):
    m = await api.post_message("cara", "direct:dino:cara", "hi there", metadata={"k": 1})
    assert isinstance(m, guildhall.ChatMessage)
    assert m.channel == "direct:cara:dino" and m.sender == "cara" and m.metadata == {"k": 1}
    with pytest.raises(guildhall.NotChannelMember):
        await api.post_message("eli", "direct:cara:dino", "me too")
    with pytest.raises(guildhall.InvalidArgument):
        await api.post_message("cara", "global", "")
    await api.post_message("dino", "direct:cara:dino", "hello")
    page = await api.channel_history("direct:cara:dino", player="cara", limit=1)
    assert isinstance(page, guildhall.ChatPage)
    assert [x.body for x in page.messages] == ["hello"] and page.next_cursor
    rest = await api.channel_history("direct:cara:dino", before=page.next_cursor)
    assert [x.body for x in rest.messages] == ["hi there"] and rest.next_cursor is None
    with pytest.raises(guildhall.NotChannelMember):
        await api.channel_history("direct:cara:dino", player="eli")
    until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    mute = await api.mute_player("cara", until, reason="spam")
    assert isinstance(mute, guildhall.ChatMute) and mute.reason == "spam"
    with pytest.raises(guildhall.Muted) as e:
        await api.post_message("cara", "global", "let me talk")
    assert e.value.details["until"]
    assert await api.unmute_player("cara") is True
    assert await api.unmute_player("cara") is False
    for i in range(4):
        await api.post_message("cara", "global", f"m{i}")
    with pytest.raises(guildhall.RateLimited) as e:
        await api.post_message("cara", "global", "one too many")
    assert e.value.details["retry_after_seconds"] >= 1


async def test_matchmaking(api):
    r0 = await api.rating("ann", "duel")
    assert isinstance(r0, guildhall.Rating) and r0.rating == 1500.0 and r0.games == 0
    t = await api.queue("ann", "duel")
    assert isinstance(t, guildhall.Ticket) and t.players == ["ann"]
    with pytest.raises(guildhall.TicketExists):
        await api.queue("ann", "duel")
    with pytest.raises(guildhall.NotFound):
        await api.queue("ann", "no-such-queue")
    st = await api.ticket_status("ann")
    assert isinstance(st, guildhall.TicketStatus) and st.ticket.id == t.id and st.window >= 100
    assert await api.ticket_status("ben") is None
    assert (await api.cancel_ticket("ann")).id == t.id
    assert await api.pool("duel") == []

    await api.queue("ann", "duel")
    await api.queue("ben", "duel")
    assert [x.players for x in await api.pool("duel")] == [["ann"], ["ben"]]
    matches = await api.tick("test-host")
    assert len(matches) == 1 and isinstance(matches[0], guildhall.MatchRecord)
    m = matches[0]
    assert sorted(sum(m.teams, [])) == ["ann", "ben"] and m.result is None
    rep = await api.report_match(m.id, [0, 1])
    assert isinstance(rep, guildhall.ReportResult) and not rep.replayed
    assert len(rep.record.rating_changes) == 2
    assert isinstance(rep.record.rating_changes[0], guildhall.RatingChange)
    assert (await api.report_match(m.id, [0, 1])).replayed
    winner = m.teams[0][0]
    assert (await api.rating(winner, "duel")).rating > 1500
    assert (await api.match_record(m.id)).result["ranks"] == [0, 1]
    hist = await api.match_history("ann", 5)
    assert [x.id for x in hist] == [m.id]

    await api.create_party("p1")
    party = await api.party_of("p1")
    await api.invite_to_party("p1", "p2")
    await api.accept_invite("p2", party.id)
    squad = await api.queue("p1", "squads", with_party=True, properties={})
    assert squad.party_id == party.id and squad.players == ["p1", "p2"]


async def test_events_after(api):
    await api.grant("ivy", "gold", 5)
    events = await api.events_after(0, 1000)
    assert events and isinstance(events[0], guildhall.Event)
    granted = [e for e in events if e.kind == "currency_granted"]
    assert granted and granted[-1].players == ["ivy"] and isinstance(granted[-1].payload, dict)
    last = events[-1].seq
    await api.spend("ivy", "gold", 1)
    newer = await api.events_after(last)
    assert [e.kind for e in newer] == ["currency_spent"]
    mine = await api.player_events_after("ivy", 0, 10)
    assert {e.kind for e in mine} == {"currency_granted", "currency_spent"}
    with pytest.raises(guildhall.InvalidArgument):
        await api.events_after(0, 0)
    pruned = await api.prune()
    assert pruned == (0, 0)


async def test_groups(api):
    g = await api.create_group("own", "Py Guild", description="d", max_members=3, metadata={"k": 1})
    assert isinstance(g, guildhall.Group) and g.owner == "own" and not g.open and g.max_members == 3
    assert g.members[0].role == "owner" and g.kind == "guild"
    with pytest.raises(guildhall.NameTaken):
        await api.create_group("x", "PY GUILD")
    with pytest.raises(guildhall.LimitReached):
        await api.create_group("own", "Another")
    assert (await api.group(g.id)).name == "Py Guild"
    assert (await api.group_by_name("py guild")).id == g.id
    page = await api.find_groups(prefix="py", limit=5)
    assert isinstance(page, guildhall.GroupPage) and [x.id for x in page.groups] == [g.id]
    assert page.next_cursor is None
    with pytest.raises(guildhall.GroupPermission):
        await api.join_group("m1", g.id)
    assert [r.player for r in (await api.request_to_join_group("m1", g.id)).requests] == ["m1"]
    assert [m.player for m in (await api.accept_join_request("own", g.id, "m1")).members] == ["own", "m1"]
    await api.request_to_join_group("m9", g.id)
    assert (await api.decline_join_request("own", g.id, "m9")).requests == []
    with pytest.raises(guildhall.GroupPermission):
        await api.invite_to_group("m1", g.id, "m2")
    inv = await api.invite_to_group("own", g.id, "m2")
    assert isinstance(inv, guildhall.GroupInvite) and inv.invited_by == "own"
    await api.invite_to_group("own", g.id, "m3")
    assert (await api.decline_group_invite("m3", g.id)).invites[0].player == "m2"
    await api.accept_group_invite("m2", g.id)
    with pytest.raises(guildhall.GroupFull):
        await api.invite_to_group("own", g.id, "m4")
    assert (await api.promote_in_group("own", g.id, "m1")).members[1].role == "officer"
    assert (await api.demote_in_group("own", g.id, "m1")).members[1].role == "member"
    with pytest.raises(guildhall.GroupPermission):
        await api.kick_from_group("m1", g.id, "m2")
    assert len((await api.kick_from_group("own", g.id, "m2")).members) == 2
    assert [x.id for x in await api.groups_of("m1")] == [g.id]
    await api.grant("m1", "gold", 50)
    d = await api.group_deposit("m1", g.id, "gold", 30, idempotency_key="d-1")
    assert isinstance(d, guildhall.GroupBankResult) and d.group_balance == 30 and d.player_balance == 20
    assert (await api.group_deposit("m1", g.id, "gold", 30, idempotency_key="d-1")).replayed
    with pytest.raises(guildhall.GroupPermission):
        await api.group_withdraw("m1", g.id, "gold", 5)
    with pytest.raises(guildhall.InsufficientFunds):
        await api.group_withdraw("own", g.id, "gold", 31)
    assert (await api.group_withdraw("own", g.id, "gold", 10)).group_balance == 20
    bank = await api.group_bank(g.id)
    assert isinstance(bank, guildhall.GroupBank) and bank.balances[0].amount == 20
    t = await api.transfer_group_ownership("own", g.id, "m1")
    assert t.owner == "m1"
    left = await api.leave_group("own", g.id)
    assert isinstance(left, guildhall.GroupLeaveResult) and left.group.owner == "m1"
    with pytest.raises(guildhall.NotGroupMember):
        await api.leave_group("own", g.id)
    open_g = await api.create_group("own2", "Py Open", open=True)
    assert (await api.join_group("j1", open_g.id)).members[1].player == "j1"
    removed = await api.admin_remove_group_member(open_g.id, "j1")
    assert [m.player for m in removed.group.members] == ["own2"]
    await api.admin_disband_group(open_g.id)
    await api.disband_group("m1", g.id)
    with pytest.raises(guildhall.NotFound):
        await api.group(g.id)
    # The bank went to the owner who disbanded: 20 left + 20 paid out.
    assert await api.balance("m1", "gold") == 40
    assert (await api.verify_ledger()).ok


async def test_leaderboards_and_tournaments(api):
    b = await api.put_leaderboard(
        "pvp", reset="weekly", partitioned=True,
        rewards=[{"from_rank": 1, "to_rank": 1, "rewards": {"currencies": [{"currency": "gold", "amount": 5}]}}],
        metadata={"title": "PvP"})
    assert isinstance(b, guildhall.Leaderboard) and b.partitioned and b.reset == "weekly"
    with pytest.raises(guildhall.InvalidArgument):
        await api.put_leaderboard("pvp", sort="asc", partitioned=True)
    for p, s in [("ann", 10), ("bob", 30), ("cid", 20), ("ann", 5)]:
        r = await api.submit_score("pvp", p, s, partition="class:mage")
    assert isinstance(r, guildhall.SubmitScoreResult) and (r.score, r.previous, r.changed) == (10, 10, False)
    with pytest.raises(guildhall.InvalidArgument):
        await api.submit_score("pvp", "ann", 1)
    with pytest.raises(guildhall.NotFound):
        await api.submit_score("nope", "ann", 1)
    page = await api.leaderboard_standings("pvp", partition="class:mage", limit=2)
    assert isinstance(page, guildhall.StandingsPage)
    assert [(e.rank, e.player, e.score) for e in page.entries] == [(1, "bob", 30), (2, "cid", 20)]
    rest = await api.leaderboard_standings("pvp", partition="class:mage", cursor=page.next_cursor)
    assert [(e.rank, e.player) for e in rest.entries] == [(3, "ann")] and rest.next_cursor is None
    st = await api.leaderboard_standing("pvp", "cid", partition="class:mage", neighbours=1)
    assert isinstance(st, guildhall.PlayerStanding) and st.entry.rank == 2
    assert [x.player for x in st.above] == ["bob"] and [x.player for x in st.below] == ["ann"]
    periods = await api.leaderboard_periods("pvp")
    assert [p.status for p in periods] == ["open"] and isinstance(periods[0], guildhall.LeaderboardPeriod)
    assert [x.id for x in await api.leaderboards()] == ["pvp"]
    assert (await api.leaderboard("pvp")).metadata == {"title": "PvP"}

    await api.put_leaderboard("cup", tournament={
        "start": "2020-01-01T00:00:00Z", "end": "2999-01-01T00:00:00Z",
        "entry_fee": {"currency": "gold", "amount": 3}, "max_entrants": 1})
    with pytest.raises(guildhall.InsufficientFunds):
        await api.join_tournament("cup", "ann")
    await api.grant("ann", "gold", 3)
    j = await api.join_tournament("cup", "ann", idempotency_key="j1")
    assert isinstance(j, guildhall.JoinTournamentResult) and j.entrants == 1 and not j.already_joined
    assert (await api.join_tournament("cup", "ann", idempotency_key="j1")).replayed
    with pytest.raises(guildhall.TournamentFull):
        await api.join_tournament("cup", "bob")
    with pytest.raises(guildhall.TournamentClosed):
        await api.submit_score("cup", "bob", 1)
    assert (await api.submit_score("cup", "ann", 7)).period == "tournament"
    assert await api.run_leaderboard_resets() == []
    assert (await api.verify_ledger()).ok


async def test_achievements(api):
    d = await api.put_achievement({
        "id": "potions", "kind": "achievement", "title": "Potion buyer", "goal": 3,
        "counts": {"event": "item_purchased", "filter": {"item_id": "potion"}, "amount_field": "quantity"},
        "reward": {"currencies": [{"currency": "gold", "amount": 25}], "items": [{"item_id": "sword", "quantity": 1}]},
    })
    assert isinstance(d, guildhall.Achievement) and d.goal == 3 and d.counts["filter"] == {"item_id": "potion"}
    with pytest.raises(guildhall.InvalidArgument):
        await api.put_achievement({"id": "bad", "kind": "quest", "title": "Bad", "goal": 0})
    await api.put_achievement({"id": "weekly", "kind": "quest", "title": "Weekly", "goal": 2,
                               "reset": "weekly", "prerequisites": ["potions"]})
    assert [x.id for x in await api.achievements()] == ["potions", "weekly"]
    assert (await api.achievement("weekly")).reset == "weekly"
    # A purchase counts in its own commit; the locked quest does not move.
    await api.grant("hero", "gold", 100)
    await api.purchase("hero", "potion", 3)
    st = await api.achievement_status("hero", "potions")
    assert isinstance(st, guildhall.AchievementStatus) and st.progress == 3 and st.completed_at is not None
    with pytest.raises(guildhall.NotCompleted):
        await api.claim_achievement("hero", "weekly")
    # Explicit progress (a server's call); the prerequisite is complete now.
    p = await api.progress_achievement("hero", "weekly", 5, idempotency_key="w-1")
    assert isinstance(p, guildhall.ProgressResult) and (p.added, p.progress) == (2, 2) and p.period
    assert (await api.progress_achievement("hero", "weekly", 5, idempotency_key="w-1")).replayed
    c = await api.claim_achievement("hero", "potions", idempotency_key="c-1")
    assert isinstance(c, guildhall.AchievementClaimResult) and c.balances[0].amount == 100 - 30 + 25
    assert (await api.claim_achievement("hero", "potions", idempotency_key="c-1")).replayed
    with pytest.raises(guildhall.AlreadyClaimed):
        await api.claim_achievement("hero", "potions")
    mine = await api.player_achievements("hero")
    assert [(s.achievement.id, s.progress, s.claimed_at is not None) for s in mine] == [
        ("potions", 3, True), ("weekly", 2, False)]
    with pytest.raises(guildhall.InvalidArgument):
        await api.delete_achievement("potions")
    assert (await api.delete_achievement("weekly")).id == "weekly"
    with pytest.raises(guildhall.NotFound):
        await api.achievement("weekly")
    assert (await api.verify_ledger()).ok


async def test_trade(api):
    await api.grant("seller", "gold", 100)
    await api.grant_item("buyer", "sword", 1)
    with pytest.raises(guildhall.InvalidArgument):
        await api.open_trade("seller", "seller")
    t = await api.open_trade("seller", "buyer", {"currencies": [{"currency": "gold", "amount": 60}]},
                             idempotency_key="t-1")
    assert isinstance(t, guildhall.TradeResult) and t.trade.revision == 1 and t.trade.state == "open"
    assert (await api.open_trade("seller", "buyer", {"currencies": [{"currency": "gold", "amount": 60}]},
                                 idempotency_key="t-1")).replayed
    tid = t.trade.id
    u = await api.set_trade_offer("buyer", tid, {"items": [{"item_id": "sword", "quantity": 1}]},
                                  revision=1, confirm=True)
    assert u.trade.revision == 2 and u.trade.sides[1].confirmed
    with pytest.raises(guildhall.TradeChanged):
        await api.confirm_trade("seller", tid, 1)
    done = await api.confirm_trade("seller", tid, 2)
    assert done.trade.state == "completed"
    with pytest.raises(guildhall.TradeClosed):
        await api.cancel_trade("buyer", tid)
    assert (await api.balance("buyer", "gold")) == 60
    got = await api.trade(tid)
    assert isinstance(got, guildhall.Trade) and got.transaction_id == done.trade.transaction_id
    entries = await api.trade_ledger(tid)
    assert [(e.reason, e.metadata["trade_id"], e.amount) for e in entries] == [("trade", tid, 60)]
    mine = await api.player_trades("buyer")
    assert isinstance(mine, guildhall.PlayerTrades) and [x.id for x in mine.past] == [tid]
    other = await api.open_trade("buyer", "seller")
    c = await api.cancel_trade("seller", other.trade.id)
    assert c.trade.cancel_reason == "cancelled"
    assert [x.id for x in await api.recent_trades(2)] == [other.trade.id, tid]
    assert await api.expire_trades() == 0


async def test_loot(api):
    table = await api.put_loot_table({"id": "chest", "rolls": 1, "entries": [
        {"currency": "gold", "min": 5, "max": 5, "guaranteed": True},
        {"item": "potion", "min": 1, "max": 1}]})
    assert isinstance(table, guildhall.LootTable) and table.id == "chest"
    with pytest.raises(guildhall.InvalidArgument):
        await api.put_loot_table({"id": "bad", "entries": [{"item": "potion", "min": 3, "max": 1}]})
    assert [t.id for t in await api.loot_tables()] == ["chest"]
    assert (await api.loot_table("chest")).rolls == 1
    r = await api.roll_loot("looter", "chest", idempotency_key="l-1")
    assert isinstance(r, guildhall.LootResult)
    assert (await api.roll_loot("looter", "chest", idempotency_key="l-1")).replayed
    assert (await api.balance("looter", "gold")) == 5
    assert (await api.loot_result(r.id)).seed == r.seed
    assert (await api.replay_loot(result_id=r.id)).matches
    # A party drop: need beats greed, decided when the last member chooses.
    party = await api.create_party("pl", open=True)
    await api.join_party("pm", party.id)
    await api.put_loot_table({"id": "relic-drop", "rolls": 0,
                              "entries": [{"item": "relic", "guaranteed": True}]})
    pr = await api.roll_loot("pl", "relic-drop", party=True)
    roll_id = pr.drops[0].roll_id
    assert (await api.loot_roll(roll_id)).status == "open"
    await api.choose_loot_roll(roll_id, "pl", "greed")
    won = await api.choose_loot_roll(roll_id, "pm", "need")
    assert won.roll.status == "resolved" and won.roll.winner == "pm"
    assert await api.resolve_loot_rolls() == []
    assert (await api.delete_loot_table("chest")).id == "chest"
    with pytest.raises(guildhall.NotFound):
        await api.loot_table("chest")


async def test_rooms_and_the_lobby(api):
    made = await api.create_room("duel", 2, player="rita", metadata={"map": "dust"},
                                 server="10.0.0.5:22005", idempotency_key="r-1")
    assert isinstance(made, guildhall.RoomResult) and made.room.owner == "rita"
    assert (await api.create_room("duel", 2, player="rita", metadata={"map": "dust"},
                                  server="10.0.0.5:22005", idempotency_key="r-1")).replayed
    rid = made.room.id
    with pytest.raises(guildhall.InvalidArgument):
        await api.create_room("duel", 0)
    entered = await api.enter_room("sam", rid)
    assert [m.player for m in entered.room.players] == ["rita", "sam"]
    with pytest.raises(guildhall.RoomFull):
        await api.enter_room("tom", rid)
    room = await api.room(rid)
    assert isinstance(room, guildhall.Room) and room.metadata == {"map": "dust"}
    assert (await api.player_room("sam")).id == rid
    assert await api.player_room("tom") is None
    # Presence shows the room of the membership.
    s = await api.login("sam", lobby="main", room="elsewhere")
    assert s.location["room"] == rid
    await api.login("tom", lobby="main")
    view = await api.lobby()
    assert isinstance(view, guildhall.LobbyView) and view.online_count == 2
    assert (view.rooms[0].players, view.rooms[0].server) == (2, "10.0.0.5:22005")
    pushed = await api.push_lobby()
    assert pushed.recipients == 1  # tom: in the lobby, in no room
    assert (await api.push_lobby(unless_fingerprint=pushed.fingerprint)).recipients == 0
    assert (await api.push_lobby(player="sam")).recipients == 1
    # A system room; entering it leaves the first.
    other = (await api.create_room("ffa", 8)).room.id
    moved = await api.enter_room("sam", other)
    assert moved.left_room == rid
    assert [r.id for r in await api.rooms()] == sorted([rid, other])
    left = await api.leave_room("sam")
    assert left.left_room == other and left.room.players == []
    with pytest.raises(guildhall.NotFound):
        await api.leave_room("sam", room_id=rid)
    gone = await api.destroy_room(rid)
    assert [m.player for m in gone.room.players] == ["rita"]
    with pytest.raises(guildhall.NotFound):
        await api.room(rid)
    page = await api.room_log(rid, limit=2)
    assert isinstance(page, guildhall.RoomLogPage)
    assert [e.action for e in page.entries] == ["created", "entered"]
    rest = await api.room_log(rid, after=page.next_cursor)
    assert [e.action for e in rest.entries] == ["entered", "left", "destroyed"]
    assert await api.destroy_idle_rooms() == 0


async def test_payment_log_and_game_data_files(api):
    page = await api.payment_log(limit=10)
    assert isinstance(page, guildhall.PaymentLogPage) and page.entries == [] and page.next_cursor is None
    with pytest.raises(guildhall.InvalidArgument):
        await api.payment_log(limit=0)
    with pytest.raises(guildhall.NotFound):
        await api.payment("stripe", "pi_none")
    v1 = await api.upload_file("items.csv", base64.b64encode(b"id,name\n1,Potion\n").decode(), content_type="text/csv")
    assert isinstance(v1, guildhall.FileMeta) and v1.size == 17 and len(v1.sha256) == 64
    v2 = await api.upload_file("items.csv", base64.b64encode(b"id\n").decode())
    assert v2.version > v1.version and v2.content_type == "application/octet-stream"
    with pytest.raises(guildhall.InvalidArgument):
        await api.upload_file("items.csv", "not base64!")
    got = await api.file_content("items.csv")
    assert isinstance(got, guildhall.FileContent) and base64.b64decode(got.content_base64) == b"id\n"
    listing = await api.files(since=v1.version)
    assert [f.name for f in listing.files] == ["items.csv"] and listing.latest == v2.version
    assert [f.version for f in await api.file_versions("items.csv")] == [v2.version, v1.version]
    with pytest.raises(guildhall.NotFound):
        await api.file_content("missing.csv")


async def test_characters_bank_and_equipment(api):
    a = await api.create_character("acc", "Legolas", idempotency_key="cc-1")
    assert isinstance(a, guildhall.CharacterResult) and a.character.account == "acc"
    assert (await api.create_character("acc", "Legolas", idempotency_key="cc-1")).replayed
    with pytest.raises(guildhall.NameTaken):
        await api.create_character("other", "LEGOLAS")
    b = (await api.create_character("acc", "Gimli")).character
    hero = a.character.id
    assert (await api.rename_character("acc", hero, "Greenleaf")).character.name == "Greenleaf"
    assert (await api.character(hero)).name == "Greenleaf"
    s = await api.select_character("acc", hero)
    assert isinstance(s, guildhall.CharacterSelection) and s.access_token is None
    listed = await api.characters("acc")
    assert (listed.live, listed.slots, listed.selected) == (2, 3, hero)
    await api.grant(hero, "gold", 100)
    d = await api.bank_deposit(hero, currency="gold", amount=40, idempotency_key="bd-1")
    assert (d.bank_balance, d.character_balance) == (40, 60)
    with pytest.raises(guildhall.InsufficientFunds):
        await api.bank_withdraw(b.id, currency="gold", amount=41)
    assert (await api.bank_withdraw(b.id, currency="gold", amount=15)).bank_balance == 25
    await api.upsert_catalog_item({"id": "helm", "name": "Helm", "kind": "durable", "metadata": {"slot": "head"}})
    with pytest.raises(guildhall.NotOwned):
        await api.equip_item(hero, "helm")
    await api.grant_item(hero, "helm", 1)
    assert (await api.equip_item(hero, "helm")).slot == "head"
    assert [i.item_id for i in (await api.equipment(hero)).items] == ["helm"]
    assert (await api.unequip_item(hero, "head")).previous == "helm"
    await api.equip_item(hero, "helm")
    moved = await api.bank_deposit(hero, item_id="helm")
    assert moved.unequipped == "head" and (await api.equipment(hero)).items == []
    bank = await api.account_bank(b.id)
    assert bank.account == "acc" and [i.item_id for i in bank.items] == ["helm"]
    assert (await api.delete_character("acc", b.id)).character.purge_at is not None
    with pytest.raises(guildhall.NotFound):
        await api.bank_withdraw(b.id, item_id="helm")
    assert (await api.restore_character("acc", b.id)).character.deleted_at is None
    assert (await api.verify_ledger()).ok


def test_zz_every_operation_covered():
    """Runs last in this module: every operation was called through both clients."""
    for kind in ("sync", "async"):
        missing = set(guildhall.OPERATIONS) - CALLED[kind]
        assert not missing, f"{kind} client: not exercised: {sorted(missing)}"
