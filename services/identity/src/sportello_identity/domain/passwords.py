"""What makes a password acceptable."""

import string

from sportello_identity.domain.errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_CHARACTER_CLASSES = 3
# The most common choices that still pass the length and class rules.
COMMON = frozenset(
    {"password123!", "qwertyuiop1!", "password2024!", "password2025!", "password2026!"}
)


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
    if lowered in COMMON:
        problems.append("è troppo comune")
    return problems


def check_password(password: str, *, username: str, fiscal_code: str) -> None:
    problems = password_problems(password, username=username, fiscal_code=fiscal_code)
    if problems:
        raise WeakPassword(problems)
