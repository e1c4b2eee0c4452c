"""The training conditions of the deep-network study, without PyTorch (protocols need them to validate).

How each condition carries errors back is :mod:`salnest.deep.net`'s business.
"""

#: Every condition: backpropagation, BP with fixed random conv feedback, feedback alignment,
#: sign-concordant FA, Kolen-Pollack, and B from a SAL or an RDD phase in NEST.
CONDITIONS = ("bp", "bp_fa_conv", "fa", "scfa", "kp", "sal", "rdd")

#: Names in figures and summaries.
LABELS = {"bp": "BP", "bp_fa_conv": "BP + FA conv", "fa": "FA", "scfa": "sign-concordant FA",
          "kp": "Kolen-Pollack", "sal": "SAL", "rdd": "RDD"}

#: The conditions whose feedback a spiking phase in NEST sets before every epoch.
SPIKING = ("sal", "rdd")
