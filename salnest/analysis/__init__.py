"""What is read from recorded activity: sampled distributions (:mod:`~salnest.analysis.sampling`),
SAL's window sums of whole layers (:mod:`~salnest.analysis.sal_sums`) and the alignment of
feedback with forward weights (:mod:`~salnest.analysis.alignment`)."""
