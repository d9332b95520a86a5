"""One colour per cluster, the same on every page and chart."""

from __future__ import annotations

import plotly.express as px

PALETTE: tuple[str, ...] = tuple(px.colors.qualitative.Plotly) + tuple(px.colors.qualitative.Dark2)
NOISE_COLOR = "#9e9e9e"
#: Diverging scale for z-scores: blue below the global mean, red above, white at 0.
ZSCORE_SCALE = "RdBu_r"


def cluster_name(cluster: int) -> str:
    """ "Cluster 3", or "Noise" for DBSCAN's label −1."""
    return "Noise" if cluster < 0 else f"Cluster {cluster}"


def cluster_color(cluster: int) -> str:
    """Colour of cluster ``cluster`` (0-based); negative numbers are noise."""
    return NOISE_COLOR if cluster < 0 else PALETTE[cluster % len(PALETTE)]
