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
from components.ui import metric_card, page_subtitle, view_skeleton
from core.catalog import ALIASES
from core.genres import MAX_DEFAULT_VALUES, GenreCheck, LabelColumn, label_check, usable_label_columns
from core.query import ViewQuery
from pages._common import follow_settings, or_job, page_layout, stored_query, view_kept

dash.register_page(__name__, path="/genres", name="Genres", order=5, title="Genre check · Audio Space Explorer")
PAGE = "genres"
LABEL_CONTROL = "genres-label"
RESULT = "genres-result"
#: The default label column of the page's dataset, for the dropdown to go back to: ``{"label": name}``
#: (a store holds an object: app.callback_guard refuses a callback carrying a bare string).
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
        dcc.Store(id=DEFAULT_LABEL, data={"label": columns[0].name}),
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


def _score(value: float) -> str:
    """A score to three decimals; a tiny negative one reads 0.000, not -0.000."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _listed(names: list[str], more: int, room: int = 110) -> str:
    """``names`` joined, as many as fit in ``room`` characters, then how many more there are."""
    kept: list[str] = []
    for name in names:
        if kept and len(", ".join([*kept, name])) > room:
            break
        kept.append(name[:room])
    more += len(names) - len(kept)
    return ", ".join(kept) + (f" and {more:,} more" if more else "")


def _songs(n: int) -> str:
    return f"{n:,} song{'' if n == 1 else 's'}"


def _holds(column: LabelColumn) -> str:
    """What a column holds, in a few words: ``30 genres, several per song; 100 songs without one``."""
    noun = column.noun
    text = f"{column.distinct:,} {noun}{'' if column.distinct == 1 else 's'}"
    text += ", several per song" if column.separator else ", one per song"
    return text + (f"; {_songs(column.left_out)} without one" if column.left_out else "")


def _choice(chosen: LabelColumn, columns: tuple[LabelColumn, ...]) -> str:
    """Which column the check uses and why: the default (and what else there is), or the reader's choice."""
    default = columns[0]
    if chosen.name != default.name:
        return f"Using '{chosen.name}' ({_holds(chosen)}), chosen in the list; the default is '{default.name}'."
    if len(columns) == 1:
        return f"Using '{chosen.name}' ({_holds(chosen)}), the dataset's only label column."
    others = "; ".join(f"'{c.name}' ({_holds(c)})" for c in columns[1:3])
    more = f" and {len(columns) - 3:,} more" if len(columns) > 3 else ""
    return (
        f"Using '{chosen.name}' ({_holds(chosen)}) by default: {_why_default(chosen, columns[1])}. "
        f"Also in the list: {others}{more}."
    )


def _why_default(default: LabelColumn, runner_up: LabelColumn) -> str:
    """Why core.genres put ``default`` before ``runner_up``, in words (its order, step by step)."""
    if default.distinct <= MAX_DEFAULT_VALUES < runner_up.distinct:
        return f"it has at most {MAX_DEFAULT_VALUES} values"
    if runner_up.separator and not default.separator:
        return "columns with one value per song come first, as the scores need one"
    if default.known >= default.left_out and runner_up.known < runner_up.left_out:
        return "it is known for most songs"
    if default.genre_named and not runner_up.genre_named:
        return "it is named for genres"
    if default.distinct < runner_up.distinct:
        return "it has fewer values"
    return "it comes first by name"


def _result(check: GenreCheck, columns: tuple[LabelColumn, ...] = ()) -> list:
    """Scores, the note and the crosstab of one check (``columns``: the usable ones, the default first)."""
    column = check.column
    noun = column.noun if column else "genre"
    shown = _listed(check.genres, check.other, room=100)
    return [
        dbc.Row(
            [
                dbc.Col(
                    metric_card(
                        "Adjusted Rand index", _score(check.ari), "−1…1; 0 = chance, 1 = same grouping", "genres-ari"
                    )
                ),
                dbc.Col(
                    metric_card(
                        "Normalised mutual information",
                        _score(check.nmi),
                        "0…1; how much one grouping tells of the other",
                        "genres-nmi",
                    )
                ),
                dbc.Col(metric_card(f"{noun.capitalize()}s", f"{check.distinct:,}", shown, "genres-count")),
            ],
            className="g-3 mb-3",
        ),
        html.Div(_choice(column, columns) if column and columns else "", className="small mb-1", id="genres-choice"),
        html.Div(check.note, className="small text-muted mb-2", id="genres-note"),
        dcc.Graph(
            id="genres-crosstab",
            figure=genre_crosstab_figure(
                check.crosstab.to_numpy(),
                list(check.crosstab.index),
                [str(g) for g in check.crosstab.columns],
                column=column.name if column else "genre",
                noun=noun,
                multi=bool(column and column.separator),
            ),
            config=GRAPH_CONFIG,
        ),
    ]


def _chosen(query: ViewQuery, columns: tuple[LabelColumn, ...]) -> str:
    """The URL's label column when it is one of ``columns``, else the default."""
    names = [column.name for column in columns]
    return query.label if query.label in names else names[0]


def _checked(view: ResolvedView) -> list:
    """The check's result for ``view``; the "no labels" message when its dataset has none
    (a forged or stale request can ask a page of another dataset for one)."""
    columns = usable_label_columns(view.catalog)
    check = label_check(view.catalog, view.clustering.labels, _chosen(view.query, columns)) if columns else None
    return _result(check, columns) if check is not None else [_none()]


def _page(query: ViewQuery, columns: tuple[LabelColumn, ...], result: Any) -> list:
    """The page's structure, the same drawn (``body``) or waiting for its job (``skeleton``)."""
    return [
        page_subtitle(
            "How well the clusters, found from audio features alone, line up with a label column of the file: "
            "two agreement scores (1: the same grouping, 0: chance) and the songs of each cluster per label.",
            "genres-intro",
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
def choose_label(label: str | None, default: dict[str, str] | None, data: dict[str, str]):
    """Another label column: the check against it, and the column in the URL (none for the default)."""
    fallback = default.get("label") if isinstance(default, dict) else None
    query = stored_query(data, label=label if isinstance(label, str) and label != fallback else None)
    if query.to_params() == data:
        return view_kept(PAGE, _OUTPUTS, data)
    return or_job(query, 2, lambda: (_checked(app_context().resolve(query)), query.to_params()))


# After Cancel the page's query goes back to the view on screen: so does the dropdown.
clientside_callback(
    "function (query, current, fallback) {"
    " return window.dash_clientside.audiospace.controlsFollowQuery("
    "query, [current], [['label', fallback && fallback.label]])[0]; }",
    Output(LABEL_CONTROL, "value", allow_duplicate=True),
    Input(ids.page_query(PAGE), "data"),
    State(LABEL_CONTROL, "value"),
    State(DEFAULT_LABEL, "data"),
    prevent_initial_call=True,
)
