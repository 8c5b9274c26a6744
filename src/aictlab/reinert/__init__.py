"""Reinert's descending hierarchical classification of text segments (ALCESTE, IRaMuTeQ, R rainette).

Segments × terms presence/absence matrix; the largest cluster is split in two, k - 1 times: its segments are
ordered on the first axis of its correspondence analysis, cut where the χ² of the 2 × terms table of summed
presences is largest, then single segments are moved across while the χ² rises; in each half, terms of
frequency < ``tsj`` are dropped and a term whose contingency coefficient exceeds ``cc_test`` stays only in the
half where it is over-represented. docs/methods.md §9, following rainette (Barnier) step by step.

The computation is deterministic (no random step): the CA axis comes from a dense SVD, or ARPACK with a fixed
start vector on large clusters; ties are broken by segment order. The matrix is built from term counts per
segment (:func:`segment_counts`), read partition by partition from a corpus (``corpus.map_tokens``).

Modules: :mod:`~aictlab.reinert.matrix` (segments × terms matrix, units), :mod:`~aictlab.reinert.classify`
(splits and hierarchy), :mod:`~aictlab.reinert.double` (double classification), :mod:`~aictlab.reinert.profiles`
(describing the classes).

References
----------
Reinert M. (1983), "Une méthode de classification descendante hiérarchique : application à l'analyse lexicale
par contexte", Cahiers de l'Analyse des Données 8(2), 187-198. Reinert M. (1990), "Alceste, une méthodologie
d'analyse des données textuelles et une application : Aurélia de Gérard de Nerval", BMS 26. Barnier J.,
rainette: the Reinert method for textual data clustering, R package (``rainette``, ``rainette2``).
"""

from aictlab.reinert.classify import ReinertResult, class_labels, reinert, split_cluster
from aictlab.reinert.double import reinert_double
from aictlab.reinert.matrix import (
    ACTIVE_POS,
    MIN_SEGMENTS_RATE,
    SegmentTermMatrix,
    merge_segments,
    scaled_min_segments,
    segment_counts,
    segment_term_matrix,
)
from aictlab.reinert.profiles import (
    DEGENERATE_CLASS_SHARE,
    class_distribution,
    class_profiles,
    degenerate_classes,
    reinert_tables,
    typical_segments,
)

__all__ = [
    "ACTIVE_POS",
    "DEGENERATE_CLASS_SHARE",
    "MIN_SEGMENTS_RATE",
    "ReinertResult",
    "SegmentTermMatrix",
    "class_distribution",
    "class_labels",
    "class_profiles",
    "degenerate_classes",
    "merge_segments",
    "reinert",
    "reinert_double",
    "reinert_tables",
    "scaled_min_segments",
    "segment_counts",
    "segment_term_matrix",
    "split_cluster",
    "typical_segments",
]
