"""Camera changes on labelled clips: does what passes on these clips hold for other cameras?

Writes transformed copies of every clip of a truth folder, each with its truth adjusted
(sides for the mirror, frame rate, size), into OUT/<variant>/, and with --bench runs
`coach bench accuracy` on each (traces cached in OUT/cache_<variant>, never mixed with the
originals' cache). Meant for real clips: a rig clip's truth landmarks are not transformed.

  mirror   flipped left-right (a mirrored webcam, a person facing the other way);
           truth sides swapped
  halffps  every other frame, at half the frame rate (a slow webcam); durations in
           seconds must not change
  small    scaled to 360 lines (a low-resolution laptop camera)
  dim      a third of the light with sensor noise (an evening room)
  far      the picture at 60 % size in the middle of the frame, edges repeated (the
           person further from the camera)
  roll     turned 8 degrees and enlarged to fill the frame (a camera propped crooked)
  narrow   the middle 4:3 of a wide picture (a 640x480 webcam at the same place)

OUT must be outside the repository: the real clips have no licence to be copied into it.

  python tools/camera_variants.py ../shared/realdev /tmp/variants --bench
  python tools/camera_variants.py ../shared/realdev /tmp/variants --only mirror,far --bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SWAP = {"left": "right", "right": "left"}
SMALL_LINES = 360
DIM_GAIN, DIM_NOISE = 0.35, 4.0
FAR_SCALE = 0.6
ROLL_DEG = 8.0


def swap_sides(obj: object) -> object:
    """The truth with every `side` named from the other side (a mirrored picture)."""
    if isinstance(obj, dict):
        return {k: (SWAP.get(v, v) if k == "side" else swap_sides(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [swap_sides(x) for x in obj]
    return obj


def mirror(f: np.ndarray, i: int) -> np.ndarray:
    return cv2.flip(f, 1)


def small(f: np.ndarray, i: int) -> np.ndarray:
    h, w = f.shape[:2]
    size = (int(round(w * SMALL_LINES / h / 2)) * 2, SMALL_LINES)
    return cv2.resize(f, size, interpolation=cv2.INTER_AREA)


def dim(f: np.ndarray, i: int) -> np.ndarray:
    noise = np.random.default_rng(i).normal(0.0, DIM_NOISE, f.shape)
    return np.clip(f * DIM_GAIN + noise, 0, 255).astype(np.uint8)


def far(f: np.ndarray, i: int) -> np.ndarray:
    h, w = f.shape[:2]
    s = cv2.resize(f, (int(w * FAR_SCALE), int(h * FAR_SCALE)), interpolation=cv2.INTER_AREA)
    top, left = (h - s.shape[0]) // 2, (w - s.shape[1]) // 2
    return cv2.copyMakeBorder(s, top, h - s.shape[0] - top, left, w - s.shape[1] - left, cv2.BORDER_REPLICATE)


def roll(f: np.ndarray, i: int, deg: float = ROLL_DEG) -> np.ndarray:
    h, w = f.shape[:2]
    a = np.radians(deg)
    fill = np.cos(a) + np.sin(a) * max(w / h, h / w)          # enlarge so no corner is empty
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, fill)
    return cv2.warpAffine(f, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def narrow(f: np.ndarray, i: int) -> np.ndarray:
    h, w = f.shape[:2]
    keep = min(w, int(round(h * 4 / 3 / 2)) * 2)
    left = (w - keep) // 2
    return f[:, left:left + keep]


def same(f: np.ndarray, i: int) -> np.ndarray:
    return f


Variant = tuple[Callable[[np.ndarray, int], np.ndarray], int, Callable[[dict], dict]]


def variants(roll_deg: float = ROLL_DEG) -> dict[str, Variant]:
    """variant -> (frame transform, keep every n-th frame, truth changes)."""
    return {
        "mirror": (mirror, 1, swap_sides),
        "halffps": (same, 2, lambda t: t),
        "small": (small, 1, lambda t: t),
        "dim": (dim, 1, lambda t: t),
        "far": (far, 1, lambda t: t),
        "roll": (partial(roll, deg=roll_deg), 1, lambda t: t),
        "narrow": (narrow, 1, lambda t: t),
    }


VARIANTS = variants()


def write_variant(truth_path: Path, name: str, out: Path, table: dict[str, Variant] = VARIANTS) -> int:
    """One clip's variant (from `table`) and its truth in `out`; returns the frames written."""
    transform, step, adjust = table[name]
    truth = json.loads(truth_path.read_text())
    video = truth_path.parent / truth["video"]
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise SystemExit(f"camera_variants: cannot read {video}")
    fps = cap.get(cv2.CAP_PROP_FPS) or float(truth["fps"])
    writer, size, n, i = None, (0, 0), 0, 0
    while True:
        ok, f = cap.read()
        if not ok:
            break
        if i % step == 0:
            g = transform(f, i)
            if writer is None:
                writer = cv2.VideoWriter(str(out / truth["video"]), cv2.VideoWriter_fourcc(*"mp4v"),
                                         fps / step, (g.shape[1], g.shape[0]))
                size = g.shape[1], g.shape[0]
            writer.write(g)
            n += 1
        i += 1
    cap.release()
    if writer is None:
        raise SystemExit(f"camera_variants: no frame in {video}")
    writer.release()
    truth = adjust(truth)
    truth.update(fps=fps / step, width=size[0], height=size[1], n_frames=n,
                 camera_variant=name)
    (out / truth_path.name).write_text(json.dumps(truth, indent=1))
    return n


def bench(folder: Path, cache: Path) -> list[str]:
    """`coach bench accuracy` on one variant folder; its pass lines."""
    coach = ROOT / ".venv" / "bin" / "coach"
    cmd = [str(coach) if coach.exists() else "coach", "bench", "accuracy", str(folder), "--cache", str(cache), "--quiet"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    (folder / "bench.txt").write_text(res.stdout + res.stderr)
    return [ln for ln in res.stdout.splitlines() if "FAIL" in ln or "passed:" in ln]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("truth_dir", type=Path, help="folder of clips with .truth.json files")
    p.add_argument("out", type=Path, help="where the variants go (outside the repository)")
    p.add_argument("--only", default=",".join(VARIANTS), help="comma-separated variants (default: all)")
    p.add_argument("--bench", action="store_true", help="run coach bench accuracy on each variant")
    p.add_argument("--roll-deg", type=float, default=ROLL_DEG, help=f"the roll variant's turn (default {ROLL_DEG:g})")
    args = p.parse_args(argv)
    table = variants(args.roll_deg)
    names = [v.strip() for v in args.only.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        p.error(f"unknown variant {', '.join(unknown)} (choose from {', '.join(VARIANTS)})")
    out = args.out.resolve()
    if out == ROOT or ROOT in out.parents:
        p.error(f"{args.out} is inside the repository; put the variants elsewhere")
    truths = sorted(args.truth_dir.glob("*.truth.json"))
    if not truths:
        p.error(f"no .truth.json files in {args.truth_dir}")
    for name in names:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for k, t in enumerate(truths, 1):
            n = write_variant(t, name, folder, table)
            print(f"\r{name}: {k}/{len(truths)} clips ({t.name[:-11]}, {n} frames)".ljust(78), end="", flush=True)
        print()
        if args.bench:
            for line in bench(folder, out / f"cache_{name}"):
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
