"""Relay platforms' calls: ALLO_RELAY_MATCH parsed and matched (pure)."""

import pytest

from routing.relay import RelayMatchError, parse_relay_match


def national(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return "0" + digits[2:] if number.startswith("+33") else digits


MATCH = parse_relay_match("192.0.2.0/28, 198.51.100.7 ,2001:db8::/48, +33144556677, to:0800111222", national)


@pytest.mark.parametrize(("source", "caller", "dialled", "why"), [
    ("192.0.2.14:5060", "0612345678", "3939", "SIP source in 192.0.2.0/28"),
    ("198.51.100.7", None, "3939", "SIP source in 198.51.100.7/32"),
    ("[2001:db8::5]:5060", None, "3939", "SIP source in 2001:db8::/48"),
    ("127.0.0.1:5061", "0144556677", "3939", "relay platform's caller number"),
    ("127.0.0.1:5061", None, "0800111222", "dedicated number 0800111222"),
    ("192.0.2.16:5060", "0612345678", "3939", None),
    ("", "", "", None),
    ("not an address", None, None, None),
])
def test_a_call_matches_by_source_caller_or_dialled_number(source, caller, dialled, why):
    assert MATCH.match(source, caller, dialled, national) == why


def test_empty_setting_matches_nothing():
    match = parse_relay_match(" , ", national)
    assert match.empty and match.match("192.0.2.1:5060", "0144556677", "3939", national) is None


@pytest.mark.parametrize("entry", ["relay.example", "to:08001112a2", "to:", "192.0.2.0/33", "12", "+33 1 44"])
def test_a_bad_entry_is_named_in_a_clear_error(entry):
    with pytest.raises(RelayMatchError, match="ALLO_RELAY_MATCH") as raised:
        parse_relay_match(f"192.0.2.1,{entry}", national)
    assert repr(entry.strip()) in str(raised.value) or entry.startswith("to:")
