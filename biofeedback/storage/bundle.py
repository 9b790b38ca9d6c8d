"""Share bundles: a client's session folders and profile in one file (docs/bundle.md).

A bundle is a zip holding ``manifest.json`` (format name and version, and the size and
SHA-256 of every other entry), ``client.json`` (the client's profile) and
``sessions/<folder>/<file>`` (each session folder's files as they are on disk). With a
passphrase the whole zip is encrypted: a clear header line (magic, then JSON with the scrypt
parameters, salt and nonce) followed by the AES-256-GCM ciphertext, the header bytes being
authenticated as associated data (NIST SP 800-38D; scrypt: RFC 7914).

:func:`read_bundle` verifies everything before anything is returned — the container, each
entry's name, size and checksum, the sizes against :data:`MAX_TOTAL_BYTES` — so that a
damaged, tampered, foreign or oversized file is refused (:class:`BundleError`, one line)
before a caller writes a byte. Pure format: this module never touches the library.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RecordingError, UserError
from .folder import check_indexable, check_meta
from .paths import free_stem, open_private

FORMAT = "biofeedback-bundle"
FORMAT_VERSION = 1
SUFFIX = ".bfbundle"
ENCRYPTED_MAGIC = b"biofeedback-bundle-encrypted\n"
ZIP_MAGIC = b"PK\x03\x04"
SEAL_PREFIX = b"biofeedback-bundle sha256:"
MANIFEST, PROFILE = "manifest.json", "client.json"
#: Uncompressed size a bundle may hold in all (zip bombs are refused before inflating).
MAX_TOTAL_BYTES = 512 * 2**20
MAX_ENTRIES = 10_000
MAX_JSON_BYTES = 4 * 2**20
#: scrypt work factor (RFC 7914): N=2^17, r=8, p=1 takes 128 MiB and about 0.4 s here, the
#: OWASP recommendation. Readers accept up to :data:`MAX_SCRYPT_N`.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MAX_SCRYPT_N = 2**20
SALT_BYTES, NONCE_BYTES, KEY_BYTES = 16, 12, 32
#: A fixed time for every zip entry: a bundle carries no date in its container.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FOLDER_NAME = re.compile(r"\d{8}T\d{6}_[0-9A-Za-z-]{1,40}")
FILE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,60}\.(csv|json)")
ENTRY_NAME = re.compile(rf"sessions/({FOLDER_NAME.pattern})/({FILE_NAME.pattern})")


class BundleError(UserError):
    """A bundle that cannot be written or is refused; ``str()`` is a one-line reason."""


@dataclass(frozen=True)
class BundleSession:
    """One session folder of a bundle: its name and its files (name → bytes)."""

    folder_name: str
    files: dict[str, bytes]

    @property
    def session_id(self) -> str:
        return self.folder_name.rsplit("_", 1)[-1]


@dataclass(frozen=True)
class Bundle:
    """A verified bundle: every byte matches its manifest's checksum."""

    manifest: dict[str, Any]
    profile: dict[str, Any]
    sessions: list[BundleSession]
    encrypted: bool

    @property
    def deidentified(self) -> bool:
        return bool(self.manifest.get("deidentified"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(data: dict[str, Any]) -> bytes:
    """JSON as session folders hold it (sorted keys, indented, a final newline)."""
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def session_files(folder: Path) -> dict[str, bytes]:
    """The files of a session folder a bundle carries: every regular file whose name a
    bundle allows (tables and JSON; not the hidden temporary files of an atomic write)."""
    try:
        return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())
                if FILE_NAME.fullmatch(p.name) and p.is_file() and not p.is_symlink()}
    except OSError as exc:
        raise BundleError(f"cannot read {folder}: {exc.strerror or exc}") from None


# -- writing ----------------------------------------------------------------------------
def pack(profile: dict[str, Any], sessions: list[BundleSession], deidentified: bool,
         app_version: str) -> bytes:
    """The bundle's zip, manifest first."""
    entries = {PROFILE: json_bytes(profile)}
    for s in sessions:
        if not FOLDER_NAME.fullmatch(s.folder_name):
            raise BundleError(f"{s.folder_name!r} is not a session folder name")
        entries.update({f"sessions/{s.folder_name}/{name}": data
                        for name, data in s.files.items()})
    total = sum(len(d) for d in entries.values())
    if total > MAX_TOTAL_BYTES:
        raise BundleError(f"the sessions hold {total / 2**20:.0f} MiB; a bundle holds at most "
                          f"{MAX_TOTAL_BYTES // 2**20} MiB (share fewer sessions at once)")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version,
                "deidentified": deidentified,
                "sessions": [s.folder_name for s in sessions],
                "files": [{"path": k, "size": len(v), "sha256": sha256(v)}
                          for k, v in entries.items()]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in {MANIFEST: json_bytes(manifest), **entries}.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    return seal(buffer.getvalue())


def seal(zip_bytes: bytes) -> bytes:
    """``zip_bytes`` (a zip without a comment) with the SHA-256 of all its bytes but the
    comment-length field as the zip's comment: then no byte of the file can change unseen."""
    body = zip_bytes[:-2]  # the end record's last field is the comment's length
    comment = SEAL_PREFIX + sha256(body).encode("ascii")
    return body + len(comment).to_bytes(2, "little") + comment


def seal_state(data: bytes) -> bool | None:
    """Whether a zip's seal (see :func:`seal`) matches its bytes; None when it has none."""
    n = len(SEAL_PREFIX) + 64
    end = len(data) - n - 22  # where the end-of-central-directory record must start
    if end < 0 or data[end:end + 4] != b"PK\x05\x06" or \
            data[-n:-64] != SEAL_PREFIX or int.from_bytes(data[-n - 2:-n], "little") != n:
        return None
    return sha256(data[:-n - 2]).encode("ascii") == data[-64:]


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def encrypt(data: bytes, passphrase: str) -> bytes:
    """``data`` sealed with AES-256-GCM under a key derived from ``passphrase`` by scrypt;
    the clear header (magic + JSON line) is authenticated too."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not passphrase:
        raise BundleError("an empty passphrase protects nothing")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    params = {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
              "cipher": "AES-256-GCM", "salt": base64.b64encode(salt).decode(),
              "nonce": base64.b64encode(nonce).decode()}
    header = ENCRYPTED_MAGIC + json.dumps(params, sort_keys=True).encode() + b"\n"
    key = _scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return header + AESGCM(key).encrypt(nonce, data, header)


def write_bundle(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path`` (a folder: ``practice.bfbundle`` in it), created 0600 from
    its first byte; an existing file is never overwritten (``name-2``, ``name-3``, ...).
    Returns the path written."""
    path = Path(path)
    if path.is_dir():
        path = path / f"practice{SUFFIX}"
    suffix = "".join(path.suffixes[-1:]) or SUFFIX
    name = path.name[:-len(suffix)] if path.name.endswith(suffix) else path.name
    path = path.with_name(name + suffix)
    for _ in range(100):  # another writer may take the name between the look and the open
        target = path.with_name(free_stem(path.parent, name, [suffix]) + suffix)
        try:
            f = open_private(target, "xb")
        except FileExistsError:
            continue
        except OSError as exc:
            raise BundleError(f"cannot write {target}: {exc.strerror or exc}") from None
        try:
            with f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise BundleError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target
    raise BundleError(f"cannot find a free name beside {path}")


# -- reading ----------------------------------------------------------------------------
def sniff(path: Path) -> str | None:
    """``"encrypted"``, ``"zip"`` (a bundle or a foreign zip) or None (anything else)."""
    try:
        if not path.is_file():  # a FIFO or a device would block the read
            return None
        with open(path, "rb") as f:
            head = f.read(len(ENCRYPTED_MAGIC))
    except OSError:
        return None
    if head == ENCRYPTED_MAGIC:
        return "encrypted"
    return "zip" if head.startswith(ZIP_MAGIC) else None


def _read_file(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise BundleError(f"{path}: {size / 2**20:.0f} MiB is more than a bundle may hold")
        return path.read_bytes()
    except OSError as exc:
        raise BundleError(f"{path}: unreadable ({exc.strerror or exc})") from None


def decrypt(path: Path, data: bytes, passphrase: str) -> bytes:
    """The zip inside an encrypted bundle; BundleError for a wrong passphrase or any change."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    end = data.find(b"\n", len(ENCRYPTED_MAGIC), len(ENCRYPTED_MAGIC) + 1024)
    try:
        params = json.loads(data[len(ENCRYPTED_MAGIC):end]) if end > 0 else None
        salt, nonce = (base64.b64decode(params[k], validate=True) for k in ("salt", "nonce"))
        n, r, p = (params[k] for k in ("n", "r", "p"))
        ok = (params.get("kdf") == "scrypt" and params.get("cipher") == "AES-256-GCM"
              and all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p))
              and 2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 32
              and 1 <= p <= 16 and len(salt) == SALT_BYTES and len(nonce) == NONCE_BYTES)
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise BundleError(f"{path}: damaged encryption header; not a bundle this version reads")
    header = data[:end + 1]
    try:
        return AESGCM(_scrypt(passphrase, salt, n, r, p)).decrypt(nonce, data[end + 1:], header)
    except InvalidTag:
        raise BundleError(f"{path}: wrong passphrase, or the bundle is damaged or was "
                          "changed") from None


def load_json(name: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise BundleError(f"{name} in the bundle is not a JSON object")
    return value


def _checked_manifest(path: Path, z: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, with its listing checked against the zip's entries and the limits."""
    infos = z.infolist()
    names = [i.filename for i in infos]
    if MANIFEST not in names:
        raise BundleError(f"{path}: a zip file but not a biofeedback bundle (no {MANIFEST})")
    if len(infos) > MAX_ENTRIES or len(set(names)) != len(names):
        raise BundleError(f"{path}: {len(infos)} entries, some repeated or too many; refused")
    info = z.getinfo(MANIFEST)
    if info.file_size > MAX_JSON_BYTES:
        raise BundleError(f"{path}: the manifest is too large; refused")
    manifest = load_json(MANIFEST, _inflate(path, z, info, info.file_size))
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{path}: a zip file but not a biofeedback bundle")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleError(f"{path}: the manifest has no valid format_version")
    if version > FORMAT_VERSION:
        raise BundleError(f"{path}: bundle format {version} is newer than this program reads "
                          f"({FORMAT_VERSION}); update biofeedback")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str)
            and isinstance(f.get("size"), int) and not isinstance(f.get("size"), bool)
            and f["size"] >= 0 and isinstance(f.get("sha256"), str) for f in files):
        raise BundleError(f"{path}: the manifest's file list is damaged")
    for f in files:
        if f["path"] != PROFILE and not ENTRY_NAME.fullmatch(f["path"]):
            raise BundleError(f"{path}: unsafe or unknown path {f['path'][:80]!r} in the "
                              "bundle; refused")
    listed = {f["path"] for f in files}
    if len(listed) != len(files) or listed != set(names) - {MANIFEST}:
        extra = sorted((set(names) - {MANIFEST}) ^ listed)
        raise BundleError(f"{path}: the bundle's entries do not match its manifest "
                          f"({extra[0][:80]!r}{' and others' if len(extra) > 1 else ''})")
    if PROFILE not in listed:
        raise BundleError(f"{path}: the bundle has no {PROFILE}")
    total = sum(f["size"] for f in files)
    if total > MAX_TOTAL_BYTES or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES + \
            MAX_JSON_BYTES:
        raise BundleError(f"{path}: the bundle would unpack to {total / 2**20:.0f} MiB, more "
                          f"than {MAX_TOTAL_BYTES // 2**20} MiB; refused")
    return manifest


def _inflate(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    """An entry's bytes, reading at most ``size`` + 1 (a lying header cannot inflate more)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or \
            info.flag_bits & 0x1:
        raise BundleError(f"{path}: {info.filename[:80]!r} is stored in a way bundles are not")
    try:
        with z.open(info) as f:
            data = f.read(size + 1)
    except (zipfile.BadZipFile, zlib.error, struct.error, OSError, EOFError, ValueError) as exc:
        raise BundleError(f"{path}: damaged ({info.filename[:80]}: {exc})") from None
    if len(data) != size:
        raise BundleError(f"{path}: {info.filename[:80]} is not the size its manifest says; "
                          "refused")
    return data


def read_bundle(path: str | os.PathLike[str], passphrase: str | None = None) -> Bundle:
    """Read and verify a bundle entirely; BundleError (one line) for anything amiss.
    ``passphrase`` is needed only for an encrypted one (see :func:`sniff`)."""
    path = Path(path)
    kind = sniff(path)
    if kind is None:
        raise BundleError(f"{path}: not a biofeedback bundle")
    data = _read_file(path, MAX_TOTAL_BYTES + MAX_JSON_BYTES)
    if kind == "encrypted":
        if passphrase is None:
            raise BundleError(f"{path}: the bundle is encrypted; a passphrase is needed")
        data = decrypt(path, data, passphrase)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, struct.error, OSError, ValueError) as exc:
        raise BundleError(f"{path}: damaged bundle ({exc})") from None
    with z:
        manifest = _checked_manifest(path, z)
        sealed = seal_state(data)
        if not sealed:
            raise BundleError(f"{path}: the bundle's own checksum is "
                              f"{'missing' if sealed is None else 'wrong'}; it is damaged or "
                              "was changed. Nothing was imported")
        entries = {}
        for f in manifest["files"]:
            content = _inflate(path, z, z.getinfo(f["path"]), f["size"])
            if sha256(content) != f["sha256"]:
                raise BundleError(f"{path}: checksum of {f['path'][:80]} does not match; the "
                                  "bundle is damaged or was changed. Nothing was imported")
            entries[f["path"]] = content
    profile = load_json(PROFILE, entries.pop(PROFILE))
    if not isinstance(profile.get("name"), str) or not profile["name"].strip():
        raise BundleError(f"{path}: the bundle's client profile has no name")
    sessions: dict[str, dict[str, bytes]] = {}
    for name, content in entries.items():
        folder, file_name = ENTRY_NAME.fullmatch(name).group(1, 2)
        sessions.setdefault(folder, {})[file_name] = content
    for folder, files in sessions.items():
        meta = load_json(f"{folder}/session.json", files.get("session.json", b""))
        if meta.get("session_id") != folder.rsplit("_", 1)[-1]:
            raise BundleError(f"{path}: {folder}/session.json names another session")
        try:
            check_indexable(Path(folder), check_meta(Path(folder), meta))
        except RecordingError as exc:
            raise BundleError(f"{path}: {exc}") from None
    return Bundle(manifest, profile, [BundleSession(k, v) for k, v in sorted(sessions.items())],
                  kind == "encrypted")

