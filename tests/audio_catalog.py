"""A generated catalog of the nine clustering audio descriptors (core.features.AUDIO_CLUSTER_FEATURES),
for tests and bench/placement_bench.py: what ``audiospace extract`` gives, without analysing files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.features import FEATURE_RANGES

#: Raw-unit centre and spread of each descriptor, roughly what music gives.
CENTRES = {
    "tempo": (120.0, 25.0),
    "loudness": (-12.0, 4.0),
    "duration_ms": (210_000.0, 45_000.0),
    "beat_strength": (0.5, 0.15),
    "onset_rate": (3.0, 1.0),
    "brightness": (2_000.0, 500.0),
    "percussive_ratio": (0.4, 0.12),
    "dynamic_range": (8.0, 3.0),
    "tonal_clarity": (0.5, 0.15),
}


def audio_frame(n: int, groups: int = 6, seed: int = 0) -> pd.DataFrame:
    """``n`` songs in ``groups`` loose groups (each offset by about one spread per descriptor):
    columns id, title, artist and the descriptors, clipped to FEATURE_RANGES."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    offsets = rng.normal(0, 1.2, (groups, len(CENTRES)))
    columns = {}
    for j, (feature, (centre, spread)) in enumerate(CENTRES.items()):
        low, high = FEATURE_RANGES[feature]
        columns[feature] = np.clip(centre + spread * (offsets[group, j] + rng.normal(0, 0.6, n)), low, high)
    frame = pd.DataFrame(columns)
    frame.insert(0, "id", [f"t{i:05d}" for i in range(n)])
    frame.insert(1, "title", [f"Track {i}" for i in range(n)])
    frame.insert(2, "artist", [f"Artist {i % 311}" for i in range(n)])
    return frame
