"""Defer matplotlib until something really uses it: MediaPipe imports it, coach's pose path never does.

`import mediapipe` runs `mediapipe.python.solutions.drawing_utils`, which imports
matplotlib.pyplot for a plotting helper coach never calls: about 0.3 s of every process
start on an idle 2-core machine (1.4 s when it is busy), paid again by every batch worker.
`defer_matplotlib()` puts two stand-in modules in `sys.modules`; the first attribute anyone
reads from them imports the real matplotlib and from then on they forward to it, so code
that does plot (the HTML report) works unchanged, only later.
"""

from __future__ import annotations

import importlib
import sys
import types

_NAMES = ("matplotlib", "matplotlib.pyplot")


class _Deferred(types.ModuleType):
    """A module that imports the real one on first attribute access and forwards to it."""

    def __getattr__(self, attr: str):
        return getattr(_load(self.__name__), attr)


def _load(name: str) -> types.ModuleType:
    """Drop the stand-ins and import the real module (and its package)."""
    for n in _NAMES:
        if isinstance(sys.modules.get(n), _Deferred):
            del sys.modules[n]
    return importlib.import_module(name)


def defer_matplotlib() -> bool:
    """Install the stand-ins unless matplotlib is already imported (or missing). True: installed."""
    if any(n in sys.modules for n in _NAMES):
        return False
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        return False
    top, plt = _Deferred("matplotlib"), _Deferred("matplotlib.pyplot")
    top.__dict__["pyplot"] = plt          # `import matplotlib.pyplot as plt` then finds it without loading
    sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = top, plt
    return True
