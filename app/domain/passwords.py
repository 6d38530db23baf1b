"""What a password must be (OWASP ASVS V2.1): long enough, not too long to hash, and not one that
is guessed early, checked offline with zxcvbn (its lists come from breached-password corpora and
common words, names and keyboard patterns) plus the words of this service and region, and the
person's own name, username and e-mail address."""
from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
#: zxcvbn's score: 3 = "safely unguessable" (about 10^8 guesses or more)
MIN_SCORE = 3
#: what people here pick that zxcvbn's English lists do not hold
LOCAL_WORDS = ("pasuruan", "kabupaten", "ppid", "diskominfo", "kominfo", "pemkab", "indonesia", "bangil",
               "rahasia", "sandi", "katasandi", "merdeka", "bismillah", "alhamdulillah", "sayang", "cinta",
               "jakarta", "surabaya", "malang", "jatim", "informasi", "publik", "admin", "petugas", "pemohon")
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters tell enough

TOO_SHORT = f"Kata sandi paling sedikit {MIN_LENGTH} karakter."
TOO_LONG = f"Kata sandi paling banyak {MAX_LENGTH} karakter."
TOO_EASY = ("Kata sandi ini mudah ditebak (kata atau pola yang umum dipakai, atau memuat nama, nama pengguna "
            "atau e-mail Anda). Pakai gabungan beberapa kata yang tidak berhubungan, mis. 'sepeda-kopi-hujan-7'.")


def password_problems(password: str, personal: Iterable[str | None] = ()) -> list[str]:
    """Why this password may not be used (empty: it may). `personal`: the person's username, name,
    e-mail address: a password made of them is easy to guess for anyone who knows the person."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    inputs = list(LOCAL_WORDS)
    for value in personal:
        value = (value or "").strip().lower()
        parts = value.replace("@", " ").replace(".", " ").split()
        inputs.extend(part for part in [value, "".join(parts), *parts] if len(part) >= 3)
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)["score"] < MIN_SCORE:
        return [TOO_EASY]
    return []
