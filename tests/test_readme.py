"""The README's Python examples run as written."""

import pathlib
import re

import jax
import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert BLOCKS, "README.md should show Python examples"


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(code):
    pytest.importorskip("optax")
    # Under the dtype promotion users run with: Optax itself (Adam's bias correction,
    # MultiSteps) mixes int32 counts with floats, which the suite's strict mode rejects.
    with jax.numpy_dtype_promotion("standard"):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
