"""The number at rest: Fernet under a key derived from the generated secret; dial strings only from digits."""

from __future__ import annotations

import pytest

from allo.callbacks.asterisk import attempt_of_channel, dial_string
from allo.callbacks.crypto import PhoneCipher
from allo.errors import ConfigError


def test_the_number_is_not_in_the_token_and_comes_back_with_the_same_key():
    token = PhoneCipher("generated-secret").encrypt("0612345678")
    assert b"0612345678" not in token and b"612345678" not in token
    assert PhoneCipher("generated-secret").decrypt(token) == "0612345678"
    assert PhoneCipher("generated-secret").encrypt("0612345678") != token  # random IV: equal numbers differ


def test_another_key_cannot_read_it_and_an_empty_key_is_refused():
    token = PhoneCipher("one").encrypt("0612345678")
    with pytest.raises(ConfigError):
        PhoneCipher("two").decrypt(token)
    with pytest.raises(ConfigError):
        PhoneCipher("")
    assert "0612" not in repr(PhoneCipher("one"))


def test_dial_string_takes_only_a_normalised_number():
    assert dial_string("PJSIP/trunk/sip:{number}@10.0.0.1", "0612345678") == "PJSIP/trunk/sip:0612345678@10.0.0.1"
    for bad in ("06123456789", "0612345678,1", "+33612345678", "0612&Local"):
        with pytest.raises(ValueError, match="national"):
            dial_string("PJSIP/trunk/sip:{number}@h", bad)


def test_channels_of_an_attempt_are_recognised():
    assert attempt_of_channel("Local/42@allo-callback-wait-0000001a;2") == 42
    assert attempt_of_channel("Local/42@allo-callback-wait-0000001a;1") == 42
    assert attempt_of_channel("Local/42@other-0000001a;2") is None
    assert attempt_of_channel("PJSIP/trunk-00000003") is None


def test_during_a_rotation_the_previous_key_decrypts_and_only_the_current_one_encrypts():
    old_token = PhoneCipher("old").encrypt("0612345678")
    rotating = PhoneCipher("new", "old")
    assert rotating.decrypt(old_token) == "0612345678"
    assert not rotating.current_reads(old_token)
    fresh = rotating.encrypt("0698765432")
    assert rotating.current_reads(fresh) and PhoneCipher("new").decrypt(fresh) == "0698765432"
    moved = rotating.rotate(old_token)
    assert rotating.current_reads(moved) and PhoneCipher("new").decrypt(moved) == "0612345678"
    with pytest.raises(ConfigError):
        PhoneCipher("old").decrypt(moved)
    with pytest.raises(ConfigError):
        PhoneCipher("new", ["other"]).rotate(old_token)
    assert rotating.ids() == PhoneCipher("new", " old ,new").ids() and len(rotating.ids()) == 2
