/*
 *  sal_synapse.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_SAL_SYNAPSE_H
#define SALNEST_SAL_SYNAPSE_H

// C++ includes:
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <string>

// Includes from nestkernel:
#include "archiving_node.h"
#include "common_synapse_properties.h"
#include "connection.h"
#include "connector_model.h"
#include "event.h"
#include "histentry.h"
#include "nest_names.h"

// Includes from salnest:
#include "salnest_common.h"

namespace salnest
{

/* BeginUserDocs: synapse, spike-timing-dependent plasticity

Short description
+++++++++++++++++

Spike-based alignment learning (SAL) with an optional wake-sleep window, onto any
neuron that archives its spikes

Description
+++++++++++

``sal_synapse`` is the SAL synapse of Gierlich et al. [1]_ written for NEST's own
API, the twin of salnest's NESTML ``sal_synapse`` (``nestml_models/sal_synapse.nestml``)
with the same rule, parameters and arithmetic, for every neuron that keeps its
spike history (NEST's ``ArchivingNode``: ``iaf_*``, ``aeif_*``, ``pp_psc_delta``,
``parrot_neuron``, ... and salnest's NESTML neurons).

Two spike-timing windows act on the same spike pairs, with
:math:`\Delta t = t_\mathrm{post} - t_\mathrm{pre}` between the **firing** times:

- SAL window (antisymmetric; ``sal_window`` 0 exponential, 1 triangular):
  :math:`a_\mathrm{causal} e^{-\Delta t/\tau_\mathrm{sal}}` for :math:`\Delta t > 0`,
  :math:`a_\mathrm{anticausal} e^{\Delta t/\tau_\mathrm{sal}}` for :math:`\Delta t < 0`
  (triangular: :math:`a (1 - |\Delta t|/\tau_\mathrm{sal})` within :math:`\tau_\mathrm{sal}`);
- wake-sleep window (symmetric): ``ws_phase`` :math:`(1 - |\Delta t|/\tau_\mathrm{ws})`
  within :math:`\tau_\mathrm{ws}`.

Both are 0 at :math:`\Delta t = 0`. Every pair adds ``sal_gain * K_sal`` to ``sal_sum``,
``ws_gain * K_ws`` to ``ws_sum`` and 1 to ``n_pairs``, and changes the weight by
``eta_sal * sal_gain * K_sal + eta_ws * ws_gain * K_ws``, clipped to ``[Wmin, Wmax]``.
``eta_sal = eta_ws = 0`` only accumulates the sums (batch updates by a protocol).

Pairing is restricted nearest neighbour (as ``stdp_nn_restr_synapse`` [2]_; ``sal_pairing`` 0):
a spike is paired with the partner's most recent earlier spike only if that one came after
its own previous spike; simultaneous spikes form no pair. With ``sal_pairing`` 1 every
spike pairs with all earlier spikes of the partner (all to all, by traces as
``stdp_synapse``, exact with a delay of one step), for the exponential SAL window only and
without the wake-sleep window: each spike that meets earlier partner spikes adds the sum of
their window values as one entry to ``sal_sum`` and 1 to ``n_pairs``. Restricted pairing has a
drift between independent neurons of different rates (a faster neuron's spikes pair at
shorter lags); all-to-all pairing has none. Postsynaptic spikes are read
from the target's history when a presynaptic spike passes, in the interval
``(t_last_pre - delay, t_pre - delay]``, so a pair completed after the last presynaptic
spike is applied at the next one, and with a delay of more than one step,
postsynaptic spikes fired less than one delay before a presynaptic spike are paired
as if they came after it. With a delay of one step the pairing is exact.

Weights are signed and may cross zero. On conductance-based neurons (NEST's
``*_cond_*`` models) the sign selects the receptor, so a weight must keep its sign:
``sal_synapse`` then bounds it at 0 on the side of zero (``Wmin = 0`` for a positive,
``Wmax = 0`` for a negative weight) unless bounds were given. Give them yourself for
``sal_synapse_hom``, whose bounds are common to all its connections.

``sal_synapse_hom`` keeps the window shape and time constants, amplitudes, ``eta_ws``,
phase and bounds in common properties (set them with ``SetDefaults`` or
``CopyModel``), and only the weight, ``eta_sal``, the gains, the sums and the last
spike times per connection.

Parameters
++++++++++

============= ====== ======================================================= ==============
eta_sal       real   SAL learning rate (>= 0)                                per connection
sal_gain      real   per-synapse factor on the SAL window                    per connection
ws_gain       real   per-synapse factor on the wake-sleep window             per connection
sal_pairing   int    0: restricted nearest neighbour, 1: all to all          common in _hom
sal_window    int    0: exponential, 1: triangular                           common in _hom
tau_sal       ms     SAL window time constant (> 0)                          common in _hom
a_causal      real   amplitude for dt > 0 (default -1)                       common in _hom
a_anticausal  real   amplitude for dt < 0 (default +1)                       common in _hom
eta_ws        real   wake-sleep learning rate (>= 0; 0 switches it off)      common in _hom
tau_ws        ms     wake-sleep window half width (> 0)                      common in _hom
ws_phase      real   +1 (wake) or -1 (sleep)                                 common in _hom
Wmin, Wmax    real   bounds of online updates (Wmin <= weight <= Wmax;       common in _hom
                     -inf and inf: no bound, the defaults)
============= ====== ======================================================= ==============

State (per connection; the sums and ``n_pairs`` are set to 0 to reset them):

============= ====== ==============================================================
weight        real   the synaptic weight (signed)
sal_sum       real   sum of ``sal_gain * K_sal`` over the pairs so far
ws_sum        real   sum of ``ws_gain * K_ws`` over the pairs so far
n_pairs       int    number of pairs so far
t_pre_last    ms     time of the last presynaptic spike
t_pre_before  ms     time of the presynaptic spike before it
t_post_last   ms     time of the last postsynaptic spike paired
x_pre, y_post real   presynaptic and postsynaptic traces of all-to-all pairing
                     (read only)
============= ====== ==============================================================

Transmits
+++++++++

SpikeEvent

References
++++++++++

.. [1] Gierlich T, Baumbach A, Kungl AF, Max K, Petrovici MA (2025). Weight transport
       through spike timing for robust local gradients. arXiv:2503.02642.
       DOI: https://doi.org/10.48550/arXiv.2503.02642
.. [2] Morrison A, Diesmann M, Gerstner W (2008). Phenomenological models of synaptic
       plasticity based on spike timing. Biol Cybern 98:459-478.
       DOI: https://doi.org/10.1007/s00422-008-0233-1

See also
++++++++

stdp_nn_restr_synapse, sampling_neuron

EndUserDocs */

void register_sal_synapse( const std::string& name );
void register_sal_synapse_hom( const std::string& name );

/**
 * The parameters of the two windows and the bounds: per connection in sal_synapse,
 * common properties in sal_synapse_hom.
 */
struct SALWindows
{
  long sal_pairing = 0;  //!< 0: restricted nearest neighbour, 1: all to all (exponential SAL window only)
  long sal_window = 0;
  double tau_sal = 10.0;
  double a_causal = -1.0;
  double a_anticausal = 1.0;
  double eta_ws = 0.0;
  double tau_ws = 10.0;
  double ws_phase = 1.0;
  double Wmin = -std::numeric_limits< double >::infinity();
  double Wmax = std::numeric_limits< double >::infinity();

  void get( Dictionary& d ) const;
  //! Read new values; on a bad one throw BadProperty, naming `model`, and keep the old values.
  void set( const Dictionary& d, const std::string& model = "sal_synapse" );
};

/**
 * The state and rule of one SAL connection, shared by both variants. The expressions
 * are written as in the NESTML twin, in the same order, so both give the same numbers.
 */
struct SALState
{
  double weight = 1.0;
  double sal_sum = 0.0;
  double ws_sum = 0.0;
  double n_pairs = 0.0;
  double t_pre_last = -std::numeric_limits< double >::infinity();
  double t_pre_before = -std::numeric_limits< double >::infinity();
  double t_post_last = -std::numeric_limits< double >::infinity();
  double x_pre = 0.0;   //!< all to all: sum of exp(-(t_pre_last - t_k) / tau_sal) over presynaptic spikes
  double y_post = 0.0;  //!< all to all: the same over processed postsynaptic spikes, at t_post_last

  //! The last presynaptic spike time for the history read (0 before the first spike, as NEST's STDP synapses).
  double
  t_lastspike() const
  {
    return std::isinf( t_pre_last ) ? 0.0 : t_pre_last;
  }

  //! A postsynaptic spike fired at t (ms), read from the target's history.
  void
  post_spike( double t, const SALWindows& p, double eta_sal, double sal_gain, double ws_gain )
  {
    if ( p.sal_pairing == 1 )
    {
      // every earlier presynaptic spike; one at t itself (or, with longer delays, after t) is not yet one
      const double before = t > t_pre_last ? x_pre * std::exp( -( t - t_pre_last ) / p.tau_sal )
                                           : ( x_pre - 1.0 ) * std::exp( ( t_pre_last - t ) / p.tau_sal );
      if ( before > 0 )
      {
        add_pair( sal_gain * p.a_causal * before, 0.0, p, eta_sal );
      }
      y_post = y_post * std::exp( -( t - t_post_last ) / p.tau_sal ) + 1.0;
      t_post_last = t;
      return;
    }
    // presynaptic spikes at or after t may have been processed already (a spike at the same time, or,
    // with a delay of several steps, spikes fired since): pair with the latest one before t if it is
    // one of the last two, and not with one at t, which would be dt = 0
    const double t_pre_partner = t_pre_last >= t ? t_pre_before : t_pre_last;
    if ( t_pre_partner > t_post_last and t_pre_partner < t )
    {
      const double delta_t = t - t_pre_partner;  // causal pair, > 0
      double k_sal = 0.;
      if ( p.sal_window == 0 )
      {
        k_sal = sal_gain * p.a_causal * std::exp( ( -delta_t ) / p.tau_sal );
      }
      else if ( delta_t < p.tau_sal )
      {
        k_sal = sal_gain * p.a_causal * ( 1 - delta_t / p.tau_sal );
      }
      double k_ws = 0.;
      if ( delta_t < p.tau_ws )
      {
        k_ws = ws_gain * p.ws_phase * ( 1 - delta_t / p.tau_ws );
      }
      add_pair( k_sal, k_ws, p, eta_sal );
    }
    t_post_last = t;
  }

  //! A presynaptic spike fired at t (ms), after the postsynaptic spikes before it.
  void
  pre_spike( double t, const SALWindows& p, double eta_sal, double sal_gain, double ws_gain )
  {
    if ( p.sal_pairing == 1 )
    {
      // every postsynaptic spike read so far came before t
      if ( y_post > 0 and t_post_last < t )
      {
        add_pair( sal_gain * p.a_anticausal * y_post * std::exp( -( t - t_post_last ) / p.tau_sal ), 0.0, p, eta_sal );
      }
      x_pre = x_pre * std::exp( -( t - t_pre_last ) / p.tau_sal ) + 1.0;
      t_pre_before = t_pre_last;
      t_pre_last = t;
      return;
    }
    if ( t_post_last > t_pre_last and t_post_last < t )
    {
      const double delta_t = t_post_last - t;  // anti-causal pair, < 0
      double k_sal = 0.;
      if ( p.sal_window == 0 )
      {
        k_sal = sal_gain * p.a_anticausal * std::exp( delta_t / p.tau_sal );
      }
      else if ( delta_t > ( -p.tau_sal ) )
      {
        k_sal = sal_gain * p.a_anticausal * ( 1 + delta_t / p.tau_sal );
      }
      double k_ws = 0.;
      if ( delta_t > ( -p.tau_ws ) )
      {
        k_ws = ws_gain * p.ws_phase * ( 1 + delta_t / p.tau_ws );
      }
      add_pair( k_sal, k_ws, p, eta_sal );
    }
    t_pre_before = t_pre_last;
    t_pre_last = t;
  }

  void get( Dictionary& d ) const;
  //! Read the settable state: weight, sal_sum, ws_sum, n_pairs.
  void set( const Dictionary& d );

private:
  void
  add_pair( double k_sal, double k_ws, const SALWindows& p, double eta_sal )
  {
    sal_sum += k_sal;
    ws_sum += k_ws;
    n_pairs += 1;
    weight = std::min( p.Wmax, std::max( p.Wmin, weight + eta_sal * k_sal + p.eta_ws * k_ws ) );
  }
};

//! Throw BadProperty, naming `model`, unless eta_sal, the gains and the weight are valid.
void check_connection_values( double weight, double eta_sal, double sal_gain, double ws_gain, const SALWindows& p,
  bool check_bounds, const std::string& model = "sal_synapse" );

/**
 * On a conductance-based target (NEST's ``*_cond_*`` models, where the sign of a weight selects
 * the receptor) with both bounds at their infinite defaults, bound the weight at 0 on the side of
 * zero, so that updates keep its sign.
 */
void keep_sign_on_conductances( const nest::Node& target, double weight, SALWindows& windows );

/**
 * Read the postsynaptic spikes of (t_last - delay, t_spike - delay] and pair them, then the
 * presynaptic spike at t_spike; shared by both variants.
 */
inline void
process_spike( SALState& s,
  const SALWindows& p,
  double eta_sal,
  double sal_gain,
  double ws_gain,
  nest::Node* target,
  double t_spike,
  double delay )
{
  std::deque< nest::histentry >::iterator start;
  std::deque< nest::histentry >::iterator finish;
  target->get_history( s.t_lastspike() - delay, t_spike - delay, &start, &finish );
  for ( ; start != finish; ++start )
  {
    s.post_spike( start->t_, p, eta_sal, sal_gain, ws_gain );
  }
  s.pre_spike( t_spike, p, eta_sal, sal_gain, ws_gain );
}

/**
 * The SAL synapse with every parameter per connection.
 */
template < typename targetidentifierT >
class sal_synapse : public nest::Connection< targetidentifierT >
{
public:
  typedef nest::CommonSynapseProperties CommonPropertiesType;
  typedef nest::Connection< targetidentifierT > ConnectionBase;

  static constexpr nest::ConnectionModelProperties properties = nest::ConnectionModelProperties::HAS_DELAY
    | nest::ConnectionModelProperties::IS_PRIMARY | nest::ConnectionModelProperties::SUPPORTS_HPC
    | nest::ConnectionModelProperties::SUPPORTS_LBL;

  sal_synapse() = default;
  sal_synapse( const sal_synapse& ) = default;
  sal_synapse& operator=( const sal_synapse& ) = default;

  using ConnectionBase::get_delay;
  using ConnectionBase::get_delay_steps;
  using ConnectionBase::get_rport;
  using ConnectionBase::get_target;

  void get_status( Dictionary& d ) const;
  void set_status( const Dictionary& d, nest::ConnectorModel& cm );

  bool
  send( nest::Event& e, size_t tid, const CommonPropertiesType& )
  {
    nest::Node* target = get_target( tid );
    process_spike(
      state_, windows_, eta_sal_, sal_gain_, ws_gain_, target, e.get_stamp().get_ms(), get_delay() );
    e.set_receiver( *target );
    e.set_weight( state_.weight );
    e.set_delay_steps( get_delay_steps() );
    e.set_rport( get_rport() );
    e();
    return true;
  }

  class ConnTestDummyNode : public nest::ConnTestDummyNodeBase
  {
  public:
    using nest::ConnTestDummyNodeBase::handles_test_event;
    size_t
    handles_test_event( nest::SpikeEvent&, size_t ) override
    {
      return nest::invalid_port;
    }
  };

  void
  check_connection( nest::Node& s, nest::Node& t, size_t receptor_type, const CommonPropertiesType& )
  {
    ConnTestDummyNode dummy_target;
    ConnectionBase::check_connection_( dummy_target, s, t, receptor_type );
    register_history_reader( t, state_.t_lastspike() - get_delay(), get_delay(), "sal_synapse" );
    keep_sign_on_conductances( t, state_.weight, windows_ );
  }

  void
  set_weight( double w )
  {
    state_.weight = w;
  }

private:
  SALState state_;
  SALWindows windows_;
  double eta_sal_ = 0.01;
  double sal_gain_ = 1.0;
  double ws_gain_ = 1.0;
};

template < typename targetidentifierT >
constexpr nest::ConnectionModelProperties sal_synapse< targetidentifierT >::properties;

template < typename targetidentifierT >
void
sal_synapse< targetidentifierT >::get_status( Dictionary& d ) const
{
  ConnectionBase::get_status( d );
  state_.get( d );
  windows_.get( d );
  d[ "eta_sal" ] = eta_sal_;
  d[ "sal_gain" ] = sal_gain_;
  d[ "ws_gain" ] = ws_gain_;
  d[ nest::names::size_of ] = static_cast< long >( sizeof( *this ) );
}

template < typename targetidentifierT >
void
sal_synapse< targetidentifierT >::set_status( const Dictionary& d, nest::ConnectorModel& cm )
{
  // check everything on copies first, so that a bad value changes nothing
  SALState state = state_;
  SALWindows windows = windows_;
  double eta_sal = eta_sal_, sal_gain = sal_gain_, ws_gain = ws_gain_;
  state.set( d );
  windows.set( d );
  d.update_value( "eta_sal", eta_sal );
  d.update_value( "sal_gain", sal_gain );
  d.update_value( "ws_gain", ws_gain );
  check_connection_values( state.weight, eta_sal, sal_gain, ws_gain, windows, true );
  ConnectionBase::set_status( d, cm );
  state_ = state;
  windows_ = windows;
  eta_sal_ = eta_sal;
  sal_gain_ = sal_gain;
  ws_gain_ = ws_gain;
}

/**
 * Common properties of sal_synapse_hom: the windows and the bounds.
 */
class SALHomCommonProperties : public nest::CommonSynapseProperties
{
public:
  void get_status( Dictionary& d ) const;
  void set_status( const Dictionary& d, nest::ConnectorModel& cm );

  SALWindows windows;
};

/**
 * The SAL synapse with the windows and bounds in common properties.
 */
template < typename targetidentifierT >
class sal_synapse_hom : public nest::Connection< targetidentifierT >
{
public:
  typedef SALHomCommonProperties CommonPropertiesType;
  typedef nest::Connection< targetidentifierT > ConnectionBase;

  static constexpr nest::ConnectionModelProperties properties = nest::ConnectionModelProperties::HAS_DELAY
    | nest::ConnectionModelProperties::IS_PRIMARY | nest::ConnectionModelProperties::SUPPORTS_HPC
    | nest::ConnectionModelProperties::SUPPORTS_LBL;

  sal_synapse_hom() = default;
  sal_synapse_hom( const sal_synapse_hom& ) = default;
  sal_synapse_hom& operator=( const sal_synapse_hom& ) = default;

  using ConnectionBase::get_delay;
  using ConnectionBase::get_delay_steps;
  using ConnectionBase::get_rport;
  using ConnectionBase::get_target;

  void get_status( Dictionary& d ) const;
  void set_status( const Dictionary& d, nest::ConnectorModel& cm );

  bool
  send( nest::Event& e, size_t tid, const CommonPropertiesType& cp )
  {
    nest::Node* target = get_target( tid );
    process_spike(
      state_, cp.windows, eta_sal_, sal_gain_, ws_gain_, target, e.get_stamp().get_ms(), get_delay() );
    e.set_receiver( *target );
    e.set_weight( state_.weight );
    e.set_delay_steps( get_delay_steps() );
    e.set_rport( get_rport() );
    e();
    return true;
  }

  class ConnTestDummyNode : public nest::ConnTestDummyNodeBase
  {
  public:
    using nest::ConnTestDummyNodeBase::handles_test_event;
    size_t
    handles_test_event( nest::SpikeEvent&, size_t ) override
    {
      return nest::invalid_port;
    }
  };

  void
  check_connection( nest::Node& s, nest::Node& t, size_t receptor_type, const CommonPropertiesType& )
  {
    ConnTestDummyNode dummy_target;
    ConnectionBase::check_connection_( dummy_target, s, t, receptor_type );
    register_history_reader( t, state_.t_lastspike() - get_delay(), get_delay(), "sal_synapse" );
  }

  void
  set_weight( double w )
  {
    state_.weight = w;
  }

private:
  SALState state_;
  double eta_sal_ = 0.01;
  double sal_gain_ = 1.0;
  double ws_gain_ = 1.0;
};

template < typename targetidentifierT >
constexpr nest::ConnectionModelProperties sal_synapse_hom< targetidentifierT >::properties;

template < typename targetidentifierT >
void
sal_synapse_hom< targetidentifierT >::get_status( Dictionary& d ) const
{
  ConnectionBase::get_status( d );
  state_.get( d );
  d[ "eta_sal" ] = eta_sal_;
  d[ "sal_gain" ] = sal_gain_;
  d[ "ws_gain" ] = ws_gain_;
  d[ nest::names::size_of ] = static_cast< long >( sizeof( *this ) );
}

template < typename targetidentifierT >
void
sal_synapse_hom< targetidentifierT >::set_status( const Dictionary& d, nest::ConnectorModel& cm )
{
  SALState state = state_;
  double eta_sal = eta_sal_, sal_gain = sal_gain_, ws_gain = ws_gain_;
  state.set( d );
  d.update_value( "eta_sal", eta_sal );
  d.update_value( "sal_gain", sal_gain );
  d.update_value( "ws_gain", ws_gain );
  // the bounds are common properties, checked where they are set
  check_connection_values( state.weight, eta_sal, sal_gain, ws_gain, SALWindows(), false );
  ConnectionBase::set_status( d, cm );
  state_ = state;
  eta_sal_ = eta_sal;
  sal_gain_ = sal_gain;
  ws_gain_ = ws_gain;
}

}  // namespace salnest

#endif  // SALNEST_SAL_SYNAPSE_H
