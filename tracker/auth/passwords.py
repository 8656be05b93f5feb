"""Password hashing (Argon2id, OWASP minimum parameters) and password rules."""
import gzip
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 12
MAX_LENGTH = 128
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = HASHER.hash("not-a-real-password-for-timing")
HERE = Path(__file__).parent
# The 100,000 most frequent passwords of public breaches (SecLists, built by
# tracker/auth/breached_list.py, which names the source), and Danish ones they lack.
BREACHED_LIST = HERE / "breached-passwords.txt.gz"
DANISH_LIST = HERE / "danish-passwords.txt"
# Digits, punctuation and spaces people put around a common word ("Summer2024!!").
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
NAME_PART = re.compile(r"[^\W\d_]{3,}")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always spends one verification."""
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def known_passwords() -> frozenset[str]:
    """Breached and common passwords, lower-cased; read once per process, when first needed."""
    with gzip.open(BREACHED_LIST, "rt", encoding="utf-8") as fh:
        breached = {line.rstrip("\n") for line in fh}
    danish = {line.strip().lower() for line in DANISH_LIST.read_text().splitlines()}
    return frozenset((breached | danish) - {""})


def is_known(password: str) -> bool:
    """True when the password, or its word without the digits and signs around it, is on
    the lists: "Password123!" is "password" with a suffix, and guessers try those first."""
    lowered = password.lower()
    base = _DECORATION.sub("", lowered)
    known = known_passwords()
    return lowered in known or (bool(base) and base in known)


def personal_parts(name: str = "", email: str = "") -> set[str]:
    """What a password must not contain: the name's words of three or more letters and the
    e-mail's local part with its words, lower-cased."""
    local = email.strip().lower().partition("@")[0]
    parts = set(NAME_PART.findall(name.lower())) | set(NAME_PART.findall(local))
    if len(local) >= 3:
        parts.add(local)
    return parts


def password_problem(password: str, name: str = "", email: str = "") -> str | None:
    """Why a new password is refused, in the user's language; None when it is fine. `name`
    and `email` are the user's, whose parts the password must not contain."""
    from tracker.i18n import gettext as _

    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password may have at most %(n)d characters.", n=MAX_LENGTH)
    if len(set(password)) < 4 or is_known(password):
        return _("This password is too common or too simple. Choose another.")
    lowered = password.lower()
    if any(part in lowered for part in personal_parts(name, email)):
        return _("The password must not contain the user's name or e-mail address.")
    return None
