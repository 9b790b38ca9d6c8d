"""Client names and the ids they are filed under (``clients/<id>.json``, the library)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from ..errors import LibraryError

MAX_NAME_CHARS = 100


def client_key(name: str) -> str:
    """What makes two names the same person: NFC, case-folded, runs of anything but letters
    and digits (of any script) as one space. ``"Anna  Smith"`` = ``"anna-smith"``;
    ``"Zoë"`` ≠ ``"Zoé"``."""
    text = unicodedata.normalize("NFC", name).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by ``-`` (accents dropped: ``ë`` → ``e``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def legacy_client_id(name: str) -> str:
    """The id versions before 0.2 gave a name (ASCII letters and digits only; other letters
    were dropped, so distinct names could collide). Still found, for existing libraries."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


def client_id(name: str) -> str:
    """A file-safe, stable id for a client name, distinct for distinct names in any script.

    An ASCII name keeps its readable slug (``"Anna Smith"`` → ``"anna-smith"``, as before);
    any other name gets the slug of its ASCII transliteration (possibly empty) and 8 hex digits
    of the SHA-256 of :func:`client_key`: ``"Zoë Smith"`` → ``"zoe-smith-…"``, ``"王伟"`` → a
    bare hash. Raises LibraryError for a name without a letter or digit, over
    :data:`MAX_NAME_CHARS` characters, or with control characters.
    """
    text = unicodedata.normalize("NFC", name).strip()
    key = client_key(text)
    if not key or len(text) > MAX_NAME_CHARS or any(
            unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise LibraryError(f"client name {name!r} needs 1-{MAX_NAME_CHARS} characters with a "
                           "letter or digit and no control characters")
    slug = _ascii_slug(text)
    if text.isascii() and len(slug) <= 64:
        return slug
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:40].rstrip('-')}-{digest}" if slug else digest
