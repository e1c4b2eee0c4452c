"""Protocol texts shared by the MPI tests: small enough to run in seconds on 2 ranks."""


def wake_sleep(seed: int, epochs: int, checkpoint_every: int, epoch_length: int, validation_every: int,
               model: str = "sampling_neuron") -> str:
    """A wake-sleep sweep of 2 targets x 2 conditions on 5-neuron networks of either form (``model``)."""
    return f"""
[experiment]
kind = "wake_sleep"
seed = {seed}
checkpoint_every = {checkpoint_every}
[network]
n_neurons = 5
tau_ref = 10
model = "{model}"
[runs]
n_targets = 2
n_inits = 1
[noise]
kind = "synaptic"
levels = [0.8]
[learning]
conditions = ["no_sal", "sal"]
eta_w = 0.01
eta_b = 0.01
eta_sal = 0.02
[schedule]
epochs = {epochs}
epoch_length = {epoch_length}
validation_every = {validation_every}
validation_length = 10
"""
