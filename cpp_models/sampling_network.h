/*
 *  sampling_network.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_SAMPLING_NETWORK_H
#define SALNEST_SAMPLING_NETWORK_H

// C++ includes:
#include <deque>
#include <string>
#include <vector>

// Includes from nestkernel:
#include "nest_types.h"
#include "node.h"
#include "random_generators.h"

#include "sal_synapse.h"
#include "sampling_dynamics.h"

namespace salnest
{

/* BeginUserDocs: neuron, point process, stochastic, population

Short description
+++++++++++++++++

A whole recurrent network of sampling neurons with SAL synapses in one node

Description
+++++++++++

``sampling_network`` simulates :math:`N` ``sampling_neuron`` neurons, all-to-all
connected (no self-connections) by ``sal_synapse`` connections with a delay of one
step, inside a single NEST node, as ``gif_pop_psc_exp`` [3]_ simulates a population. It is
the fast path for sampling experiments (spiking Boltzmann machines [1]_, wake-sleep with
SAL [2]_): NEST's per-node and per-step machinery (update calls, spike gathering and
delivery with one-step delays, ring buffers) is paid once per network instead of once
per neuron and synapse.

It is the composition of the two twins, with their arithmetic in their order: on one
thread, a single ``sampling_network`` gives the same spike trains, window sums and
weights as the same network of ``sampling_neuron`` nodes with ``sal_synapse``
connections of one-step delay (the same draws from NEST's random stream, neuron 0
first in every step). Several ``sampling_network`` nodes, or more threads, give the
same process from other draws. Pairs are formed as by ``sal_synapse``: a presynaptic
spike reads the postsynaptic spikes since its predecessor, so a pair completed after
the last presynaptic spike enters ``sal_sum``, ``ws_sum`` and ``n_pairs`` at the next one.

Arrays over connections have :math:`N^2` entries, row-major by (post, pre): entry
``i * N + j`` belongs to the connection from neuron ``j`` onto neuron ``i``; the
diagonal has no connection and stays 0. The network's size is set by ``b``
(length :math:`N`) together with ``weights`` (length :math:`N^2`). A number given for
``eta_sal``, ``sal_gain`` or ``ws_gain`` sets every connection, also those of a later
change of size (defaults 0, 1 and 1).

The node sends no events. It records its own spikes (``record_spikes``: neuron index
and time, read with ``spike_senders`` and ``spike_times``, cleared by setting
``n_events`` to 0) and, for :math:`N \le 20`, the number of steps spent in each of the
:math:`2^N` states (``record_states``; ``state_counts``, neuron 0 the most significant
bit, cleared by setting it to an empty list).

Parameters
++++++++++

============== ======= ==========================================================
b              real    biases, length N
weights        real    weights W_ij, length N^2 (post-major)
tau_ref        ms      absolute refractory period (spike step included)
tau_syn        ms      PSP duration (rectangular) or time constant
psp_shape      integer 0: rectangular, 1: exponential, 2: alpha
eta_sal        real    SAL learning rate per connection (>= 0), length N^2
sal_gain       real    per-connection factor on the SAL window, length N^2
ws_gain        real    per-connection factor on the wake-sleep window, length N^2
sal_pairing    integer 0: restricted nearest neighbour, 1: all to all
sal_window     integer 0: exponential, 1: triangular
tau_sal        ms      SAL window time constant (> 0)
a_causal       real    SAL amplitude for dt > 0 (default -1)
a_anticausal   real    SAL amplitude for dt < 0 (default +1)
eta_ws         real    wake-sleep learning rate (>= 0; 0 switches it off)
tau_ws         ms      wake-sleep window half width (> 0)
ws_phase       real    +1 (wake) or -1 (sleep)
Wmin, Wmax     real    bounds of online updates, common to all connections
record_spikes  boolean keep every spike (default false)
record_states  boolean count the steps spent in each state (default false)
============== ======= ==========================================================

The windows and bounds act on every connection as in ``sal_synapse``.

State:

============== ======= ==========================================================
n              integer number of neurons N (read only; set by ``b`` and ``weights``)
u              real    membrane potentials, length N
z              real    1 while refractory, the spike step included, length N
spike_count    integer spikes per neuron so far, length N (settable)
sal_sum        real    SAL window sums per connection, length N^2 (settable)
ws_sum         real    wake-sleep window sums per connection, length N^2 (settable)
n_pairs        integer pairs per connection, length N^2 (settable)
spike_times    ms      times of the recorded spikes
spike_senders  integer neuron index of each recorded spike
n_events       integer number of recorded spikes (set to 0 to clear them)
state_counts   integer steps spent in each of the 2^N states (set to [] to clear)
============== ======= ==========================================================

Receives
++++++++

Nothing: its input is its own recurrent activity.

Sends
+++++

Nothing.

References
++++++++++

.. [1] Buesing L, Bill J, Nessler B, Maass W (2011). Neural dynamics as sampling: a
       model for stochastic computation in recurrent networks of spiking neurons.
       PLoS Comput Biol 7(11): e1002211. DOI: https://doi.org/10.1371/journal.pcbi.1002211
.. [2] Gierlich T, Baumbach A, Kungl AF, Max K, Petrovici MA (2025). Weight transport
       through spike timing for robust local gradients. arXiv:2503.02642.
       DOI: https://doi.org/10.48550/arXiv.2503.02642
.. [3] Schwalger T, Deger M, Gerstner W (2017). Towards a theory of cortical columns:
       From spiking neurons to interacting neural populations of finite size. PLoS Comput
       Biol 13(4): e1005507. DOI: https://doi.org/10.1371/journal.pcbi.1005507
       (``gif_pop_psc_exp``, NEST's precedent for a population in one node)

See also
++++++++

sampling_neuron, sal_synapse, gif_pop_psc_exp

EndUserDocs */

void register_sampling_network( const std::string& name );

class sampling_network : public nest::Node
{
public:
  //! A parameter of every connection, post-major; `fill` is what a change of size gives new ones.
  struct PerConnection
  {
    std::vector< double > values;
    double fill;
  };

  sampling_network();
  sampling_network( const sampling_network& );

  void get_status( Dictionary& ) const override;
  void set_status( const Dictionary& ) override;

private:
  void init_buffers_() override;
  void pre_run_hook() override;
  void update( nest::Time const&, const long, const long ) override;


  //! Neuron i's PSPs and membrane potential in the step `update` (counted from the start).
  void integrate_input_( size_t i, double incoming );
  //! Neuron i's refractoriness and firing in this step; true if it fires.
  bool fire_( size_t i );
  //! Presynaptic neuron j's spike at time t_spike onto every target: SAL pairing, then transmission.
  void transmit_( size_t j, double t_spike );
  //! Record neuron i's spike and keep it for the synapses that read it; forget those all of them have read.
  void record_spike_( size_t i, double t_spike );

  struct Parameters_
  {
    std::vector< double > b_;
    double tau_ref_;
    double tau_syn_;
    long psp_shape_;
    PerConnection eta_sal_;
    SALWindows windows_;
    PerConnection sal_gain_;
    PerConnection ws_gain_;
    bool record_spikes_;
    bool record_states_;

    Parameters_();
  };

  //! One neuron's dynamics, as State_ and Buffers_ of sampling_neuron.
  struct Neuron_
  {
    double u = 0.0;
    double z = 0.0;
    double psp = 0.0;
    double psp_rise = 0.0;
    long refr_steps_left = 0;
    double spike_count = 0.0;
    FiringBudget budget;
    double incoming = 0.0;  //!< summed weights of the spikes sent in this step (they arrive in the next)
    std::vector< double > psp_ends;  //!< rectangular PSPs: the input of each of the last n_syn steps, by step mod n_syn
    std::deque< double > history;    //!< spike times (ms) still to be read by a synapse
  };

  struct State_
  {
    std::vector< Neuron_ > neurons_;
    std::vector< SALState > synapses_;  //!< N^2, post-major; the diagonal unused
    long updates_ = 0;                  //!< steps simulated since the buffers were initialised
    std::vector< size_t > pending_;     //!< the neurons that fired in the last step, to be delivered
    double t_pending_ = 0.0;            //!< their spike time (ms)
    std::vector< double > spike_times_;
    std::vector< long > spike_senders_;
    std::vector< double > state_counts_;  //!< steps per state, neuron 0 the most significant bit
  };

  //! Size every per-neuron and per-connection array for n neurons, at rest.
  static void resize_( size_t n, Parameters_& p, State_& s );

  struct Variables_
  {
    SamplingSteps steps_;  //!< refractory and PSP steps and factors at the resolution
    nest::RngPtr rng_;
  };

  size_t n_;
  Parameters_ P_;
  State_ S_;
  Variables_ V_;
};

}  // namespace salnest

#endif /* #ifndef SALNEST_SAMPLING_NETWORK_H */
