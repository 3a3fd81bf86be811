from allo.privacy.pseudonyms import PseudonymKeys, key_id, normalise_number, pseudonymise, split_keys

KEY = b"k" * 32


def test_international_and_national_forms_give_the_same_pseudonym():
    assert normalise_number("+33 6 12 34 56 78") == "0612345678"
    assert normalise_number("0033612345678") == "0612345678"
    assert pseudonymise(KEY, "+33612345678") == pseudonymise(KEY, "06 12 34 56 78")


def test_pseudonym_depends_on_the_key_and_hides_the_number():
    one = pseudonymise(KEY, "0612345678")
    assert one is not None and "0612345678" not in one and len(one) == 64
    assert pseudonymise(b"other-key", "0612345678") != one


def test_withheld_numbers_have_no_pseudonym():
    assert pseudonymise(KEY, None) is None
    assert pseudonymise(KEY, "") is None
    assert pseudonymise(KEY, "anonymous") is None


def test_rotated_keys_make_new_pseudonyms_with_the_current_key_and_still_find_older_ones():
    before = PseudonymKeys.of("old-key")
    after = PseudonymKeys.of("new-key", "old-key")
    stored_before = before.pseudonym("06 12 34 56 78")
    assert after.pseudonym("+33612345678") == pseudonymise(b"new-key", "0612345678") != stored_before
    assert after.older_pseudonyms("+33 6 12 34 56 78") == [stored_before]
    assert after.older_pseudonyms(None) == [] and after.pseudonym("") is None


def test_previous_keys_are_listed_newest_first_without_repeats_nor_the_current_one():
    keys = PseudonymKeys.of("c", " b, a ,b,,c")
    assert keys.previous == ("b", "a")
    assert keys.ids() == [key_id("c"), key_id("b"), key_id("a")]
    assert split_keys("") == []


def test_key_ids_name_a_key_without_revealing_it():
    secret = "x" * 43
    assert len(key_id(secret)) == 8 and key_id(secret) == key_id(secret) != key_id(secret + "y")
    assert secret[:8] not in key_id(secret) and "x" * 4 not in repr(PseudonymKeys.of(secret))
