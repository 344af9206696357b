"""MkDocs hook of the jaxlrs documentation (``hooks:`` in ``mkdocs.yml``).

At build time, never written into ``docs/``:

* the gallery (``gallery/*.md`` and their PNGs): every public schedule constructor of
  ``jaxlrs``, its combinators, and every name of the ``jaxlrs.compat.*`` modules, with the
  first paragraph of its docstring, a plot of one example schedule (the first entry of
  ``tests/examples_table.py`` for its constructor, or one of ``EXTRA`` below), its repr
  and a link to its API reference entry;
* the API reference (``api/*.md``): one page per group of names, one ``::: name``
  directive of mkdocstrings per name;
* fragments of other files (the home page shows the README's pitch and its set-up
  commands, the performance page ``benchmarks/RESULTS.md``, so each is written once): a page
  line ``<!-- include README.md:SECTION from "A" until "B"
  level N -->`` is replaced by the README's ``<!-- section:SECTION -->`` block (the whole
  file without ``:SECTION``), from its first line starting with ``A`` up to its first later
  line starting with ``B`` (each optional), its headings moved so that the first is of
  level ``N`` (optional), and its links rewritten for the page. The README's section
  markers are not the ``--8<-- [start:NAME]`` markers of ``pymdownx.snippets``, so the
  hook reads them itself.

``Griffe`` (also named in ``mkdocs.yml``) is the Griffe extension that adapts the
project's docstrings for mkdocstrings: ``Example:`` sections become ``Examples:`` (whose
``>>>`` lines Griffe renders as code), and Sphinx roles (``:func:`jaxlrs.summary```)
become links to the reference entry where there is one, code otherwise.
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parent.parent

# -- the public names and their groups -----------------------------------------------------

COMBINATOR_MODULES = ("jaxlrs._combinators", "jaxlrs._replan", "jaxlrs._noise")
PEERS = (
    ("torch", "PyTorch"),
    ("keras", "Keras"),
    ("transformers", "Hugging Face"),
    ("optax", "Optax"),
    ("timm", "timm"),
    ("mxnet", "MXNet"),
)
CORE_SECTIONS = (  # the API reference's core page, by defining module
    ("jaxlrs._schedule", "The schedule type"),
    ("jaxlrs._primitives", "Primitives"),
    ("jaxlrs._decays", "Decays"),
    ("jaxlrs._warmups", "Warmups and inverse square roots"),
    ("jaxlrs._recipes", "Recipes"),
    ("jaxlrs._cyclic", "Cyclic and one-cycle"),
    ("jaxlrs._plateau", "Driven by a metric"),
    ("jaxlrs._fraction", "Durations as fractions"),
    ("jaxlrs._define", "Your own named schedules"),
    ("jaxlrs._parse", "Configs"),
    ("jaxlrs._serialize", "Configs"),
    ("jaxlrs._tools", "Tools"),
    ("jaxlrs._plot", "Tools"),
    ("jaxlrs._audit", "Tools"),
)


@dataclass(frozen=True)
class Group:
    """Names shown together: one gallery page and one API reference page."""

    slug: str  # page name: gallery/SLUG.md, api/SLUG.md
    title: str
    module: str  # the module the names are read from
    names: tuple[str, ...]  # every public name (the API reference)
    gallery: tuple[str, ...]  # the constructors among them (the gallery)

    def qualified(self, name: str) -> str:
        return f"{self.module}.{name}"


def _jaxlrs() -> Any:
    import jaxlrs
    import jaxlrs.compat
    import jaxlrs.optax

    return jaxlrs


def _kinds() -> set[str]:
    from jaxlrs._schedule import kinds

    return set(kinds())


def groups() -> tuple[Group, ...]:
    """The groups of public names, in the order of the navigation."""
    j = _jaxlrs()
    kinds = _kinds()
    public = [n for n in j.__all__ if n != "compat"]

    def combinator(name: str) -> bool:
        return getattr(j, name).__module__ in COMBINATOR_MODULES

    def constructor(name: str) -> bool:
        # a registered schedule kind, or a controller for jaxlrs.optax.inject (plateau)
        return name in kinds or name == "plateau"

    core = [n for n in public if not combinator(n)]
    comb = [n for n in public if combinator(n)]
    out = [
        Group("core", "Schedules", "jaxlrs", tuple(core), tuple(filter(constructor, core))),
        Group(
            "combinators", "Combinators", "jaxlrs", tuple(comb), tuple(filter(constructor, comb))
        ),
        Group("jaxlrs-optax", "jaxlrs.optax", "jaxlrs.optax", tuple(j.optax.__all__), ()),
    ]
    for peer, title in PEERS:
        names = tuple(getattr(j.compat, peer).__all__)
        out.append(Group(peer, title, f"jaxlrs.compat.{peer}", names, names))
    return tuple(out)


# -- one example schedule per constructor ------------------------------------------------

EXTRA: dict[str, Callable[[Any], Any]] = {
    # public constructors whose schedules are another constructor's (so the table of
    # examples, keyed by the schedule's constructor, has none of their own)
    "compat.optax.cosine_onecycle_schedule": lambda j: j.compat.optax.cosine_onecycle_schedule(
        1_000, 1e-3
    ),
    "compat.optax.linear_onecycle_schedule": lambda j: j.compat.optax.linear_onecycle_schedule(
        1_000, 1e-3
    ),
    "compat.transformers.get_scheduler": lambda j: j.compat.transformers.get_scheduler(
        "cosine", 1e-3, 100, 1_000
    ),
    "compat.keras.deserialize": lambda j: j.compat.keras.deserialize(
        {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 100}}
    ),
    "compat.timm.create_scheduler_v2": lambda j: j.compat.timm.create_scheduler_v2(
        0.1, "cosine", num_epochs=100, warmup_epochs=5
    )[0],
}
CONTROLLERS = (
    "plateau",
    "compat.torch.ReduceLROnPlateau",
    "compat.transformers.GreedyLR",
    "compat.timm.PlateauLRScheduler",
)
"""Constructors of controllers (their value depends on a metric): no plot."""


def _examples_table() -> Any:
    name = "jaxlrs_examples_table"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "examples_table.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def example(kind: str) -> Any:
    """One example schedule built by the constructor ``kind`` (``"cosine"``,
    ``"compat.torch.StepLR"``), or None for a controller."""
    if kind in CONTROLLERS:
        return None
    j = _jaxlrs()
    if kind in EXTRA:
        return EXTRA[kind](j)
    table = _examples_table()
    for case in table.cases() + table.function_cases():
        if case.name == kind:
            return case.build()
    raise LookupError(f"docs: no example schedule for {kind!r} in tests/examples_table.py")


def kind_name(group: Group, name: str) -> str:
    """``"cosine"``, ``"compat.torch.StepLR"``: the constructor's registered name."""
    return group.qualified(name).removeprefix("jaxlrs.")


STEPS = {
    # steps drawn where the rule of plot_steps shows too little or too much
    "inverse_sqrt": 1_000,
    "noam": 12_000,
    "rsqrt": 30_000,
    "from_fn": 20,
    "compat.torch.LambdaLR": 20,
    "compat.torch.MultiplicativeLR": 20,
    "compat.torch.CyclicMomentum": 40,
    "compat.torch.ExponentialLR": 50,
    "compat.torch.OneCycleLR": 12,
    "compat.torch.OneCycleMomentum": 35,
    "compat.torch.ChainedScheduler": 40,
    "compat.torch.CosineAnnealingLR": 40,
    "compat.mxnet.FactorScheduler": 30,
    "compat.mxnet.MultiFactorScheduler": 20,
    "compat.mxnet.PolyScheduler": 15,
    "compat.mxnet.CosineScheduler": 15,
    "compat.timm.MultiStepLRScheduler": 12,
    "compat.timm.TanhLRScheduler": 15,
    "compat.timm.WSDLRScheduler": 30,
    "compat.timm.StepLRScheduler": 20,
    "compat.optax.linear_schedule": 20,
    "compat.optax.polynomial_schedule": 20,
    "compat.optax.piecewise_interpolate_schedule": 15,
    "compat.optax.warmup_constant_schedule": 10,
    "compat.optax.warmup_exponential_decay_schedule": 25,
    "compat.optax.cosine_onecycle_schedule": 1_100,
    "compat.optax.linear_onecycle_schedule": 1_100,
    "compat.transformers.get_cosine_schedule_with_warmup": 12,
    "compat.transformers.get_cosine_with_hard_restarts_schedule_with_warmup": 12,
    "compat.transformers.get_inverse_sqrt_schedule": 50,
    "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup": 12,
    "compat.transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate": 14,
    "compat.transformers.get_wsd_schedule": 12,
    "compat.transformers.get_scheduler": 1_100,
}


def plot_steps(kind: str, schedule: Any) -> int:
    """How many steps the gallery draws for the example of ``kind``: past the end of a
    finite schedule, three cycles or phases of an endless one (unless ``STEPS`` says)."""
    from jaxlrs._replan import length
    from jaxlrs._tools import phases

    if kind in STEPS:
        return STEPS[kind]
    try:
        end = int(length(schedule))
    except TypeError:  # None: endless or unknown
        marks = [b for b in phases(schedule, 10**6) if b > 0]
        end = int(marks[min(2, len(marks) - 1)]) if marks else 100
    return max(int(end * 1.25), 20)


def draw(kind: str, schedule: Any) -> bytes:
    """A small PNG of ``schedule`` drawn by ``jaxlrs.plot``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    j = _jaxlrs()
    fig = Figure(figsize=(3, 1.6), dpi=80)  # fixed margins: a layout engine costs seconds
    fig.subplots_adjust(left=0.16, right=0.97, top=0.95, bottom=0.14)
    ax = fig.add_subplot()
    j.plot({"example": schedule}, plot_steps(kind, schedule), ax=ax, points=400)
    ax.get_legend().remove()
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(labelsize=6)
    ax.locator_params(nbins=4)
    ax.yaxis.get_offset_text().set_fontsize(6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


# -- docstrings ----------------------------------------------------------------------------

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):`~?([^`]+)`")
EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


def reference_ids() -> set[str]:
    """The identifiers that have an API reference entry (``jaxlrs.cosine``)."""
    return {g.qualified(n) for g in groups() for n in g.names}


def _role_target(target: str, ids: set[str]) -> str | None:
    """The reference entry a role names: ``jaxlrs.summary`` itself, or the one public
    name ending in ``.plateau`` (``CyclicMomentum``, ``Schedule.replace``: a member of a
    documented class)."""
    if target in ids:
        return target
    head, _, tail = target.rpartition(".")
    for name, suffix in ((target, ""), (head, "." + tail if head else "")):
        found = [i for i in ids if i.endswith("." + name)] if name else []
        if len(found) == 1:
            return found[0] + suffix
    return None


GROUPED = re.compile(r"^(\s+)(\w+(?:, \w+)+): (.*)$")


def _split_grouped_args(text: str) -> str:
    """``a, b: text`` in an ``Args:`` section as one entry per parameter (Griffe reads
    one name per entry)."""
    lines = text.splitlines()
    out: list[str] = []
    args_indent: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if line.strip() in ("Args:", "Arguments:"):
            args_indent = indent
        elif line.strip() and args_indent is not None and indent <= args_indent:
            args_indent = None
        m = GROUPED.match(line) if args_indent is not None else None
        if m is None:
            out.append(line)
            i += 1
            continue
        rest = [m.group(3)]
        i += 1
        while (
            i < len(lines)
            and lines[i].strip()
            and len(lines[i]) - len(lines[i].lstrip()) > len(m.group(1))
        ):
            rest.append(lines[i].strip())
            i += 1
        for name in m.group(2).split(", "):
            out.append(f"{m.group(1)}{name}: {' '.join(r for r in rest if r)}")
    return "\n".join(out)


def convert_docstring(text: str, ids: set[str] | None = None) -> str:
    """The project's docstring markup in mkdocstrings' terms (see the module docstring)."""
    ids = reference_ids() if ids is None else ids
    text = _split_grouped_args(text)

    def role(m: re.Match[str]) -> str:
        target = m.group(1)
        found = _role_target(target, ids)
        return f"[`{target}`][{found}]" if found else f"`{target}`"

    return ROLE.sub(role, EXAMPLE.sub(r"\1Examples:", text))


class Griffe(griffe.Extension):
    """Griffe extension: ``convert_docstring`` on every docstring it loads."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set[str] | None = None

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            if self._ids is None:
                self._ids = reference_ids()
            obj.docstring.value = convert_docstring(obj.docstring.value, self._ids)


def summary_text(obj: Any) -> str:
    """The first paragraph of ``obj``'s docstring, and the second too when it is the
    formula (it starts with code)."""
    paragraphs = [p.strip() for p in (inspect.getdoc(obj) or "").split("\n\n")]
    text = paragraphs[0]
    if len(paragraphs) > 1 and paragraphs[1].startswith("``") and ":\n" not in paragraphs[1]:
        text += "\n\n" + paragraphs[1]
    return convert_docstring(text)


# -- generated pages -----------------------------------------------------------------------


def api_page(group: Group) -> str:
    """The API reference page of ``group``: a ``:::`` directive per name."""
    lines = [f"# {group.title}: API reference", ""]
    if group.module != "jaxlrs":
        lines += [f"::: {group.module}", "    options:", "      members: false"]
        lines += ["      show_root_heading: false", "      show_root_toc_entry: false", ""]
        for name in group.names:
            lines += [f"::: {group.qualified(name)}", ""]
        return "\n".join(lines)
    j = _jaxlrs()
    titles = dict(CORE_SECTIONS)
    sections: dict[str, list[str]] = {}
    for name in group.names:
        module = getattr(j, name).__module__
        sections.setdefault(titles.get(module, "More"), []).append(name)
    order = list(dict.fromkeys(titles.values()))
    for title, names in sorted(sections.items(), key=lambda item: _position(order, item[0])):
        lines += [f"## {title}", ""]
        for name in names:
            lines += [f"::: {group.qualified(name)}", "    options:", "      heading_level: 3", ""]
    return "\n".join(lines)


def _position(order: list[str], title: str) -> int:
    return order.index(title) if title in order else len(order)


def gallery_page(group: Group, *, images: bool = True) -> tuple[str, dict[str, bytes]]:
    """The gallery page of ``group`` and its PNGs (``{path: png}``, paths relative to
    ``gallery/``); with ``images=False`` the page alone, and no PNG is drawn."""
    j = _jaxlrs()
    lines = [f"# Gallery: {group.title}", ""]
    if group.module == "jaxlrs.compat." + group.slug:
        lines += [
            f"The constructors of `{group.module}`, named and parameterised like "
            f"{group.title}'s, each with one example schedule drawn by `jaxlrs.plot`.",
            "",
        ]
    else:
        lines += ["Each constructor with one example schedule drawn by `jaxlrs.plot`.", ""]
    lines += ['<div class="grid cards" markdown>', ""]
    pngs: dict[str, bytes] = {}
    for name in group.gallery:
        qualified = group.qualified(name)
        kind = kind_name(group, name)
        schedule = example(kind)
        obj = getattr(sys.modules[group.module], name)
        card = [f"**[`{name}`][{qualified}]**", "", "---", ""]
        if schedule is None:
            card += ["*A controller: its value follows the metric each update reports.*", ""]
        else:
            image = f"img/{kind}.png"
            if images:
                pngs[image] = draw(kind, schedule)
            card += [f"![{kind} example]({image})", ""]
        card += [summary_text(obj), ""]
        if schedule is not None:
            card += ["```python", repr(schedule), "```", ""]
        card_lines = "\n".join(card).splitlines()
        lines.append("-   " + card_lines[0])
        lines += [("    " + line).rstrip() for line in card_lines[1:]] + [""]
    lines += ["</div>", ""]
    del j
    return "\n".join(lines), pngs


def generated_pages(*, images: bool = True) -> dict[str, str | bytes]:
    """Every generated file, ``{path in the docs: content}``."""
    out: dict[str, str | bytes] = {}
    for group in groups():
        out[f"api/{group.slug}.md"] = api_page(group)
        if group.gallery:
            page, pngs = gallery_page(group, images=images)
            out[f"gallery/{group.slug}.md"] = page
            out.update({f"gallery/{path}": png for path, png in pngs.items()})
    return out


# -- README fragments ----------------------------------------------------------------------

INCLUDE = re.compile(r"^<!-- include (?P<spec>.+?) -->[ \t]*$", re.MULTILINE)
SPEC = re.compile(
    r"(?P<file>[^\s:]+)(?::(?P<section>[\w-]+))?"
    r'(?:\s+from\s+"(?P<start>[^"]*)")?(?:\s+until\s+"(?P<stop>[^"]*)")?'
    r"(?:\s+level\s+(?P<level>[1-6]))?\s*$"
)
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})(\s.*)$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _lines_outside_fences(lines: list[str]) -> Iterator[int]:
    fenced = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield i


def section(text: str, name: str, where: str = "README.md") -> str:
    """The block between ``<!-- section:NAME -->`` and ``<!-- /section:NAME -->``."""
    m = re.search(
        rf"^<!-- section:{re.escape(name)} -->\n(.*?)^<!-- /section:{re.escape(name)} -->",
        text,
        re.MULTILINE | re.DOTALL,
    )
    if m is None:
        raise ValueError(f"docs: {where} has no section {name!r}")
    return m.group(1)


def fragment(spec: str) -> tuple[str, str]:
    """``(file, text)`` of an include directive's ``spec`` (see the module docstring)."""
    m = SPEC.match(spec.strip())
    if m is None:
        raise ValueError(f"docs: cannot read the include directive {spec!r}")
    path = m.group("file")
    text = (ROOT / path).read_text()
    if m.group("section"):
        text = section(text, m.group("section"), path)
    lines = text.splitlines()
    begin, end = 0, len(lines)
    if m.group("start") is not None:
        found = [i for i, line in enumerate(lines) if line.startswith(m.group("start"))]
        if not found:
            raise ValueError(f"docs: no line of {spec!r} starts with {m.group('start')!r}")
        begin = found[0]
    if m.group("stop") is not None:
        found = [i for i in range(begin + 1, end) if lines[i].startswith(m.group("stop"))]
        if not found:
            raise ValueError(f"docs: no line of {spec!r} starts with {m.group('stop')!r}")
        end = found[0]
    lines = lines[begin:end]
    if m.group("level"):
        outside = list(_lines_outside_fences(lines))
        levels = [len(h.group(1)) for i in outside if (h := HEADING.match(lines[i]))]
        if levels:
            shift = int(m.group("level")) - levels[0]
            for i in outside:
                if h := HEADING.match(lines[i]):
                    lines[i] = "#" * max(1, len(h.group(1)) + shift) + h.group(2)
    return path, "\n".join(lines).strip("\n") + "\n"


def slug(heading: str) -> str:
    """The anchor of a heading (Python-Markdown's ``toc`` slug of its text)."""
    from markdown.extensions.toc import slugify

    return slugify(heading.replace("`", ""), "-")


def include_map(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """From the pages' sources (``{uri: markdown}``): which page holds each included
    heading's anchor, and which page includes each whole file (for links to it)."""
    anchors: dict[str, str] = {}
    files: dict[str, str] = {}
    for uri, text in pages.items():
        for m in INCLUDE.finditer(text):
            path, body = fragment(m.group("spec"))
            if ":" not in m.group("spec").split()[0]:
                files.setdefault(path, uri)
            lines = body.splitlines()
            for i in _lines_outside_fences(lines):
                if h := HEADING.match(lines[i]):
                    anchors.setdefault(slug(h.group(2).strip()), uri)
    return anchors, files


def _relink(text: str, source: str, page: str, maps: tuple[dict[str, str], dict[str, str]]):
    anchors, files = maps
    here = posixpath.dirname(page)

    def relative(uri: str) -> str:
        return posixpath.relpath(uri, here or ".")

    def link(m: re.Match[str]) -> str:
        target = m.group(1)
        if re.match(r"[a-z]+:", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        if not path:
            if anchor not in anchors:
                raise ValueError(f"docs: no page includes the heading of {target!r} ({source})")
            uri = anchors[anchor]
            return f"]({'' if uri == page else relative(uri)}#{anchor})"
        path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if path.startswith("docs/"):
            return f"]({relative(path.removeprefix('docs/'))}{'#' + anchor if anchor else ''})"
        if path in files:
            return f"]({relative(files[path])}{'#' + anchor if anchor else ''})"
        raise ValueError(f"docs: {source} links to {path}, which no page includes")

    return LINK.sub(link, text)


def expand(text: str, page: str, maps: tuple[dict[str, str], dict[str, str]]) -> str:
    """``text`` (the page ``page``) with its include directives replaced."""

    def include(m: re.Match[str]) -> str:
        path, body = fragment(m.group("spec"))
        return _relink(body, path, page, maps)

    return INCLUDE.sub(include, text)


# -- MkDocs events -------------------------------------------------------------------------

_maps: tuple[dict[str, str], dict[str, str]] = ({}, {})


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    global _maps
    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    pages = {
        f.src_uri: Path(f.abs_src_path).read_text()
        for f in files
        if f.src_uri.endswith(".md") and f.abs_src_path and not f.generated_by
    }
    _maps = include_map(pages)
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return expand(markdown, page.file.src_uri, _maps)
