"""Table-driven tests of core.query, the URL state machine: parse, notices, canonical params, the contract.

No engine, no data, no Dash: a ``QueryLimits`` with five features and three song ids.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.methods import METHODS, Method, MethodOption, registered
from core.query import MAX_QUERY_CHARS, QueryLimits, ViewQuery, parse_query, shared_param_names, url_contract

FEATURES = ("acousticness", "danceability", "energy", "tempo", "valence")
LONG_ID = "L" * (MAX_QUERY_CHARS + 1)  # in the dataset, but longer than any URL value may be
SONGS = {"s1", "s2", "id with space", LONG_ID}
LABELS = ("playlist_genre", "playlist_subgenre", "class label")
LIMITS = QueryLimits(default_k=5, k_max=12, features=FEATURES, song_exists=lambda s: s in SONGS, labels=LABELS)
KNOWN = ("k", "song", "cluster", "view", "x", "y", "q", "algo", "scaler", "features", "proj", "feature", "label")
KNOWN += ("linkage", "eps", "min_samples")
HUGE = "9" * 1000
DB, HI = {"algo": "dbscan"}, {"algo": "hierarchical"}


@pytest.fixture
def limits() -> QueryLimits:
    return LIMITS


def expect(**changes: object) -> ViewQuery:
    return ViewQuery(**{"k": 5, **changes})


GOOD = [
    ({}, {}),
    ({"k": "3"}, {"k": 3}),
    ({"k": "2"}, {"k": 2}),
    ({"k": "12"}, {"k": 12}),
    ({"k": ["3", "4"]}, {"k": 3}),
    ({"k": " 7 "}, {"k": 7}),
    ({"k": []}, {}),
    ({"song": "s1"}, {"song": "s1"}),
    ({"song": ["id with space"]}, {"song": "id with space"}),
    ({"cluster": "0"}, {"cluster": 0}),
    ({"k": "3", "cluster": "2"}, {"k": 3, "cluster": 2}),
    ({**DB, "k": "3", "cluster": "11"}, {"algo": "dbscan", "k": 3, "cluster": 11}),
    ({"view": "2d"}, {"view": "2d"}),
    ({"view": " 2D "}, {"view": "2d"}),
    ({"view": ""}, {}),
    ({"x": "tempo", "y": "energy"}, {"x": "tempo", "y": "energy"}),
    ({"q": "héllo wörld ♫"}, {"q": "héllo wörld ♫"}),
    ({"q": "a" * 300}, {"q": "a" * MAX_QUERY_CHARS}),
    ({"algo": "KMEANS"}, {}),
    ({"algo": "Hierarchical"}, {"algo": "hierarchical"}),
    ({"algo": " DBSCAN "}, {"algo": "dbscan"}),
    ({"algo": ""}, {}),
    ({"scaler": "minmax"}, {"scaler": "minmax"}),
    ({"scaler": "Robust"}, {"scaler": "robust"}),
    ({"features": "tempo,energy"}, {"features": ("energy", "tempo")}),
    ({"features": " valence , acousticness ,"}, {"features": ("acousticness", "valence")}),
    ({"features": "tempo,energy,tempo"}, {"features": ("energy", "tempo")}),
    ({"features": ",".join(reversed(FEATURES))}, {"features": None}),
    ({"proj": "umap"}, {"proj": "umap"}),
    ({"proj": "TSNE"}, {"proj": "tsne"}),
    ({"feature": "valence"}, {"feature": "valence"}),
    ({"label": "playlist_subgenre"}, {"label": "playlist_subgenre"}),
    ({"label": ["class label", "x"]}, {"label": "class label"}),
    ({**HI, "linkage": "complete"}, {"algo": "hierarchical", "options": (("linkage", "complete"),)}),
    ({**HI, "linkage": " SINGLE"}, {"algo": "hierarchical", "options": (("linkage", "single"),)}),
    ({**HI, "linkage": "WARD"}, {"algo": "hierarchical"}),
    ({**DB, "eps": "0.5"}, {"algo": "dbscan", "options": (("eps", 0.5),)}),
    ({**DB, "eps": "1000"}, {"algo": "dbscan", "options": (("eps", 1000.0),)}),
    ({**DB, "eps": "1e-300"}, {"algo": "dbscan", "options": (("eps", 1e-300),)}),
    ({**DB, "eps": ""}, {"algo": "dbscan"}),
    ({**DB, "min_samples": "2"}, {"algo": "dbscan", "options": (("min_samples", 2),)}),
    ({**DB, "min_samples": "10000"}, {"algo": "dbscan", "options": (("min_samples", 10000),)}),
    ({**DB, "min_samples": "4.0"}, {"algo": "dbscan", "options": (("min_samples", 4),)}),
    ({**DB, "min_samples": "8", "eps": "0.25"}, {"algo": "dbscan", "options": (("eps", 0.25), ("min_samples", 8))}),
    # options of another method are dropped without a word, even bad ones
    ({"eps": "0.5", "min_samples": "3", "linkage": "single"}, {}),
    ({"algo": "kmeans", "eps": "nan", "linkage": "bogus"}, {}),
    ({**DB, "linkage": "single"}, {"algo": "dbscan"}),
    ({**HI, "eps": "0.5", "min_samples": "x"}, {"algo": "hierarchical"}),
    # unknown names (and known names in the wrong case) are ignored
    ({"utm_source": "x", "K": "9", "Algo": "dbscan", "eps ": "1"}, {}),
]


@pytest.mark.parametrize(("raw", "changes"), GOOD)
def test_good_values_are_kept_without_notice(limits, raw, changes):
    query, notices = parse_query(raw, limits)
    assert notices == []
    assert query == expect(**changes)


BAD = [
    ({"k": "abc"}, {}, ("k='abc'", "K=5")),
    ({"k": ""}, {}, ("k=''", "K=5")),
    ({"k": "3.5"}, {}, ("k='3.5'", "K=5")),
    ({"k": "1e-300"}, {}, ("k='1e-300'", "K=5")),
    ({"k": "nan"}, {}, ("k='nan'", "K=5")),
    ({"k": "inf"}, {}, ("k='inf'", "K=5")),
    ({"k": "五"}, {}, ("k='五'", "K=5")),
    ({"k": "-3"}, {}, ("k=-3", "K=5")),
    ({"k": "1"}, {}, ("k=1", "K=5")),
    ({"k": "13"}, {}, ("k=13", "K=5")),
    ({"k": HUGE}, {}, ("k=", "K=5")),
    ({"k": ["x", "3"]}, {}, ("k='x'", "K=5")),
    ({"song": "nope"}, {}, ("song", "'nope'", "no song is selected")),
    ({"song": ""}, {}, ("song", "''", "no song is selected")),
    ({"song": "S1"}, {}, ("song", "'S1'", "no song is selected")),
    ({"song": "s" * 500}, {}, ("song", "no song is selected")),
    ({"song": LONG_ID}, {}, ("song", "no song is selected")),
    ({"cluster": "5"}, {}, ("cluster='5'", "at K=5", "every cluster")),
    ({"k": "3", "cluster": "3"}, {"k": 3}, ("cluster='3'", "at K=3", "every cluster")),
    ({"cluster": "-1"}, {}, ("cluster='-1'", "every cluster")),
    ({"cluster": "one"}, {}, ("cluster='one'", "every cluster")),
    ({"cluster": "1.0"}, {}, ("cluster='1.0'", "every cluster")),
    ({"cluster": ""}, {}, ("cluster=''", "every cluster")),
    ({**DB, "cluster": "12"}, {"algo": "dbscan"}, ("cluster='12'", "DBSCAN", "every cluster")),
    ({"view": "4d"}, {}, ("view='4d'", "showing 3d")),
    ({"view": "３d"}, {}, ("view='３d'", "showing 3d")),
    ({"view": ["bogus", "2d"]}, {}, ("view='bogus'", "showing 3d")),
    ({"x": "Energy"}, {}, ("x='Energy'", "showing acousticness")),
    ({"x": ""}, {}, ("x=''", "showing acousticness")),
    ({"y": "loudness"}, {}, ("y='loudness'", "showing danceability")),
    ({"algo": "kmeans++"}, {}, ("algo='kmeans++'", "showing kmeans")),
    ({"algo": "spectral"}, {}, ("algo='spectral'", "showing kmeans")),
    ({"scaler": "zscore"}, {}, ("scaler='zscore'", "showing standard")),
    ({"features": "energy"}, {}, ("features", "all of them")),
    ({"features": ""}, {}, ("features", "all of them")),
    ({"features": ",, ,"}, {}, ("features", "all of them")),
    ({"features": "energy,tempo,loudness"}, {"features": ("energy", "tempo")}, ("features", "loudness", "left out")),
    ({"proj": "mds"}, {}, ("proj='mds'", "showing pca")),
    ({"feature": "loudness"}, {}, ("feature='loudness'", "showing acousticness")),
    ({"label": "genre"}, {}, ("label='genre'", "not a label column", "showing playlist_genre")),
    ({"label": "Playlist_Genre"}, {}, ("label='Playlist_Genre'", "showing playlist_genre")),
    ({"label": ""}, {}, ("label=''", "showing playlist_genre")),
    ({**HI, "linkage": "median"}, {"algo": "hierarchical"}, ("linkage=median", "using ward")),
    ({**HI, "linkage": "wärd"}, {"algo": "hierarchical"}, ("linkage=wärd", "using ward")),
    ({**DB, "eps": "abc"}, {"algo": "dbscan"}, ("eps=abc", "not a number", "using the default")),
    ({**DB, "eps": "0"}, {"algo": "dbscan"}, ("eps=0", "more than 0", "using the default")),
    ({**DB, "eps": "-0.5"}, {"algo": "dbscan"}, ("eps=-0.5", "using the default")),
    ({**DB, "eps": "1000.5"}, {"algo": "dbscan"}, ("eps=1000.5", "at most 1000", "using the default")),
    ({**DB, "eps": "1e-400"}, {"algo": "dbscan"}, ("eps=1e-400", "using the default")),
    ({**DB, "eps": "nan"}, {"algo": "dbscan"}, ("eps=nan", "finite", "using the default")),
    ({**DB, "eps": "-inf"}, {"algo": "dbscan"}, ("eps=-inf", "finite", "using the default")),
    ({**DB, "eps": HUGE}, {"algo": "dbscan"}, ("eps=", "using the default")),
    ({**DB, "min_samples": "1"}, {"algo": "dbscan"}, ("min_samples=1", "more than 1", "using the default")),
    ({**DB, "min_samples": "10001"}, {"algo": "dbscan"}, ("min_samples=10001", "using the default")),
    ({**DB, "min_samples": "-4"}, {"algo": "dbscan"}, ("min_samples=-4", "using the default")),
    ({**DB, "min_samples": "2.5"}, {"algo": "dbscan"}, ("min_samples=2.5", "whole number", "using the default")),
    ({**DB, "min_samples": "1e-300"}, {"algo": "dbscan"}, ("min_samples=1e-300", "using the default")),
    ({**DB, "min_samples": "inf"}, {"algo": "dbscan"}, ("min_samples=inf", "using the default")),
    ({**DB, "min_samples": ["ten", "3"]}, {"algo": "dbscan"}, ("min_samples=ten", "using the default")),
]


@pytest.mark.parametrize(("raw", "changes", "needles"), BAD)
def test_bad_value_is_replaced_with_one_notice(limits, raw, changes, needles):
    query, notices = parse_query(raw, limits)
    assert query == expect(**changes)
    assert len(notices) == 1, notices
    for needle in needles:
        assert needle in notices[0]


ALL_X = {name: "x" for name in KNOWN if name not in ("q", "linkage", "eps", "min_samples")}
MULTI = [
    ({"features": "energy,loudness"}, {}, ("loudness", "all of them"), 2),
    ({"k": "99", "cluster": "7"}, {}, ("k=99", "cluster='7'"), 2),
    ({**DB, "eps": "x", "min_samples": "0", "cluster": "99"}, {"algo": "dbscan"}, ("eps=x", "min_samples=0", "99"), 3),
    # "features=x" gives two notices: x is left out, and fewer than two features remain
    (ALL_X, {}, ("song", "features", *(f"{n}=" for n in ALL_X if n not in ("song", "features"))), 13),
]


@pytest.mark.parametrize(("raw", "changes", "needles", "count"), MULTI)
def test_several_bad_values_each_get_a_notice(limits, raw, changes, needles, count):
    query, notices = parse_query(raw, limits)
    assert query == expect(**changes)
    assert len(notices) == count, notices
    text = "\n".join(notices)
    for needle in needles:
        assert needle in text


@pytest.mark.parametrize("name", KNOWN)
@pytest.mark.parametrize("algo", ["hierarchical", "dbscan"])
def test_huge_values_never_raise_and_give_short_notices(limits, name, algo):
    query, notices = parse_query({"algo": algo, name: HUGE} if name != "algo" else {"algo": HUGE}, limits)
    assert len(query.q) <= MAX_QUERY_CHARS
    assert all(len(notice) < 200 for notice in notices), [len(n) for n in notices]


CANONICAL = [
    ({}, {"k": "5"}),
    ({"k": "5", "view": "3D", "algo": "KMEANS", "scaler": "standard", "proj": "pca", "q": ""}, {"k": "5"}),
    ({**HI, "linkage": "ward"}, {"k": "5", "algo": "hierarchical"}),
    ({"algo": "Hierarchical", "linkage": " Average "}, {"k": "5", "algo": "hierarchical", "linkage": "average"}),
    ({**DB, "eps": "5e-1", "min_samples": "3.0"}, {"k": "5", "algo": "dbscan", "eps": "0.5", "min_samples": "3"}),
    ({"features": "tempo, energy"}, {"k": "5", "features": "energy,tempo"}),
    ({"features": ",".join(FEATURES)}, {"k": "5"}),
    ({"cluster": "0", "song": "s2", "k": "04"}, {"k": "4", "song": "s2", "cluster": "0"}),
    ({"algo": "kmeans", "eps": "0.5", "linkage": "single"}, {"k": "5"}),
    ({"utm_source": "x", "K": "9", "page": "2"}, {"k": "5"}),
]


@pytest.mark.parametrize(("raw", "params"), CANONICAL)
def test_to_params_is_canonical(limits, raw, params):
    query, _ = parse_query(raw, limits)
    assert query.to_params() == params
    assert parse_query(params, limits)[0].to_params() == params


ROUND_TRIPS = [
    {},
    {"k": "12", "song": "id with space", "cluster": "11", "view": "2d", "x": "tempo", "y": "valence"},
    {"q": "Ünïcødé ♫ & = ? #", "proj": "umap", "feature": "tempo", "scaler": "minmax"},
    {"label": "class label", "k": "3"},
    {"q": " padded ", "features": "valence,acousticness,energy"},
    {**HI, "k": "3", "cluster": "2", "linkage": "single", "features": "energy,tempo"},
    {**DB, "cluster": "10", "eps": "0.1", "min_samples": "7"},
    {**DB, "eps": "0.30000000000000004"},
    {**DB, "eps": "1e-300", "min_samples": "10000"},
    {**DB, "eps": "1000"},
]


@pytest.mark.parametrize("raw", ROUND_TRIPS)
def test_valid_queries_round_trip(limits, raw):
    query, notices = parse_query(raw, limits)
    assert notices == []
    again, notices = parse_query(query.to_params(), limits)
    assert notices == []
    assert again == query
    assert again.to_params() == query.to_params()


TOKENS = ["", "3", "0", "12", "99", "s1", "id with space", "2D", "dbscan", "HIERARCHICAL", "minmax", "umap"]
TOKENS += ["energy", "tempo,energy", "complete", "ward", "0.5", "1e-300", "8", "nan", "-1", " 2 "]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KNOWN), st.one_of(st.text(max_size=12), st.sampled_from(TOKENS))))
def test_any_short_text_parses_and_round_trips(raw):
    query, _ = parse_query(raw, LIMITS)
    again, notices = parse_query(query.to_params(), LIMITS)
    assert notices == []
    assert again == query
    assert again.to_params() == query.to_params()


@pytest.mark.parametrize(
    ("raw", "shared"),
    [
        (
            {
                "song": "s1",
                "cluster": "1",
                "view": "2d",
                "q": "x",
                "proj": "umap",
                "feature": "tempo",
                "label": "class label",
            },
            {"k": "5"},
        ),
        (
            {**DB, "k": "4", "eps": "0.5", "features": "energy,tempo", "scaler": "robust", "x": "tempo", "song": "s1"},
            {"k": "4", "algo": "dbscan", "eps": "0.5", "features": "energy,tempo", "scaler": "robust"},
        ),
        ({**HI, "linkage": "average", "cluster": "2"}, {"k": "5", "algo": "hierarchical", "linkage": "average"}),
    ],
)
def test_shared_params_keep_only_what_every_page_shares(limits, raw, shared):
    assert parse_query(raw, limits)[0].shared_params() == shared


def test_shared_param_names_hold_the_globals_and_every_option():
    names = shared_param_names()
    assert {"k", "algo", "scaler", "features", "linkage", "eps", "min_samples"} <= set(names)
    assert {o.name for o in METHODS.options()} <= set(names)
    assert not {"song", "cluster", "view", "x", "y", "q", "proj", "feature", "label"} & set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("labels", "raw", "kept", "notice"),
    [
        (None, "anything", "anything", None),  # the caller does not say: kept, the page falls back
        (None, "x" * (MAX_QUERY_CHARS + 1), None, "showing the default"),
        ((), "genre", None, "it has none"),
    ],
)
def test_a_label_is_checked_only_against_the_labels_given(labels, raw, kept, notice):
    limits = QueryLimits(default_k=5, k_max=12, features=FEATURES, song_exists=lambda _: False, labels=labels)
    query, notices = parse_query({"label": raw}, limits)
    assert query.label == kept
    assert notices == ([] if notice is None else [notices[0]]) and (notice is None or notice in notices[0])


def test_url_contract_lists_methods_options_and_defaults():
    contract = url_contract()
    assert contract["linkParams"] == ["data", *shared_param_names()]
    assert contract["options"][:3] == ["linkage", "eps", "min_samples"]
    methods = contract["methods"]
    assert {name: (m["usesK"], m["options"]) for name, m in methods.items() if name in METHODS.names()[:3]} == {
        "kmeans": (True, []),
        "hierarchical": (True, ["linkage"]),
        "dbscan": (False, ["eps", "min_samples"]),
    }
    assert all(m["description"] for m in methods.values())
    assert contract["defaults"] == {"algo": "kmeans", "scaler": "standard", "linkage": "ward"} | {
        "eps": None,
        "min_samples": None,
    }


def test_a_registered_method_brings_its_option_to_the_url(limits):
    tau = MethodOption(name="tau", label="tau", kind=float, default=0.5, bounds=(0.0, 1.0))
    method = Method(name="toy", label="Toy", uses_k=False, fit=lambda engine, params: None, options=(tau,))
    with registered(method):
        assert "tau" in shared_param_names()
        assert url_contract()["methods"]["toy"]["options"] == ["tau"]
        query, notices = parse_query({"algo": "toy", "tau": "0.25", "eps": "0.5"}, limits)
        assert notices == [] and query.to_params() == {"k": "5", "algo": "toy", "tau": "0.25"}
        assert parse_query({"algo": "toy", "tau": "0.5"}, limits)[0].to_params() == {"k": "5", "algo": "toy"}
        _, notices = parse_query({"algo": "toy", "tau": "2"}, limits)
        assert len(notices) == 1 and "tau=2" in notices[0] and "using 0.5" in notices[0]
    assert "tau" not in shared_param_names()
