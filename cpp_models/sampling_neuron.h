/*
 *  sampling_neuron.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_SAMPLING_NEURON_H
#define SALNEST_SAMPLING_NEURON_H

// C++ includes:
#include <string>
#include <vector>

// Includes from nestkernel:
#include "archiving_node.h"
#include "connection.h"
#include "event.h"
#include "nest_types.h"
#include "random_generators.h"
#include "recordables_map.h"
#include "ring_buffer.h"
#include "universal_data_logger.h"

#include "sampling_dynamics.h"

namespace salnest
{

/* BeginUserDocs: neuron, point process, stochastic

Short description
+++++++++++++++++

Discrete-time stochastic neuron of neural sampling

Description
+++++++++++

``sampling_neuron`` is the stochastic neuron of neural sampling (Buesing et al. [1]_)
as used for spike-based alignment learning (Gierlich et al. [2]_), written for NEST's
own API: the twin of salnest's NESTML ``sampling_neuron``
(``nestml_models/sampling_neuron.nestml``, the specification), with the same
parameters, the same arithmetic and the same draws from NEST's random stream, so
that both give identical spike trains in the same network.

Its membrane potential is dimensionless, :math:`u = b + \sum_j W_j \mathrm{PSP}_j(t)`.
In every time step :math:`h` in which it is not refractory it fires with probability
:math:`\sigma(u - \ln(\tau_\mathrm{ref}/h))`, :math:`\sigma(x) = 1/(1 + e^{-x})`. After
a spike it is absolutely refractory for :math:`\tau_\mathrm{ref}`, the spike step
counting as the first refractory step: ``z`` is 1 for exactly
:math:`\tau_\mathrm{ref}/h` steps per spike, and a single neuron has
:math:`P(z = 1) = \sigma(b)` for every :math:`\tau_\mathrm{ref}`.

Each input spike of weight :math:`W_j` (signed; excitatory and inhibitory input share
receptor 0) adds a PSP of height :math:`W_j`, from the step it arrives in, that is
rectangular (``psp_shape = 0``) for :math:`\tau_\mathrm{syn}`, exponential
(``psp_shape = 1``) with time constant :math:`\tau_\mathrm{syn}`, or alpha-shaped
(``psp_shape = 2``), :math:`\kappa(\zeta) = \tau_\mathrm{ref} \zeta e^{-\zeta/\tau_\mathrm{syn}}
/ \tau_\mathrm{syn}^2` at the time :math:`\zeta` since the presynaptic spike (area
:math:`\tau_\mathrm{ref}`, as the NESTML twin documents). With symmetric
weights, rectangular PSPs, :math:`\tau_\mathrm{syn} = \tau_\mathrm{ref}` and a delay of
one step, a network of these neurons samples approximately from the Boltzmann
distribution :math:`p(z) \propto \exp(b^T z + \tfrac12 z^T W z)`.

Unlike the NESTML twin, which keeps its rectangular PSPs in a ring buffer of
``psp_buffer_size`` slots, this model keeps one entry per input step in a queue,
so PSPs of any length need no buffer size.

Parameters
++++++++++

=========== ======= ===================================================
b           real    Bias (potential without input)
tau_ref     ms      Absolute refractory period (spike step included)
tau_syn     ms      PSP duration (rectangular) or time constant (exponential, alpha)
psp_shape   integer 0: rectangular, 1: exponential, 2: alpha
=========== ======= ===================================================

``tau_ref`` and a rectangular PSP's ``tau_syn`` must be positive multiples of the
resolution; other PSPs take any positive ``tau_syn``.

State
+++++

================ ======= ======================================================
u                real    Membrane potential (recordable; finite)
z                real    1 while refractory, the spike step included (recordable)
refr_steps_left  integer Refractory steps left (>= 0)
psp              real    Summed postsynaptic potentials
psp_rise         real    Alpha PSPs' exponential factor (psp_shape 2)
spike_count      real    Spikes since it was last set to 0 (rates without a recorder)
================ ======= ======================================================

Receives
++++++++

SpikeEvent, DataLoggingRequest

Sends
+++++

SpikeEvent

Recordables: ``u``, ``z``.

References
++++++++++

.. [1] Buesing L, Bill J, Nessler B, Maass W (2011). Neural dynamics as sampling: a
       model for stochastic computation in recurrent networks of spiking neurons.
       PLoS Comput Biol 7(11): e1002211. DOI: https://doi.org/10.1371/journal.pcbi.1002211
.. [2] Gierlich T, Baumbach A, Kungl AF, Max K, Petrovici MA (2025). Weight transport
       through spike timing for robust local gradients. arXiv:2503.02642.
       DOI: https://doi.org/10.48550/arXiv.2503.02642

See also
++++++++

sal_synapse, pp_psc_delta

EndUserDocs */

void register_sampling_neuron( const std::string& name );

class sampling_neuron : public nest::ArchivingNode
{
public:
  sampling_neuron();
  sampling_neuron( const sampling_neuron& );

  using nest::Node::handle;
  using nest::Node::handles_test_event;

  size_t send_test_event( nest::Node&, size_t, nest::synindex, bool ) override;

  void handle( nest::SpikeEvent& ) override;
  void handle( nest::DataLoggingRequest& ) override;

  size_t handles_test_event( nest::SpikeEvent&, size_t ) override;
  size_t handles_test_event( nest::DataLoggingRequest&, size_t ) override;

  void get_status( Dictionary& ) const override;
  void set_status( const Dictionary& ) override;

private:
  void init_state_() override;
  void init_buffers_() override;
  void pre_run_hook() override;

  void update( nest::Time const&, const long, const long ) override;

  friend class nest::RecordablesMap< sampling_neuron >;
  friend class nest::UniversalDataLogger< sampling_neuron >;

  struct Parameters_
  {
    double b_;        //!< bias
    double tau_ref_;  //!< absolute refractory period in ms, spike step included
    double tau_syn_;  //!< PSP duration (rectangular) or time constant (exponential, alpha) in ms
    long psp_shape_;  //!< 0: rectangular, 1: exponential, 2: alpha

    Parameters_();

    void get( Dictionary& ) const;
    void set( const Dictionary&, nest::Node* );
  };

  struct State_
  {
    double u_;               //!< membrane potential
    double z_;               //!< 1 while refractory (spike step included), else 0
    double psp_;             //!< summed postsynaptic potentials
    double psp_rise_;        //!< alpha PSPs: sum of W_j tau_ref h / tau_syn^2 exp(-zeta_j / tau_syn)
    long refr_steps_left_;   //!< remaining refractory steps (z = 1 while > 0)
    double spike_count_;     //!< spikes since it was last set to 0
    FiringBudget budget_;    //!< the exponential budget of free steps, one draw per spike

    State_();

    void get( Dictionary& ) const;
    void set( const Dictionary&, nest::Node* );
  };

  //! A rectangular PSP's end: the update (counted by Buffers_::updates_) that removes it, and its height.
  struct PSPExpiry
  {
    long update;
    double height;
  };

  struct Buffers_
  {
    Buffers_( sampling_neuron& );
    Buffers_( const Buffers_&, sampling_neuron& );

    nest::RingBuffer spikes_;  //!< summed input weights per arrival step
    //! Latest step for which spikes_ holds input: most steps have none and skip reading it.
    long last_input_step_;

    //! Rectangular PSPs still active, in order of their end; one entry per step with input.
    std::vector< PSPExpiry > expiries_;
    size_t expiry_head_;       //!< first active entry of expiries_ (entries before it have ended)
    long next_expiry_update_;  //!< update of expiries_[ expiry_head_ ], or NO_EXPIRY if none
    //! Updates of this neuron so far. PSPs end after n_syn of the neuron's own updates, not at a
    //! step of NEST's clock: a frozen neuron skips steps, and its PSPs then wait with it, as in
    //! the NESTML twin (an expiry at a skipped step would otherwise never be found).
    long updates_;

    nest::UniversalDataLogger< sampling_neuron > logger_;
  };

  struct Variables_
  {
    SamplingSteps steps_;  //!< refractory and PSP steps and factors at the resolution
    nest::RngPtr rng_;  //!< random stream of this thread (the NESTML twin draws from the same)
  };

  double
  get_u_() const
  {
    return S_.u_;
  }

  double
  get_z_() const
  {
    return S_.z_;
  }

  Parameters_ P_;
  State_ S_;
  Variables_ V_;
  Buffers_ B_;

  static nest::RecordablesMap< sampling_neuron > recordablesMap_;
};

inline size_t
sampling_neuron::send_test_event( nest::Node& target, size_t receptor_type, nest::synindex, bool )
{
  nest::SpikeEvent e;
  e.set_sender( *this );
  return target.handles_test_event( e, receptor_type );
}

inline size_t
sampling_neuron::handles_test_event( nest::SpikeEvent&, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return 0;
}

inline size_t
sampling_neuron::handles_test_event( nest::DataLoggingRequest& dlr, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return B_.logger_.connect_logging_device( dlr, recordablesMap_ );
}

inline void
sampling_neuron::get_status( Dictionary& d ) const
{
  P_.get( d );
  S_.get( d );
  nest::ArchivingNode::get_status( d );
  d[ "recordables" ] = recordablesMap_.get_list();
}

inline void
sampling_neuron::set_status( const Dictionary& d )
{
  Parameters_ ptmp = P_;  // temporary copies: nothing changes if a value is refused
  ptmp.set( d, this );
  State_ stmp = S_;
  stmp.set( d, this );
  nest::ArchivingNode::set_status( d );
  P_ = ptmp;
  S_ = stmp;
}

}  // namespace salnest

#endif /* #ifndef SALNEST_SAMPLING_NEURON_H */
