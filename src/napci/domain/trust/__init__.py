"""The trust model (DESIGN §5): a package of modules with one job each.

* :mod:`~napci.domain.trust.operators`: subjective-logic opinions, fusion,
  discounting and decay; :mod:`~napci.domain.trust.eigentrust`: EigenTrust.
  Pure arithmetic, re-exported as :mod:`napci.trust`, the public face.
* :mod:`~napci.domain.trust.rows`: what the fold reads of the record, and
  which attendance counts.
* :mod:`~napci.domain.trust.kinds`: the kinds of evidence and their weights.
* The fold's state, :class:`~napci.domain.trust.state.TrustState`, made of
  :mod:`~napci.domain.trust.roster` (actors, tracks, membership,
  amendments), :mod:`~napci.domain.trust.meetings` (the grids),
  :mod:`~napci.domain.trust.sources` (evidence other than meetings) and
  :mod:`~napci.domain.trust.evidence` (the accumulators, with
  :mod:`~napci.domain.trust.dialogue` and
  :mod:`~napci.domain.trust.products`).
* :mod:`~napci.domain.trust.figures`: the figures on a date;
  :mod:`~napci.domain.trust.explain`: the evidence behind a pair's figures.

This file re-exports nothing: import from the module that does the job.
"""
