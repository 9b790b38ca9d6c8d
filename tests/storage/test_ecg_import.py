"""``biofeedback import`` of a strap export with ECG carries it into the session's ecg.csv."""

from __future__ import annotations

import stat

import numpy as np
from realdata import data_file

from biofeedback.cli import main
from biofeedback.storage.folder import read_samples


def test_polar_h10_export_keeps_its_ecg(tmp_path):
    source = data_file("polar_h10/pvc_bigeminy_10min_ecg_rr.csv")
    assert main(["import", str(source), "--client", "Ecg", "--date", "2026-03-01",
                 "--data-dir", str(tmp_path)]) == 0
    (folder,) = (tmp_path / "sessions").iterdir()
    assert stat.S_IMODE((folder / "ecg.csv").stat().st_mode) == 0o600
    ecg = read_samples(folder, "ecg")
    raw = np.loadtxt(source, delimiter=",", skiprows=1, usecols=(0, 1))
    assert ecg.t_s.size == raw.shape[0]
    np.testing.assert_allclose(ecg.values, raw[:, 1] * 1000.0, atol=1e-6)  # mV -> µV
    np.testing.assert_allclose(np.diff(ecg.t_s), np.diff(raw[:, 0]) / 1e9, atol=2e-4)


def test_rr_only_files_have_no_ecg(tmp_path):
    for i, name in enumerate(("polar_hrm/rest_rri.txt", "meditation/M4_rr.csv")):
        home = tmp_path / str(i)
        assert main(["import", str(data_file(name)), "--client", "Plain", "--date",
                     "2026-03-01", "--data-dir", str(home)]) == 0
        (folder,) = (home / "sessions").iterdir()
        assert read_samples(folder, "ecg") is None
