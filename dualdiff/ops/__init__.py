"""The table of ops, grouped as NumPy groups them.

Importing this package fills :data:`dualdiff.core.REGISTRY`. Each module of the
package declares its public ops in ``__all__`` and, in ``NUMPY``, the NumPy
callables they stand for (``np.sin`` -> ``sin``), which :mod:`dualdiff.numpy_api`
reads to route NumPy calls on traced values. A new group is one new module here,
listed in ``MODULES``.
"""

from importlib.util import find_spec
from types import ModuleType

from . import (
    complex,
    creation,
    decompositions,
    diagonals,
    elementwise,
    fft,
    joining,
    linalg,
    norms,
    products,
    ranges,
    rearranging,
    reductions,
    shape,
    signal,
    sorting,
    statistics,
)
from .complex import *  # noqa: F403
from .creation import *  # noqa: F403
from .decompositions import *  # noqa: F403
from .diagonals import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .joining import *  # noqa: F403
from .linalg import *  # noqa: F403
from .norms import *  # noqa: F403
from .products import *  # noqa: F403
from .ranges import *  # noqa: F403
from .rearranging import *  # noqa: F403
from .reductions import *  # noqa: F403
from .shape import *  # noqa: F403
from .shape import getitem as getitem
from .shape import scatter_add as scatter_add
from .shape import sum_to_shape as sum_to_shape
from .signal import *  # noqa: F403
from .sorting import *  # noqa: F403
from .statistics import *  # noqa: F403

MODULES: tuple[ModuleType, ...] = (elementwise, reductions, shape, linalg)
MODULES += (joining, rearranging, diagonals, ranges)
MODULES += (creation,)
MODULES += (products, signal)
MODULES += (decompositions, norms)
MODULES += (complex, fft)
MODULES += (statistics, sorting)

if find_spec("scipy") is not None:  # SciPy's groups come with the optional `scipy` extra
    from . import scipy_linalg, special
    from .special import *  # noqa: F403

    MODULES += (special, scipy_linalg)

# the public ops (dualdiff re-exports these); getitem, scatter_add and sum_to_shape
# are the engine's, reached as dualdiff.ops.NAME
__all__ = [name for module in MODULES for name in module.__all__]
