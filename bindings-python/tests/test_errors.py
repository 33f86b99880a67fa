"""The exception hierarchy: one class per stable code, raised with code, message, details."""

import pickle
import time

import pytest

import guildhall

#: The stable codes of SPEC.md "Error codes", in order.
SPEC_CODES = [
    "INVALID_ARGUMENT", "NOT_FOUND", "INSUFFICIENT_FUNDS", "BALANCE_LIMIT", "ALREADY_OWNED",
    "NOT_OWNED", "NOT_CONSUMABLE", "INSUFFICIENT_QUANTITY", "STACK_LIMIT", "NOT_FOR_SALE",
    "IDEMPOTENCY_CONFLICT", "MAIL_SEND_LIMIT", "MAIL_NOT_READ", "ALREADY_CLAIMED",
    "UNCLAIMED_ATTACHMENTS", "PARTY_FULL", "ALREADY_IN_PARTY", "NOT_IN_PARTY",
    "NOT_PARTY_LEADER", "INVITE_EXPIRED", "TICKET_EXISTS", "UNAUTHENTICATED", "FORBIDDEN",
    "BANNED", "RATE_LIMITED", "CONFLICT", "UNAVAILABLE", "ALREADY_FRIENDS", "BLOCKED",
    "LIMIT_REACHED", "NAME_TAKEN", "GROUP_FULL", "NOT_GROUP_MEMBER", "GROUP_PERMISSION", "MUTED",
    "NOT_CHANNEL_MEMBER", "TOURNAMENT_CLOSED", "TOURNAMENT_FULL", "NOT_COMPLETED", "TRADE_CLOSED",
    "TRADE_CHANGED", "ROOM_FULL", "CODE_INVALID", "CODE_EXPIRED",
]


def camel(code):
    return "".join(w.capitalize() for w in code.split("_"))


def test_one_class_per_code():
    assert list(guildhall.ERROR_CLASSES) == SPEC_CODES
    assert issubclass(guildhall.GuildhallError, Exception)
    assert guildhall.GuildhallError.code is None
    for code in SPEC_CODES:
        cls = getattr(guildhall, camel(code))
        assert guildhall.ERROR_CLASSES[code] is cls
        assert issubclass(cls, guildhall.GuildhallError)
        assert cls.code == code
        assert cls.__module__ == "guildhall" and cls.__name__ == camel(code)
        assert code in cls.__doc__
        assert camel(code) in guildhall.__all__
    # distinct classes, none a subclass of another
    classes = list(guildhall.ERROR_CLASSES.values())
    for a in classes:
        for b in classes:
            assert a is b or not issubclass(a, b)


def test_every_class_can_be_raised_and_caught():
    for code, cls in guildhall.ERROR_CLASSES.items():
        with pytest.raises(guildhall.GuildhallError) as e:
            raise cls(f"{code}: test")
        assert type(e.value) is cls and e.value.code == code


def test_raised_error_carries_code_message_details(gh):
    with pytest.raises(guildhall.InsufficientFunds) as e:
        gh.spend("pat", "gold", 10)
    err = e.value
    assert err.code == "INSUFFICIENT_FUNDS"
    assert str(err).startswith("INSUFFICIENT_FUNDS: ")
    assert err.message and err.message in str(err)
    assert isinstance(err.details, dict)
    with pytest.raises(guildhall.NotFound) as e:
        gh.catalog_item("missing")
    assert e.value.details == {"kind": "catalog item", "id": "missing"}
    with pytest.raises(guildhall.InvalidArgument) as e:
        gh.grant("x" * 200, "gold", 1)
    assert e.value.details == {"field": "player"}
    # the exception survives pickling with its class (e.g. across multiprocessing)
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is guildhall.InvalidArgument


def test_codes_reached_through_calls(gh):
    """Each refusal the core can give to a binding caller, raised as its class."""
    gh.grant("a", "gold", 100)

    def raises(cls, fn, *args, **kwargs):
        with pytest.raises(cls) as e:
            fn(*args, **kwargs)
        assert e.value.code == cls.code
        return e.value

    raises(guildhall.InvalidArgument, gh.grant, "a", "gold", 0)
    raises(guildhall.NotFound, gh.purchase, "a", "nope")
    raises(guildhall.InsufficientFunds, gh.transfer, "a", "b", "gold", 101)
    raises(guildhall.BalanceLimit, gh.grant, "a", "gems", 5000)
    gh.purchase("a", "sword")
    raises(guildhall.AlreadyOwned, gh.purchase, "a", "sword")
    raises(guildhall.NotOwned, gh.use_item, "b", "potion")
    raises(guildhall.NotConsumable, gh.use_item, "a", "sword")
    gh.grant_item("a", "potion", 1)
    raises(guildhall.InsufficientQuantity, gh.use_item, "a", "potion", 2)
    raises(guildhall.StackLimit, gh.grant_item, "a", "potion", 100)
    raises(guildhall.NotForSale, gh.purchase, "a", "relic")
    gh.spend("a", "gold", 1, idempotency_key="k")
    raises(guildhall.IdempotencyConflict, gh.spend, "a", "gold", 2, idempotency_key="k")
    gh.send_mail("b", "1", sender="player:a")
    gh.send_mail("b", "2", sender="player:a")
    raises(guildhall.MailSendLimit, gh.send_mail, "b", "3", sender="player:a")
    m = gh.send_mail("b", "gift", attachments={"currencies": [{"currency": "gold", "amount": 1}]}).mail
    raises(guildhall.MailNotRead, gh.claim_mail, "b", m.id)
    gh.open_mail("b", m.id)
    raises(guildhall.UnclaimedAttachments, gh.delete_mail, "b", m.id)
    gh.claim_mail("b", m.id)
    raises(guildhall.AlreadyClaimed, gh.claim_mail, "b", m.id)
    party = gh.create_party("l")
    raises(guildhall.AlreadyInParty, gh.create_party, "l")
    raises(guildhall.NotInParty, gh.leave_party, "z")
    gh.invite_to_party("l", "m")
    gh.accept_invite("m", party.id)
    raises(guildhall.NotPartyLeader, gh.kick_from_party, "m", "l")
    gh.invite_to_party("l", "n")
    gh.invite_to_party("l", "o")
    gh.accept_invite("n", party.id)
    raises(guildhall.PartyFull, gh.accept_invite, "o", party.id)
    gh.queue("q", "duel")
    raises(guildhall.TicketExists, gh.queue, "q", "duel")


def test_invite_expired(tmp_path):
    from conftest import CONFIG
    gh = guildhall.Client.open(f"sqlite:{tmp_path}/x.db", {**CONFIG, "party": {"max_size": 3, "invite_ttl_secs": 1}})
    party = gh.create_party("l")
    gh.invite_to_party("l", "m")
    time.sleep(1.1)
    with pytest.raises(guildhall.InviteExpired):
        gh.accept_invite("m", party.id)


def test_unavailable_storage(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(guildhall.Unavailable):
        guildhall.Client.open(f"sqlite:{blocker}/sub/game.db")


async def test_async_errors_are_the_same_classes(agh):
    with pytest.raises(guildhall.InsufficientFunds) as e:
        await agh.spend("pat", "gold", 10)
    assert e.value.code == "INSUFFICIENT_FUNDS" and isinstance(e.value.details, dict)
    with pytest.raises(guildhall.InvalidArgument):
        await guildhall.AsyncClient.open("mysql://nope")
