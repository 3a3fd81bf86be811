"""What counts as a weak secret, and the passwords allo generates pass while guessable ones do not."""

import secrets

import pytest

from allo.auth.passwords import WeakPassword, check_strength, new_password
from allo.db.seed import REALM, new_sip_password, password_digest
from allo.doctor.secrets_check import MIN_SECRET_LENGTH, guesses, md5_digest, weak_digest, weak_secret


def test_generated_secrets_pass():
    for _ in range(200):
        assert weak_secret(secrets.token_urlsafe(32), "allo") is None  # the AMI secret of `allo setup`
        sip = new_sip_password()
        assert len(sip) >= MIN_SECRET_LENGTH and weak_secret(sip, "agent1001") is None
        assert weak_digest("agent1001", REALM, password_digest("agent1001", sip)) is None
    assert len({new_sip_password() for _ in range(100)}) == 100


@pytest.mark.parametrize(("secret", "reason"), [
    ("", "is empty"), ("ALLO", "well-known default"), ("amp111", "well-known default"),
    ("allo-2024-allo!", "user name"), ("Tr0ub4dor&3", "has 11 characters, fewer than 16"),
    ("correcthorsebatterystaple", "uses only lower-case letters"), ("ABCDEFGHIJKLMNOPQRS", "uses only upper-case"),
    ("abab1212abab1212ab", "repeats 4 distinct characters"),
])
def test_weak_secrets_say_why(secret, reason):
    assert reason in weak_secret(secret, "allo")


def test_a_long_secret_that_happens_to_contain_the_user_name_passes():
    assert weak_secret("Zq8-allo-Rk2_vW9pLm4TnB7", "allo") is None


def test_digests_match_the_sip_digest_of_the_seed():
    assert md5_digest("fred", "allo", "mypass") == password_digest("fred", "mypass")


def test_every_guess_is_recognised_from_its_digest_only():
    for guess in guesses("agent1001"):
        assert weak_digest("agent1001", REALM, "MD5:" + password_digest("agent1001", guess)) is not None, guess
    assert "1001" in guesses("agent1001") and "agent1001" in guesses("agent1001")


def test_web_passwords_need_16_characters_and_generated_ones_have_them():
    with pytest.raises(WeakPassword, match="at least 16"):
        check_strength("fifteen-chars-x")
    check_strength("sixteen-chars-xx")
    assert len(new_password()) >= 16
