"""The documentation site's generator (docs/hooks.py, the MkDocs hook): every public name is
in the gallery and the API reference, the navigation's pages exist, the README fragments the
pages include resolve, and the docs' own Python examples run. ``mkdocs build --strict``
itself runs in ``.ci/run`` (too slow for a test)."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import sys

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("griffe")
yaml = pytest.importorskip("yaml")

import jaxlrs  # noqa: E402
import jaxlrs.compat  # noqa: E402
from jaxlrs._schedule import kinds  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PEERS = ["torch", "keras", "transformers", "optax", "timm", "mxnet"]


def _load_hooks():
    if "jaxlrs_docs_hooks" not in sys.modules:
        spec = importlib.util.spec_from_file_location("jaxlrs_docs_hooks", DOCS / "hooks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["jaxlrs_docs_hooks"] = module
        spec.loader.exec_module(module)
    return sys.modules["jaxlrs_docs_hooks"]


hooks = _load_hooks()


@pytest.fixture(scope="module")
def pages():
    return hooks.generated_pages(images=False)


def _gallery_text(pages):
    return "\n".join(v for k, v in pages.items() if k.startswith("gallery/") and k.endswith(".md"))


def _expected_gallery():
    """(page, qualified name) for every public constructor: the registered schedule kinds
    among ``jaxlrs.__all__`` (and the ``plateau`` controller), every name of each
    ``jaxlrs.compat`` module."""
    registered = set(kinds())
    core = [n for n in jaxlrs.__all__ if n in registered or n == "plateau"]
    out = [("gallery/core.md", n) for n in core]
    for peer in PEERS:
        module = getattr(jaxlrs.compat, peer)
        out += [(f"gallery/{peer}.md", f"compat.{peer}.{n}") for n in module.__all__]
    return out


def test_gallery_shows_every_constructor(pages):
    text = _gallery_text(pages)
    expected = _expected_gallery()
    assert len(expected) > 90
    missing = [q for _, q in expected if f"][jaxlrs.{q}]**" not in text]
    assert missing == []
    # the peers' constructors on their own peer's page
    for page, q in expected:
        if q.startswith("compat."):
            assert f"][jaxlrs.{q}]**" in pages[page], (page, q)


def test_gallery_cards_plot_and_print_their_example(pages):
    text = _gallery_text(pages)
    cards = re.findall(
        r"^-   \*\*\[`[^`]+`\]\[jaxlrs\.([^\]]+)\]\*\*\n(.*?)(?=^-   |^</div>)", text, re.M | re.S
    )
    assert len(cards) == len(_expected_gallery())
    for name, body in cards:
        schedule = hooks.example(name)
        if schedule is None:  # a controller: no plot, no repr
            assert name in hooks.CONTROLLERS and "controller" in body
            continue
        assert isinstance(schedule, jaxlrs.Schedule)
        if name in kinds():  # its example is built by that constructor
            assert schedule.name == name
        assert f"![{name} example](img/{name}.png)" in body
        assert "    " + repr(schedule) in body.splitlines()


def test_gallery_summaries_are_the_docstrings_first_paragraph(pages):
    text = pages["gallery/core.md"]
    first = jaxlrs.cosine.__doc__.strip().split("\n\n")[0].strip()
    assert first in text
    assert hooks.summary_text(jaxlrs.cosine).startswith(first)


def test_draw_writes_a_png():
    png = hooks.draw("linear", jaxlrs.linear(1.0, 0.0, 50))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1_000


def test_api_reference_holds_every_public_name(pages):
    directives = set()
    for path, text in pages.items():
        if path.startswith("api/"):
            directives |= set(re.findall(r"^::: (\S+)$", text, re.M))
    names = [f"jaxlrs.{n}" for n in jaxlrs.__all__ if n != "compat"]
    names += [f"jaxlrs.optax.{n}" for n in jaxlrs.optax.__all__]
    for peer in PEERS:
        module = getattr(jaxlrs.compat, peer)
        names += [f"jaxlrs.compat.{peer}.{n}" for n in module.__all__]
    assert sorted(set(names) - directives) == []
    # and nothing that is not public
    modules = {"jaxlrs.optax"} | {f"jaxlrs.compat.{p}" for p in PEERS}  # their docstrings
    assert sorted(directives - set(names) - modules) == []


def _nav_pages(nav):
    for entry in nav:
        if isinstance(entry, str):
            yield entry
        else:
            for value in entry.values():
                yield from _nav_pages(value) if isinstance(value, list) else [value]


def test_nav_pages_exist(pages):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    nav = list(_nav_pages(config["nav"]))
    assert "index.md" in nav and "gallery/core.md" in nav and "api/core.md" in nav
    missing = [p for p in nav if not (DOCS / p).is_file() and p not in pages]
    assert missing == []
    # every generated page and every written page is in the navigation
    written = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert sorted((written | {p for p in pages if p.endswith(".md")}) - set(nav)) == []


def _written_pages():
    return {str(p.relative_to(DOCS)): p.read_text() for p in sorted(DOCS.rglob("*.md"))}


def test_readme_fragments_resolve():
    written = _written_pages()
    maps = hooks.include_map(written)
    included = set()
    for uri, text in written.items():
        specs = hooks.INCLUDE.findall(text)
        included |= {m.group("section") for s in specs if (m := hooks.SPEC.match(s))}
        expanded = hooks.expand(text, uri, maps)
        assert "<!-- include" not in expanded
        for spec in specs:
            assert hooks.fragment(spec)[1].strip(), (uri, spec)
        # links into the repository were rewritten to pages of the site
        for target in re.findall(r"\]\(([^)\s]+)\)", expanded):
            if not re.match(r"[a-z]+:", target):
                path = target.partition("#")[0]
                resolved = (DOCS / uri).parent / path if path else DOCS / uri
                assert resolved.resolve().is_file() or path.endswith(".md"), (uri, target)
    sections = set(
        re.findall(r"^<!-- section:([\w-]+) -->", (ROOT / "README.md").read_text(), re.M)
    )
    assert sections and sections <= included  # the site holds every section of the README


def test_fragment_cuts_and_relevels():
    spec = 'docs/guides/composing.md from "## Clocks" until "## No such" level 1'
    with pytest.raises(ValueError, match="no line"):
        hooks.fragment(spec)
    path, text = hooks.fragment(spec.replace(' until "## No such"', ""))
    assert path == "docs/guides/composing.md"
    lines = text.splitlines()
    assert lines[0] == "# Clocks: tokens, examples and epochs"
    assert "Re-plan on resume" not in text  # the part before "## Clocks" is cut
    # Python comments inside code blocks are not headings
    assert any(line.startswith("# 256 sequences of 2,048 tokens") for line in lines)
    _, pitch = hooks.fragment('README.md from "**Exact" until "![Five"')
    assert pitch.startswith("**Exact") and "![Five" not in pitch
    assert "## Install and run" in hooks.fragment("README.md:setup")[1]
    with pytest.raises(ValueError, match="no section"):
        hooks.fragment("README.md:no-such-section")


def test_links_rewritten_for_the_page():
    maps = (
        {"your-own-named-schedules": "guides/composing.md"},
        {"benchmarks/RESULTS.md": "guides/performance.md"},
    )
    text = (
        "[a](docs/schedules.png) [b](#your-own-named-schedules) "
        "[c](benchmarks/RESULTS.md) [d](https://x.org)"
    )
    out = hooks._relink(text, "README.md", "guides/catalogue.md", maps)
    assert out == (
        "[a](../schedules.png) [b](composing.md#your-own-named-schedules) "
        "[c](performance.md) [d](https://x.org)"
    )
    assert "[b](#your-own-named-schedules)" in hooks._relink(
        text, "README.md", "guides/composing.md", maps
    )
    with pytest.raises(ValueError, match="which no page includes"):
        hooks._relink("[e](examples/quickstart.py)", "README.md", "index.md", maps)


def test_convert_docstring():
    ids = {"jaxlrs.summary", "jaxlrs.plateau", "jaxlrs.compat.torch.CyclicMomentum"}
    text = (
        "Sum.\n\nArgs:\n    x: one.\n    a, b: two\n        lines.\n\n"
        "Example:\n    >>> 1\n    1\n\n"
        "See :func:`jaxlrs.summary`, :func:`plateau`, :func:`CyclicMomentum`, :func:`nothing`."
    )
    out = hooks.convert_docstring(text, ids)
    assert "    a: two lines.\n    b: two lines.\n\nExamples:\n    >>> 1" in out
    assert "[`jaxlrs.summary`][jaxlrs.summary]" in out
    assert "[`plateau`][jaxlrs.plateau]" in out
    assert "[`CyclicMomentum`][jaxlrs.compat.torch.CyclicMomentum]" in out
    assert "`nothing`." in out and "[`nothing`]" not in out


def test_griffe_reads_the_converted_docstrings():
    griffe = pytest.importorskip("griffe")
    package = griffe.load(
        "jaxlrs.compat", search_paths=[str(ROOT)], extensions=griffe.load_extensions(hooks.Griffe)
    )
    cyclic = package["torch"]["CyclicLR"]
    sections = cyclic.docstring.parse("google")
    kinds_ = [s.kind.value for s in sections]
    assert "examples" in kinds_
    params = next(s for s in sections if s.kind.value == "parameters").value
    assert {"cycle_momentum", "base_momentum", "max_momentum"} <= {p.name for p in params}
