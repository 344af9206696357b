"""jaxlrs: exact, composable, jittable learning-rate schedules for JAX and Optax."""

from . import compat as compat
from ._audit import Finding as Finding
from ._audit import check as check
from ._clocks import epochs as epochs
from ._clocks import examples as examples
from ._clocks import on_clock as on_clock
from ._clocks import ticks as ticks
from ._clocks import tokens as tokens
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
from ._cyclic import cyclic as cyclic
from ._cyclic import lr_range as lr_range
from ._cyclic import one_cycle as one_cycle
from ._cyclic import slanted_triangular as slanted_triangular
from ._decays import rex as rex
from ._decays import tanh_decay as tanh_decay
from ._define import define as define
from ._fraction import fraction as fraction
from ._noise import noise as noise
from ._parse import parse as parse
from ._plateau import plateau as plateau
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
from ._replan import jump as jump
from ._replan import rehorizon as rehorizon
from ._replan import splice as splice
from ._schedule import Schedule as Schedule
from ._serialize import from_dict as from_dict
from ._serialize import to_dict as to_dict
from ._tools import evaluate as evaluate
from ._tools import summary as summary
from ._warmups import inverse_sqrt as inverse_sqrt
from ._warmups import noam as noam
from ._warmups import rsqrt as rsqrt
from ._warmups import warmup_constant as warmup_constant
from ._warmups import warmup_exponential as warmup_exponential
from ._warmups import warmup_inverse_sqrt as warmup_inverse_sqrt
from ._warmups import warmup_linear as warmup_linear
from ._warmups import warmup_polynomial as warmup_polynomial
from ._warmups import wsd as wsd

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "Schedule",
    "arithmetic",
    "check",
    "clip",
    "compat",
    "constant",
    "cooldown",
    "cosine",
    "cycle",
    "cyclic",
    "define",
    "epochs",
    "evaluate",
    "examples",
    "exponential",
    "fraction",
    "from_dict",
    "from_fn",
    "inverse_sqrt",
    "inverse_time",
    "join",
    "jump",
    "linear",
    "lr_range",
    "maximum",
    "minimum",
    "multistep",
    "noam",
    "noise",
    "on_clock",
    "one_cycle",
    "parse",
    "piecewise_constant",
    "piecewise_linear",
    "plateau",
    "plot",
    "polynomial",
    "rehorizon",
    "rex",
    "rsqrt",
    "scale",
    "sgdr",
    "shift",
    "slanted_triangular",
    "splice",
    "step_decay",
    "stretch",
    "summary",
    "tanh_decay",
    "ticks",
    "to_dict",
    "tokens",
    "triangular",
    "warmup",
    "warmup_constant",
    "warmup_cosine",
    "warmup_exponential",
    "warmup_inverse_sqrt",
    "warmup_linear",
    "warmup_polynomial",
    "wsd",
]
