"""The default run's sample of the costliest parametrized tests (conftest.py, SAMPLED): every
listed test exists and is parametrized, each shift keeps one case in K, and the K shifts
together keep every case exactly once."""

import ast
from pathlib import Path

import pytest

import conftest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("test", sorted(conftest.SAMPLED))
def test_each_sampled_test_exists_and_is_parametrized(test):
    path, *owners, name = test.split("::")  # a module's function, or a class's method
    body = ast.parse((ROOT / path).read_text()).body
    for owner in owners:
        (cls,) = [n for n in body if isinstance(n, ast.ClassDef) and n.name == owner]
        body = cls.body
    (fn,) = [n for n in body if isinstance(n, ast.FunctionDef) and n.name == name]
    marks = [ast.unparse(d) for d in fn.decorator_list]
    assert any("parametrize" in m for m in marks), f"{test} is not parametrized: {marks}"


def test_shifts_partition_the_cases():
    k = 3
    test = "tests/test_x.py::test_y"
    others = ["tests/test_x.py::test_z", "tests/test_x.py::test_w[a]"]
    ids = [f"{test}[{i}]" for i in range(10)] + others
    saved = conftest.SAMPLED.get(test)
    conftest.SAMPLED[test] = k
    try:
        kept = [conftest.sample(ids, shift=s) for s in range(k)]
    finally:
        del conftest.SAMPLED[test]
    for keep in kept:  # unlisted tests always stay; one in k of the listed one's cases
        assert set(others) <= keep
        assert len([i for i in keep if i.startswith(test)]) in (10 // k, 10 // k + 1)
    sampled = [i for keep in kept for i in keep if i.startswith(test)]
    assert sorted(sampled) == sorted(ids[:10])  # each case in exactly one shift
    assert conftest.sample(ids, all_cases=True) == set(ids)
    assert saved is None
