from allo.privacy import normalise_number, pseudonymise

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
