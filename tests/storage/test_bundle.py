"""The share bundle format: checksums, encryption, refusals before any byte is written."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile

import pytest
from practice import CLIENT, record_practice, tree_digest

from biofeedback.storage import bundle as fmt
from biofeedback.storage.bundle import BundleError, BundleSession, read_bundle
from biofeedback.storage.deidentify import anonymous_profile, deidentify_sessions

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    root = tmp_path_factory.mktemp("sender")
    return root, record_practice(root)


def _sessions(folders):
    return [BundleSession(f.name, fmt.session_files(f)) for f in folders]


def _pack(folders, profile=None, deidentified=False):
    return fmt.pack(profile or {"id": "anna-smith", "name": CLIENT}, _sessions(folders),
                    deidentified, "test")


def test_a_bundle_reads_back_byte_for_byte_and_is_0600(practice, tmp_path):
    _, folders = practice
    path = fmt.write_bundle(tmp_path / "b.bfbundle", _pack(folders))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    b = read_bundle(path)
    by_name = {f.name: f for f in folders}
    assert sorted(s.folder_name for s in b.sessions) == sorted(by_name)
    for s in b.sessions:
        f = by_name[s.folder_name]
        assert s.files["beats.csv"] == (f / "beats.csv").read_bytes()
        assert set(s.files) == {p.name for p in f.iterdir() if not p.name.startswith(".")}
    assert b.profile["name"] == CLIENT and not b.encrypted and not b.deidentified


def test_the_file_is_private_from_its_first_byte_whatever_the_umask(practice, tmp_path):
    _, folders = practice
    old = os.umask(0)
    try:
        path = fmt.write_bundle(tmp_path, _pack(folders))
    finally:
        os.umask(old)
    assert path.name == "practice.bfbundle" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_file_is_never_overwritten(practice, tmp_path):
    _, folders = practice
    target = tmp_path / "out.bfbundle"
    target.write_bytes(b"mine")
    written = [fmt.write_bundle(target, _pack(folders)) for _ in range(2)]
    assert target.read_bytes() == b"mine"
    assert [p.name for p in written] == ["out-2.bfbundle", "out-3.bfbundle"]


@pytest.mark.parametrize("where", [0.2, 0.5, 0.9])
def test_flipped_bytes_are_refused(practice, tmp_path, where):
    _, folders = practice
    data = bytearray(_pack(folders))
    i = int(len(data) * where)
    data[i] ^= 0xFF
    path = tmp_path / "bad.bfbundle"
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError) as err:
        read_bundle(path)
    assert "\n" not in str(err.value)


def test_any_flipped_byte_of_a_clear_bundle_is_refused(practice, tmp_path):
    """The zip's comment seals every byte (headers, dates, the directory), not only the
    files the manifest lists."""
    _, folders = practice
    data = _pack(folders[:1])
    path = tmp_path / "flip.bfbundle"
    positions = sorted({*range(0, len(data), 37), *range(len(data) - 200, len(data))})
    accepted = []
    for i in positions:
        flipped = bytearray(data)
        flipped[i] ^= 0x01
        path.write_bytes(bytes(flipped))
        try:
            read_bundle(path)
        except BundleError as exc:
            assert "\n" not in str(exc)
        else:
            accepted.append(i)
    assert accepted == [] and len(positions) > 500


def test_an_unsealed_bundle_is_refused(practice, tmp_path):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(fmt.MANIFEST, json.dumps(manifest))
        for name, data in entries.items():
            z.writestr(name, data)
    path = tmp_path / "unsealed.bfbundle"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BundleError, match="own checksum is missing"):
        read_bundle(path)


def _rezip(entries: dict[str, bytes], manifest: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        if manifest is not None:
            z.writestr(fmt.MANIFEST, json.dumps(manifest))
        for name, data in entries.items():
            z.writestr(name, data)
    return fmt.seal(buffer.getvalue())  # sealed: the checks below the seal are reached


def _entries(data: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    return json.loads(entries.pop(fmt.MANIFEST)), entries


def test_a_changed_file_with_its_old_checksum_is_refused(practice, tmp_path):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    name = next(n for n in entries if n.endswith("beats.csv"))
    entries[name] = entries[name].replace(b"\n1", b"\n2", 1)
    path = tmp_path / "t.bfbundle"
    path.write_bytes(_rezip(entries, manifest))
    with pytest.raises(BundleError, match="checksum"):
        read_bundle(path)


@pytest.mark.parametrize("evil", ["../../escaped.csv", "/etc/passwd", "sessions/../../x.csv",
                                  "sessions/20260101T000000_ab/../../../x.csv",
                                  "sessions/20260101T000000_ab/.hidden.csv"])
def test_zip_slip_paths_are_refused(practice, tmp_path, evil):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    entries[evil] = b"t_s\n"
    manifest["files"].append({"path": evil, "size": 4, "sha256": fmt.sha256(b"t_s\n")})
    path = tmp_path / "slip.bfbundle"
    path.write_bytes(_rezip(entries, manifest))
    with pytest.raises(BundleError, match="unsafe"):
        read_bundle(path)
    assert not (tmp_path.parent / "escaped.csv").exists()


def test_a_zip_bomb_is_refused_before_it_is_inflated(practice, tmp_path, monkeypatch):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    name = next(n for n in entries if n.endswith("metrics.csv"))
    bomb = b"0" * (8 * 2**20)  # 8 MiB of zeros: a few kB compressed
    entries[name] = bomb
    for f in manifest["files"]:
        if f["path"] == name:
            f.update(size=len(bomb), sha256=fmt.sha256(bomb))
    path = tmp_path / "bomb.bfbundle"
    path.write_bytes(_rezip(entries, manifest))
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(fmt, "MAX_TOTAL_BYTES", 4 * 2**20)
    with pytest.raises(BundleError, match="unpack to"):
        read_bundle(path)


def test_a_manifest_that_understates_a_size_cannot_inflate_more(practice, tmp_path):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    name = next(n for n in entries if n.endswith("metrics.csv"))
    entries[name] = b"0" * (4 * 2**20)
    path = tmp_path / "liar.bfbundle"
    path.write_bytes(_rezip(entries, manifest))  # the manifest still says the old size
    with pytest.raises(BundleError, match="not the size"):
        read_bundle(path)


@pytest.mark.parametrize("content", [
    {"readme.txt": b"hello"},  # a foreign zip
    {"manifest.json": b'{"format": "something-else"}'},
])
def test_foreign_zips_and_files_are_refused(tmp_path, content):
    path = tmp_path / "foreign.zip"
    path.write_bytes(_rezip(content))
    with pytest.raises(BundleError, match="not a biofeedback bundle"):
        read_bundle(path)
    text = tmp_path / "rr.txt"
    text.write_text("800\n810\n")
    assert fmt.sniff(text) is None
    with pytest.raises(BundleError, match="not a biofeedback bundle"):
        read_bundle(text)


def test_a_newer_format_is_refused_with_the_reason(practice, tmp_path):
    _, folders = practice
    manifest, entries = _entries(_pack(folders))
    manifest["format_version"] = fmt.FORMAT_VERSION + 1
    path = tmp_path / "new.bfbundle"
    path.write_bytes(_rezip(entries, manifest))
    with pytest.raises(BundleError, match="newer"):
        read_bundle(path)


def test_encryption_round_trip_and_wrong_or_missing_passphrase(practice, tmp_path):
    _, folders = practice
    clear = _pack(folders)
    path = fmt.write_bundle(tmp_path / "enc.bfbundle", fmt.encrypt(clear, "correct horse"))
    raw = path.read_bytes()
    assert fmt.sniff(path) == "encrypted" and raw.startswith(fmt.ENCRYPTED_MAGIC)
    assert b"beats.csv" not in raw and CLIENT.encode() not in raw
    b = read_bundle(path, "correct horse")
    first = b.sessions[0]
    assert b.encrypted and first.files["beats.csv"] == (
        next(f for f in folders if f.name == first.folder_name) / "beats.csv").read_bytes()
    with pytest.raises(BundleError, match="wrong passphrase"):
        read_bundle(path, "correct hors")
    with pytest.raises(BundleError, match="passphrase is needed"):
        read_bundle(path)
    header_end = raw.index(b"\n", len(fmt.ENCRYPTED_MAGIC)) + 1
    for i in (header_end - 5, header_end + 10, len(raw) - 1):  # header (AAD), body, tag
        damaged = bytearray(raw)
        damaged[i] ^= 0x01
        bad = tmp_path / f"bad{i}.bfbundle"
        bad.write_bytes(bytes(damaged))
        with pytest.raises(BundleError):
            read_bundle(bad, "correct horse")


def test_deidentified_sessions_hold_no_name_id_date_or_device(practice):
    root, folders = practice
    metas = [json.loads((f / "session.json").read_bytes()) for f in folders]
    profile = anonymous_profile({"id": "anna-smith", "name": CLIENT, "resonance_bpm": 5.5}, KEY)
    sessions = deidentify_sessions(_sessions(folders), KEY, profile)
    data = fmt.pack(profile, sessions, True, "test")
    plain = b"".join(_entries(data)[1].values()) + data
    start = metas[0]["start_time"]
    forbidden = [CLIENT, "anna", "Anna", start[:10], start[:10].replace("-", ""),
                 *(m["session_id"] for m in metas), *(f.name for f in folders), str(root)]
    for word in forbidden:
        assert word.encode() not in plain, word
    assert profile["resonance_bpm"] == 5.5
    again = deidentify_sessions(_sessions(folders), KEY, profile)
    assert [s.folder_name for s in again] == [s.folder_name for s in sessions]  # stable
    other = deidentify_sessions(_sessions(folders), bytes(32), profile)
    assert {s.session_id for s in other}.isdisjoint(s.session_id for s in sessions)
    for s, f in zip(sessions, folders, strict=True):
        assert s.files["beats.csv"] == (f / "beats.csv").read_bytes()
        assert json.loads(s.files["session.json"])["summary"] == json.loads(
            (f / "session.json").read_bytes())["summary"]


def test_deidentified_events_keep_only_anonymous_values_and_edits_lose_dates():
    meta = {"session_id": "abcd1234", "start_time": "2026-05-04T07:30:00+02:00",
            "client_id": "anna-smith", "client_name": CLIENT, "notes": "Anna felt tired",
            "device": {"kind": "ble", "name": "Polar H10 8A1B2C3D", "address": "C6:4F:2E:11"},
            "source": "ble:C6:4F:2E:11:22:33"}
    files = {"session.json": json.dumps(meta).encode(),
             "events.csv": b"t_s,kind,value\r\n0.0,connected,Polar H10 8A1B2C3D\r\n"
                           b"1.0,pacer_rate,6.0\r\n2.0,marker,Anna coughed\r\n",
             "edits.csv": b"t_s,label,edited_at,editor\r\n12.5,artifact,2026-05-04T08:00,"
                          b"Dr Who\r\n"}
    (s,) = deidentify_sessions([BundleSession("20260504T073000_abcd1234", files)], KEY,
                               {"id": "anon-x", "name": "anon-x"})
    text = b"".join(s.files.values())
    for word in (b"8A1B2C3D", b"C6:4F", b"Anna", b"2026", b"Dr Who", b"abcd1234", b"tired"):
        assert word not in text, word
    assert b"pacer_rate,6.0" in s.files["events.csv"]
    assert s.files["edits.csv"] == b"t_s,label\r\n12.5,artifact\r\n"
    assert json.loads(s.files["session.json"])["device"] == {"kind": "ble"}
    assert s.folder_name.startswith("19850101T000000_")


def test_a_failed_unpack_leaves_no_half_session(practice, tmp_path, monkeypatch):
    from biofeedback.storage import unpack

    _, folders = practice
    (session,) = _sessions(folders[:1])
    root = tmp_path / "data" / "sessions"
    real_open, calls = unpack.open_private, []

    def failing(path, mode="a"):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_open(path, mode)

    monkeypatch.setattr(unpack, "open_private", failing)
    with pytest.raises(BundleError, match="No space left"):
        unpack.unpack_session(root, session, {"client_id": "x"})
    assert list(root.iterdir()) == [] and not (root.parent / ".importing" / session.folder_name
                                               ).exists()
    monkeypatch.setattr(unpack, "open_private", real_open)
    (root.parent / ".importing" / session.folder_name).mkdir(parents=True)  # a killed import
    folder = unpack.unpack_session(root, session, {})
    assert tree_digest(folder) == tree_digest(folders[0])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    assert not (root.parent / ".importing").exists()
    with pytest.raises(BundleError, match="exists already"):
        unpack.unpack_session(root, session, {})
