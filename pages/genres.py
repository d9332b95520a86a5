"""Genre check: does structure found without labels line up with a label column of the dataset?

Which columns can serve and which one is the default is core.genres' to say; the page
offers every usable one in a dropdown (with its number of values), puts the choice in the
URL (``label``; absent: the default) and shows the check's note, scores and capped crosstab.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from app.context import ResolvedView, app_context
from components import ids
from components.figures import GRAPH_CONFIG, genre_crosstab_figure
from components.ui import metric_card, view_skeleton
from core.catalog import ALIASES
from core.genres import GenreCheck, LabelColumn, label_check, usable_label_columns
from core.query import ViewQuery
from pages._common import follow_settings, or_job, page_layout, stored_query, view_kept

dash.register_page(__name__, path="/genres", name="Genres", order=5, title="Genre check · Audio Space Explorer")
PAGE = "genres"
LABEL_CONTROL = "genres-label"
RESULT = "genres-result"
#: The default label column of the page's dataset, for the dropdown to go back to.
DEFAULT_LABEL = "genres-default-label"


def _none() -> dbc.Alert:
    return dbc.Alert(
        f"This dataset has no genre column ({', '.join(ALIASES['genre'])}) or other label column: a text column "
        "whose values repeat, at least two of them, such as a class or a playlist. So there is nothing to compare "
        "the clusters with. Clustering never uses labels; this page only checks them when they exist.",
        color="info",
        id="genres-none",
    )


def _controls(columns: tuple[LabelColumn, ...], chosen: str) -> list:
    """The label column dropdown (usable columns, the default first) and the default's store."""
    return [
        dcc.Store(id=DEFAULT_LABEL, data=columns[0].name),
        dbc.Row(
            [
                dbc.Col(
                    html.Label("Compare the clusters with", htmlFor=LABEL_CONTROL, className="small"), width="auto"
                ),
                dbc.Col(
                    dcc.Dropdown(
                        id=LABEL_CONTROL,
                        options=[{"label": column.describe(), "value": column.name} for column in columns],
                        value=chosen,
                        clearable=False,
                        searchable=len(columns) > 8,
                    ),
                    md=6,
                    lg=4,
                ),
            ],
            className="g-2 align-items-center mb-2",
        ),
    ]


def _listed(names: list[str], more: int, room: int = 110) -> str:
    """``names`` joined, as many as fit in ``room`` characters, then how many more there are."""
    kept: list[str] = []
    for name in names:
        if kept and len(", ".join([*kept, name])) > room:
            break
        kept.append(name[:room])
    more += len(names) - len(kept)
    return ", ".join(kept) + (f" and {more:,} more" if more else "")


def _result(check: GenreCheck) -> list:
    """Scores, the note and the crosstab of one check."""
    column = check.column
    noun = column.noun if column else "genre"
    shown = _listed(check.genres, check.other)
    return [
        dbc.Row(
            [
                dbc.Col(
                    metric_card(
                        "Adjusted Rand index", f"{check.ari:.3f}", "−1…1; 0 = chance, 1 = same grouping", "genres-ari"
                    )
                ),
                dbc.Col(
                    metric_card(
                        "Normalised mutual information",
                        f"{check.nmi:.3f}",
                        "0…1; how much one grouping tells of the other",
                        "genres-nmi",
                    )
                ),
                dbc.Col(metric_card(f"{noun.capitalize()}s", f"{check.distinct:,}", shown[:120], "genres-count")),
            ],
            className="g-3 mb-3",
        ),
        html.Div(check.note, className="small text-muted mb-2", id="genres-note"),
        dcc.Graph(
            id="genres-crosstab",
            figure=genre_crosstab_figure(
                check.crosstab.to_numpy(), list(check.crosstab.index), [str(g) for g in check.crosstab.columns]
            ),
            config=GRAPH_CONFIG,
        ),
    ]


def _chosen(query: ViewQuery, columns: tuple[LabelColumn, ...]) -> str:
    """The URL's label column when it is one of ``columns``, else the default."""
    names = [column.name for column in columns]
    return query.label if query.label in names else names[0]


def _checked(view: ResolvedView) -> list:
    columns = usable_label_columns(view.catalog)
    check = label_check(view.catalog, view.clustering.labels, _chosen(view.query, columns))
    return _result(check) if check is not None else [_none()]


def _page(query: ViewQuery, columns: tuple[LabelColumn, ...], result: Any) -> list:
    """The page's structure, the same drawn (``body``) or waiting for its job (``skeleton``)."""
    return [
        html.P(
            "The clusters were found from audio features alone. If they line up with the labels, the scores "
            "approach 1; near 0 means no more agreement than chance.",
            className="text-muted small",
        ),
        *_controls(columns, _chosen(query, columns)),
        html.Div(result, id=RESULT),
    ]


def body(view: ResolvedView) -> list:
    columns = usable_label_columns(view.catalog)
    if not columns:
        return [_none()]
    return _page(view.query, columns, _checked(view))


def skeleton(query: ViewQuery, what: str) -> list:
    columns = usable_label_columns(app_context().engine_for(query.data).catalog)
    return _page(query, columns, view_skeleton(what)) if columns else [view_skeleton(what)]


layout = page_layout(PAGE, body, skeleton)
follow_settings(PAGE, body)


_OUTPUTS = [
    Output(RESULT, "children"),
    Output(ids.page_query(PAGE), "data", allow_duplicate=True),
    Output(ids.page_job(PAGE), "data", allow_duplicate=True),
]


@callback(
    *_OUTPUTS,
    Input(LABEL_CONTROL, "value"),
    State(DEFAULT_LABEL, "data"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def choose_label(label: str | None, default: str | None, data: dict[str, str]):
    """Another label column: the check against it, and the column in the URL (none for the default)."""
    query = stored_query(data, label=None if label in (None, default) else label)
    if query.to_params() == data:
        return view_kept(PAGE, _OUTPUTS, data)
    return or_job(query, 2, lambda: (_checked(app_context().resolve(query)), query.to_params()))


# After Cancel the page's query goes back to the view on screen: so does the dropdown.
clientside_callback(
    "function (query, current, fallback) {"
    " return window.dash_clientside.audiospace.controlsFollowQuery(query, [current], [['label', fallback]])[0]; }",
    Output(LABEL_CONTROL, "value", allow_duplicate=True),
    Input(ids.page_query(PAGE), "data"),
    State(LABEL_CONTROL, "value"),
    State(DEFAULT_LABEL, "data"),
    prevent_initial_call=True,
)
