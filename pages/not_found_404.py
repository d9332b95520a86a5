"""Shown for any path that is not a page."""

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Not found", nav=False, title="Not found · Audio Space Explorer")


def layout(**_query: object) -> html.Div:
    return html.Div(
        [
            html.H3("This page does not exist"),
            html.P("The link may be mistyped or from an older version of the app."),
            dcc.Link("Go to the overview", href="/", className="btn btn-primary"),
        ],
        className="py-5 text-center not-found",
    )
