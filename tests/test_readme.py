"""The README, the front door, and the documentation pages under ``docs/``: their Python
examples run as written, every link of the README resolves, and the README's one-screen
catalogue names every public name."""

import pathlib
import re

import jax
import pytest

import jaxlrs
import jaxlrs.compat
import jaxlrs.optax

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PY_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
PAGES = ["README.md"] + [
    str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").rglob("*.md")) if "_gen" not in p.parts
]
BLOCKS = [(page, code) for page in PAGES for code in PY_BLOCK.findall((ROOT / page).read_text())]


def test_readme_and_docs_have_python_examples():
    pages = {page for page, _ in BLOCKS}
    assert "README.md" in pages and "docs/index.md" in pages and len(pages) > 5


@pytest.mark.parametrize(("page", "code"), BLOCKS, ids=[page for page, _ in BLOCKS])
def test_block_runs(page, code, capsys):
    pytest.importorskip("optax")
    # Under the dtype promotion users run with: Optax itself (Adam's bias correction,
    # MultiSteps) mixes int32 counts with floats, which the suite's strict mode rejects.
    with jax.numpy_dtype_promotion("standard"):
        exec(compile(code, str(ROOT / page), "exec"), {"__name__": "docs"})
    out = capsys.readouterr().out.splitlines()
    if page == "docs/index.md":  # the values the text announces
        assert out[0] == "{'learning_rate': Array(0., dtype=float32)}"  # warmup from 0
        half_way = [float(x) for x in out[1].strip("[]").split()]
        assert half_way == pytest.approx([p * 500 / 1_000 for p in (1e-4, 3e-4, 1e-3, 3e-3)])


def _anchors(text: str) -> set[str]:
    from_headings = set()
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (h := re.match(r"#{1,6}\s+(.*)", line)):
            words = re.sub(r"[^\w\s-]", "", h.group(1).replace("`", "").lower())
            from_headings.add(re.sub(r"\s+", "-", words.strip()))
    return from_headings


def test_readme_links_resolve():
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    assert len(links) > 10
    for target in links:
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = ROOT / path
        assert file.is_file(), target
        if anchor:
            assert anchor in _anchors(file.read_text()), target


def test_readme_catalogue_names_every_public_name():
    text = README.read_text()
    names = [n for n in jaxlrs.__all__ if n != "compat"] + list(jaxlrs.optax.__all__)
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing
    for peer in jaxlrs.compat.__all__:
        assert f"compat.{peer}`" in text or f"`.{peer}`" in text, peer
    assert "get_scheduler" in text


@pytest.mark.parametrize("page", PAGES)
def test_lists_start_after_a_blank_line(page):
    """Python-Markdown (the site) reads a list that follows a paragraph line as part of the
    paragraph; GitHub does not. Each list must follow a blank line or another item."""
    fenced, previous, glued = False, "", []
    for number, line in enumerate((ROOT / page).read_text().splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"(- |\d+\. )", line):
            if previous.strip() and not re.match(r"\s*(- |\d+\. )|\s+\S", previous):
                glued.append(number)
        previous = "" if fenced else line
    assert not glued, f"{page}: a list glued to the paragraph above at lines {glued}"
