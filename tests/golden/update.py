"""Regenerate the golden reports from the golden traces with the current rules.

Run only for a deliberate change of behaviour, and say why in the commit:
    .venv/bin/python tests/golden/update.py
"""

from __future__ import annotations

import json
from pathlib import Path

from coach.core.scoring import score_trace
from coach.io.trace import load_trace
from coach.rules.pose_spec import load_pose

GOLDEN = Path(__file__).resolve().parent

if __name__ == "__main__":
    for report in sorted(GOLDEN.glob("*.report.json")):
        old = json.loads(report.read_text())
        trace = load_trace(report.with_name(report.name.replace(".report.json", ".trace.npz")))
        new = score_trace(trace, load_pose(old["pose"])).record.to_dict()
        report.write_text(json.dumps(new, indent=2))
        print(f"{report.name}: reps {new['rep_count']}, holds {new['holds_completed']}, faults {len(new['faults'])}")
