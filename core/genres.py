"""Genre check: do clusters found from audio features alone line up with the dataset's genres?

Only for catalogs with a genre column. The crosstab counts songs per cluster and genre
(noise, cluster −1, as its own row). ARI (adjusted Rand index: 1 identical groupings,
about 0 for chance, negative below chance) and NMI (normalised mutual information:
0 independent, 1 identical) compare the clusters with the genres over the songs that
are in a cluster and have a genre: noise is not a cluster and a blank genre is not a genre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from core.clustering import NOISE


@dataclass(frozen=True)
class GenreCheck:
    """Clusters against genres.

    ``crosstab``: counts, index = cluster numbers (−1 for noise, if any; name "cluster"),
    columns = ``genres`` (sorted; name "genre"). ``ari``, ``nmi``: scikit-learn's
    adjusted_rand_score and normalized_mutual_info_score over the compared songs (NaN when
    none). ``note``: which songs were compared and which left out, in words.
    """

    crosstab: pd.DataFrame
    ari: float
    nmi: float
    genres: list[str]
    note: str


def _songs(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def genre_check(genres: pd.Series, labels: np.ndarray) -> GenreCheck:
    """Compare ``labels`` (n,) with ``genres`` (n,), str, "" where a song has none."""
    genres = genres.fillna("").astype(str).to_numpy()
    has_genre = genres != ""
    clustered = labels != NOISE
    crosstab = pd.crosstab(
        pd.Series(labels[has_genre].astype(int), name="cluster"), pd.Series(genres[has_genre], name="genre")
    )
    compared = has_genre & clustered
    if compared.any():
        ari = float(adjusted_rand_score(genres[compared], labels[compared]))
        nmi = float(normalized_mutual_info_score(genres[compared], labels[compared]))
    else:
        ari = nmi = float("nan")
    left_out = []
    if (~clustered).any():
        left_out.append(f"{_songs(int((~clustered).sum()), 'noise song')} (noise is not a cluster)")
    if (~has_genre).any():
        left_out.append(f"{_songs(int((~has_genre).sum()), 'song')} without a genre")
    note = f"ARI and NMI compare the {int(compared.sum()):,} songs that have a cluster and a genre"
    note += f"; left out: {' and '.join(left_out)}." if left_out else "."
    return GenreCheck(crosstab=crosstab, ari=ari, nmi=nmi, genres=list(crosstab.columns), note=note)
