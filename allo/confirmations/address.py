"""The caller's e-mail address: a syntax check only (there is no DNS here), with a French reason (pure).

The address itself never goes into an error, a log or the audit: the reasons below name the fault, not the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321's longest forward path, less the angle brackets
INVALID = "Adresse e-mail invalide"

# email-validator's English reasons, by how they start, in French (the first match wins; the rest is generic).
_REASONS: tuple[tuple[str, str], ...] = (
    ("An email address must have an @-sign", "il manque le signe « @ »"),
    ("There must be something before the @-sign", "il manque la partie avant le « @ »"),
    ("There must be something after the @-sign", "il manque le domaine après le « @ »"),
    ("The part after the @-sign is not valid. It should have a period",
     "le domaine après le « @ » doit contenir un point (par exemple « exemple.fr »)"),
    ("The part after the @-sign is not valid. It is not within a valid top-level domain",
     "le domaine après le « @ » ne se termine pas par une extension valide"),
    ("The part after the @-sign is a special-use", "ce domaine est réservé et ne reçoit pas de courrier"),
    ("An email address cannot have two periods in a row", "deux points se suivent"),
    ("An email address cannot end with a period", "l'adresse ne peut pas finir par un point"),
    ("An email address cannot start with a period", "l'adresse ne peut pas commencer par un point"),
    ("The email address is too long", "l'adresse est trop longue"),
    ("The email address contains invalid characters before the @-sign",
     "la partie avant le « @ » contient des caractères non autorisés"),
    ("The part after the @-sign contains invalid characters", "le domaine contient des caractères non autorisés"),
    ("A display name and angle brackets", "saisissez l'adresse seule, sans nom ni chevrons"),
    ("There can't be anything after the email address", "saisissez une seule adresse, sans texte après"),
    ("The email address contains an invalid character", "l'adresse contient un caractère non autorisé"),
    ("The email address contains unsafe characters", "l'adresse contient un caractère non autorisé"),
)
GENERIC = "la syntaxe n'est pas celle d'une adresse e-mail"


class AddressInvalid(ValueError):
    """`reason` is French and never contains the address."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return f"{INVALID} : {self.reason}."


@dataclass(frozen=True, slots=True)
class CheckedAddress:
    normalized: str  # as it will be written in the To header (domain lower-cased, Unicode normalised)


def french_reason(english: str) -> str:
    return next((french for prefix, french in _REASONS if english.startswith(prefix)), GENERIC)


def check_address(typed: str) -> CheckedAddress:
    """The address as typed during the call (surrounding blanks ignored), or AddressInvalid with a French reason."""
    address = typed.strip()
    if not address:
        raise AddressInvalid("saisissez l'adresse de l'appelant")
    if len(address) > MAX_LENGTH:
        raise AddressInvalid("l'adresse est trop longue")
    if any(ch in address for ch in "\r\n,;"):
        raise AddressInvalid("saisissez une seule adresse, sur une ligne")
    try:
        valid = validate_email(address, check_deliverability=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise AddressInvalid(french_reason(str(exc))) from None
    return CheckedAddress(valid.normalized)
