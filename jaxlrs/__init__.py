"""jaxlrs: exact, composable, jittable learning-rate schedules for JAX and Optax."""

from ._combinators import arithmetic as arithmetic
from ._combinators import clip as clip
from ._combinators import cooldown as cooldown
from ._combinators import cycle as cycle
from ._combinators import from_fn as from_fn
from ._combinators import join as join
from ._combinators import maximum as maximum
from ._combinators import minimum as minimum
from ._combinators import scale as scale
from ._combinators import shift as shift
from ._combinators import stretch as stretch
from ._combinators import warmup as warmup
from ._parse import parse as parse
from ._plot import plot as plot
from ._primitives import constant as constant
from ._primitives import cosine as cosine
from ._primitives import exponential as exponential
from ._primitives import inverse_time as inverse_time
from ._primitives import linear as linear
from ._primitives import multistep as multistep
from ._primitives import piecewise_constant as piecewise_constant
from ._primitives import piecewise_linear as piecewise_linear
from ._primitives import polynomial as polynomial
from ._primitives import step_decay as step_decay
from ._primitives import triangular as triangular
from ._recipes import sgdr as sgdr
from ._recipes import warmup_cosine as warmup_cosine
from ._schedule import Schedule as Schedule
from ._serialize import from_dict as from_dict
from ._serialize import to_dict as to_dict
from ._tools import evaluate as evaluate
from ._tools import summary as summary

__version__ = "0.1.0"

__all__ = [
    "Schedule",
    "arithmetic",
    "clip",
    "constant",
    "cooldown",
    "cosine",
    "cycle",
    "evaluate",
    "exponential",
    "from_dict",
    "from_fn",
    "inverse_time",
    "join",
    "linear",
    "maximum",
    "minimum",
    "multistep",
    "parse",
    "piecewise_constant",
    "piecewise_linear",
    "plot",
    "polynomial",
    "scale",
    "sgdr",
    "shift",
    "step_decay",
    "stretch",
    "summary",
    "to_dict",
    "triangular",
    "warmup",
    "warmup_cosine",
]
