"""What makes a password acceptable."""

import string

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from sportello_identity.domain.errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_CHARACTER_CLASSES = 3
# The 30,000 passwords seen most often in real breaches (zxcvbn's own list, lower case), read
# once: a password that is one of them, or one of them padded with digits and symbols to pass
# the class rules (`Password2026!`), is among the first an attacker tries.
BREACHED = frozenset(FREQUENCY_LISTS["passwords"])
_PADDING = string.digits + string.punctuation + " "
# zxcvbn's score (0-4) estimates the guesses a password needs from its patterns (words of
# several languages' dictionaries, names, dates, keyboard walks, repeats, l33t): 3 is "safely
# unguessable" (over 10^8 guesses) and what zxcvbn's authors advise as the floor. It catches
# what a list cannot, such as `Qwertyuiop1!` or a word and a year, and judges only passwords
# that already meet the length rule (a short one is refused for its length alone), up to the
# longest zxcvbn judges (a longer one defeats guessing by its length).
MIN_STRENGTH = 3
_LONGEST_SCORED = 72


def password_problems(password: str, *, username: str, fiscal_code: str) -> list[str]:
    """Every reason the password is refused, in Italian for the user; empty when acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"deve avere almeno {MIN_LENGTH} caratteri")
    if len(password) > MAX_LENGTH:
        problems.append(f"non può superare {MAX_LENGTH} caratteri")
    classes = sum(
        any(c in chars for c in password)
        for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    ) + any(not c.isalnum() for c in password)
    if classes < MIN_CHARACTER_CLASSES:
        problems.append(
            "deve contenere almeno tre tipi di carattere tra minuscole, maiuscole, cifre e simboli"
        )
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("non può contenere il nome utente")
    if fiscal_code and fiscal_code.lower() in lowered:
        problems.append("non può contenere il codice fiscale")
    if MIN_LENGTH <= len(password) <= MAX_LENGTH:
        if is_breached(password):
            problems.append("è troppo comune: compare tra le password più usate e trapelate")
        elif len(password) <= _LONGEST_SCORED and _strength(password, username, fiscal_code) < (
            MIN_STRENGTH
        ):
            problems.append("è troppo facile da indovinare")
    return problems


def is_breached(password: str) -> bool:
    """True for a breached password, compared case-insensitively, bare or padded at its end."""
    lowered = password.lower()
    return lowered in BREACHED or lowered.rstrip(_PADDING) in BREACHED


def check_password(password: str, *, username: str, fiscal_code: str) -> None:
    problems = password_problems(password, username=username, fiscal_code=fiscal_code)
    if problems:
        raise WeakPassword(problems)


def _strength(password: str, username: str, fiscal_code: str) -> int:
    score: int = zxcvbn(password, user_inputs=[i for i in (username, fiscal_code) if i])["score"]
    return score
