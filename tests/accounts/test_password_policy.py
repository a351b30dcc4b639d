"""Repetitive or sequential passwords are refused (NIST SP 800-63B) wherever a password is set; real
passphrases, including ones with a few repeats or a short run, are not."""

import pytest

from app.runtime import Runtime
from app.security.passwords import PasswordProblem, password_problems, predictable_share
from app.services.errors import AccountError
from app.services.setup import create_account
from tests.accounts.queries import CHANGE_PASSWORD, REGISTER, REQUEST_RESET, RESET
from tests.support import Api, Caller, Mailbox, link_token, login

PREDICTABLE = [
    "aaaaaaaaaaaa",
    "1234567890ab",
    "abcdefghijkl",
    "qwertyuiop12",
    "abababababab",
    "zyxwvutsrqpo",
    "987654321098",
    "ABCDEFGHIJKL",
    "AbCdEfGhIjKl",
    "\uff41\uff42\uff43\uff44\uff45\uff46\uff47\uff48\uff49\uff4a\uff4b\uff4c",  # fullwidth abcdefghijkl
    "abcabcabcabc",
    "passwordpassword",
    "hello hello hello",
    "aaaaaaaaaa1b",
    "!@#$%^&*()12",
    "asdfghjkl;'x",
    "qwertzuiop12",  # German keyboard
    "azertyuiop12",  # French keyboard
    "11112222333344445555",
    "abcd1234xy!?",
    "aaaaaaaaaaaaaaaaaaaaaaaaahello",
    "zz" + "9876543210" * 3,
]
PASSPHRASES = [
    "a perfectly fine passphrase",
    "an even better passphrase",
    "correct horse battery staple",
    "mississippi river boat",
    "bookkeeper committee",
    "my pin is 1234567890",  # a run, but not most of it
    "ilovecats123456",
    "Tr0ub4dor&3xx",
    "demo-shopper-2026",
    "ada-lovelace-1815!",
    "xyzzy-plugh-frobozz",
]


@pytest.mark.parametrize("password", PREDICTABLE)
def test_predictable_passwords_are_refused(password: str) -> None:
    assert password_problems(password) == [PasswordProblem.TOO_PREDICTABLE]


@pytest.mark.parametrize("password", PASSPHRASES)
def test_passphrases_pass(password: str) -> None:
    assert password_problems(password) == []


def test_the_share_counts_what_could_be_guessed_from_what_came_before() -> None:
    assert predictable_share("") == 0.0
    assert predictable_share("aaaa") == 3 / 4  # the first "a" is news, the rest is not
    assert predictable_share("abcd") == 3 / 4
    assert predictable_share("dcba") == 3 / 4
    assert predictable_share("abab") == 2 / 4
    assert predictable_share("ab") == 0.0  # two in a row is not a run
    assert predictable_share("xkcdpqzv") == 0.0


def test_common_passwords_and_short_ones_get_their_own_single_answer() -> None:
    assert password_problems("1234567890") == [PasswordProblem.TOO_COMMON]
    assert password_problems("qwertyuiop") == [PasswordProblem.TOO_COMMON]
    assert PasswordProblem.TOO_PREDICTABLE not in password_problems("aaaa")


def codes(payload: dict[str, object]) -> list[tuple[str, str]]:
    return [(e["field"][-1], e["code"]) for e in payload["userErrors"]]  # type: ignore[attr-defined]


async def test_register_refuses_predictable_passwords(api: Api) -> None:
    for index, password in enumerate(PREDICTABLE[:8]):
        result = await api.ok(REGISTER, {"input": {"email": f"p{index}@example.com", "password": password}})
        assert codes(result["register"]) == [("password", "PASSWORD_TOO_PREDICTABLE")], password
        assert "repeated or sequential" in result["register"]["userErrors"][0]["message"]
    ok = await api.ok(REGISTER, {"input": {"email": "someone@example.com", "password": PASSPHRASES[0]}})
    assert ok["register"]["userErrors"] == []


async def test_change_and_reset_refuse_predictable_passwords(api: Api, customer: Caller, mailbox: Mailbox) -> None:
    for password in PREDICTABLE[:8]:
        changed = await api.ok(
            CHANGE_PASSWORD,
            {"input": {"currentPassword": customer.password, "newPassword": password}},
            token=customer.token,
        )
        assert codes(changed["changePassword"]) == [("newPassword", "PASSWORD_TOO_PREDICTABLE")], password
    await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email}})
    token = link_token(await mailbox.wait_for(customer.customer.email, "Reset"), "/reset-password")
    for password in PREDICTABLE[:8]:
        reset = await api.ok(RESET, {"input": {"token": token, "newPassword": password}})
        assert codes(reset["resetPassword"]) == [("newPassword", "PASSWORD_TOO_PREDICTABLE")], password
    # Nothing changed, and the link is still good for a real passphrase.
    await login(api, customer.customer.email, customer.password)
    done = await api.ok(RESET, {"input": {"token": token, "newPassword": "an even better passphrase"}})
    assert done["resetPassword"]["userErrors"] == []


async def test_administrators_created_from_the_command_line_follow_the_rule(rt: Runtime) -> None:
    with pytest.raises(AccountError) as refused:
        await create_account(rt, email="root@example.com", password="abcdefghijkl", roles=[])
    assert [(d.code.name, d.field) for d in refused.value.details] == [("PASSWORD_TOO_PREDICTABLE", ("password",))]
