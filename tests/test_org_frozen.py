"""Frozen data: deep, refusing every change, still plain data for json, pickle and equality."""

from __future__ import annotations

import json
import pickle

import pytest

from hoinghe.org.frozen import FrozenDict, freeze, thaw


def test_freeze_goes_all_the_way_down():
    frozen = freeze({"a": [1, {"b": [2, 3]}], "c": "x"})
    assert frozen == {"a": (1, {"b": (2, 3)}), "c": "x"}
    assert isinstance(frozen["a"][1], FrozenDict)
    assert json.loads(json.dumps(frozen)) == {"a": [1, {"b": [2, 3]}], "c": "x"}
    assert thaw(frozen) == {"a": [1, {"b": [2, 3]}], "c": "x"}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("a", 1),
        lambda d: d.__delitem__("a"),
        lambda d: d.update(a=2),
        lambda d: d.pop("a"),
        lambda d: d.popitem(),
        lambda d: d.setdefault("z", 1),
        lambda d: d.clear(),
    ],
)
def test_every_change_is_refused(change):
    frozen = freeze({"a": 1})
    with pytest.raises(TypeError, match="cannot be changed"):
        change(frozen)
    assert frozen == {"a": 1}


def test_frozen_data_pickles_and_hashes():
    frozen = freeze({"a": [1, 2], "b": {"c": 3}})
    again = pickle.loads(pickle.dumps(frozen))  # noqa: S301 - our own bytes
    assert again == frozen
    assert type(again) is FrozenDict
    assert hash(again) == hash(freeze({"b": {"c": 3}, "a": [1, 2]}))
