"""Trust arithmetic, re-exported from :mod:`napci.domain.trust.operators` and
:mod:`napci.domain.trust.eigentrust`.

``import napci.trust`` gives the opinion type, the subjective-logic operators,
decay and EigenTrust without reaching into the domain package.
"""

from napci.domain.trust.eigentrust import eigentrust
from napci.domain.trust.operators import (
    DEFAULT_BASE_RATE,
    DEFAULT_HALF_LIFE_DAYS,
    NON_INFORMATIVE_WEIGHT,
    TOLERANCE,
    FloatArray,
    Opinion,
    averaging_fusion,
    averaging_fusion_arrays,
    cumulative_fusion,
    cumulative_fusion_arrays,
    decay,
    decay_factor,
    discount,
    opinion_from_evidence,
    opinions_from_evidence_arrays,
    projected_arrays,
)

__all__ = [
    "DEFAULT_BASE_RATE",
    "DEFAULT_HALF_LIFE_DAYS",
    "NON_INFORMATIVE_WEIGHT",
    "TOLERANCE",
    "FloatArray",
    "Opinion",
    "averaging_fusion",
    "averaging_fusion_arrays",
    "cumulative_fusion",
    "cumulative_fusion_arrays",
    "decay",
    "decay_factor",
    "discount",
    "eigentrust",
    "opinion_from_evidence",
    "opinions_from_evidence_arrays",
    "projected_arrays",
]
