"""The deep-network study's PyTorch side (paper Fig. 8): the training conditions
(:mod:`~salnest.deep.conditions`, no PyTorch needed), the network (:mod:`~salnest.deep.net`), the
training pass (:mod:`~salnest.deep.training`) and the image datasets
(:mod:`~salnest.deep.datasets`). PyTorch is an optional extra: ``pip install 'salnest[deep]'``."""
