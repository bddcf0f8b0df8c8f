"""Output folders shared by runs at once: proving a folder writable must not trip over
another run proving the same folder (CI saw one review report the folder missing)."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from coach.io.outputs import OutputError, prepare_out_dir


def _prove_many(out_dir: str, times: int) -> str:
    try:
        for _ in range(times):
            prepare_out_dir(Path(out_dir))
    except OutputError as e:
        return str(e)
    return ""


def test_runs_proving_one_folder_at_once_do_not_fail_each_other(tmp_path):
    out = tmp_path / "o"
    with mp.get_context("spawn").Pool(4) as pool:
        errors = pool.starmap(_prove_many, [(str(out), 400)] * 4)
    assert errors == [""] * 4, errors
    assert list(out.iterdir()) == []          # every probe removed
