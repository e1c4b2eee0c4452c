/*
 *  stdwi_synapse.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_STDWI_SYNAPSE_H
#define SALNEST_STDWI_SYNAPSE_H

// C++ includes:
#include <cmath>
#include <deque>
#include <string>

// Includes from nestkernel:
#include "archiving_node.h"
#include "connection.h"
#include "connector_model.h"
#include "event.h"
#include "histentry.h"

// Includes from salnest:
#include "salnest_common.h"

namespace salnest
{

/* BeginUserDocs: synapse, spike-timing-dependent plasticity

Short description
+++++++++++++++++

Spike-timing-dependent weight inference (STDWI): a static synapse that infers its own weight

Description
+++++++++++

``stdwi_synapse`` transmits its ``weight`` unchanged and, beside it, infers that weight
from the spike trains it connects, with the rule of Ahmad, Ambrogioni and van Gerven [1]_.
It is meant for the forward connections of a layer whose feedback weights should come to
match them: ``w_inferred`` is the estimate a feedback connection would carry.

Two traces of the presynaptic spike train, both with the same integral, decay exponentially
and jump at every presynaptic spike: ``x_fast`` by 1 with ``tau_fast``, ``x_slow`` by
``tau_fast / tau_slow`` with ``tau_slow``. At every postsynaptic spike

.. math::

   w_\mathrm{inferred} \leftarrow w_\mathrm{inferred}
      + \eta_\mathrm{stdwi} \left[ (x_\mathrm{fast} - x_\mathrm{slow}) - \lambda\, w_\mathrm{inferred} \right]

with the traces at the postsynaptic firing time, presynaptic spikes at the same time
included (as in the authors' discrete-time code). ``x_fast - x_slow`` is large shortly
after presynaptic spikes, so the estimate grows with the causal effect of the presynaptic
neuron on the postsynaptic one; the decay term ``lambda`` keeps it bounded.

Times are firing times. Postsynaptic spikes are read from the target's history when a
presynaptic spike passes, those of ``[t_last_pre, t_pre)``, so a postsynaptic spike is
applied at the next presynaptic spike: read ``w_inferred`` after a presynaptic spike that
follows every postsynaptic spike you want counted. The target must archive its spikes
(every NEST neuron and salnest's do).

Parameters
++++++++++

=========== ======= =========================================================
weight      any     transmitted weight (not changed by the rule)
w_inferred  1       the estimate (state; start value settable)
eta_stdwi   1       learning rate (>= 0)
decay       1       decay lambda of the estimate per postsynaptic spike (>= 0)
tau_fast    ms      time constant of the fast trace (> 0)
tau_slow    ms      time constant of the slow trace (> tau_fast)
x_fast      1       fast trace after the last presynaptic spike (state)
x_slow      1       slow trace after the last presynaptic spike (state)
t_last_pre  ms      time of the last presynaptic spike (read only)
=========== ======= =========================================================

References
++++++++++

.. [1] Ahmad N, Ambrogioni L, van Gerven MAJ (2020). Overcoming the weight transport
       problem via spike-timing-dependent weight inference. arXiv:2003.03988.
       DOI: 10.48550/arXiv.2003.03988

See also
++++++++

sal_synapse, stdp_nn_restr_synapse

EndUserDocs */

void register_stdwi_synapse( const std::string& name );

/**
 * Parameters and state of one STDWI connection (all per connection).
 */
struct STDWIState
{
  double w_inferred = 0.0;
  double eta_stdwi = 0.02;
  double decay = 0.1;
  double tau_fast = 10.0;
  double tau_slow = 200.0;
  double x_fast = 0.0;
  double x_slow = 0.0;
  double t_last_pre = 0.0;

  void get( Dictionary& d ) const;
  //! Checks every value on a copy first; throws BadProperty and changes nothing on a bad one.
  void set( const Dictionary& d );

  //! The update at a postsynaptic spike at t_post >= t_last_pre.
  void
  post_spike( double t_post )
  {
    const double dt = t_post - t_last_pre;
    const double trace = x_fast * std::exp( -dt / tau_fast ) - x_slow * std::exp( -dt / tau_slow );
    w_inferred += eta_stdwi * ( trace - decay * w_inferred );
  }

  //! A presynaptic spike at t_pre: decay both traces to it and add the spike.
  void
  pre_spike( double t_pre )
  {
    const double dt = t_pre - t_last_pre;
    x_fast = x_fast * std::exp( -dt / tau_fast ) + 1.0;
    x_slow = x_slow * std::exp( -dt / tau_slow ) + tau_fast / tau_slow;
    t_last_pre = t_pre;
  }
};

template < typename targetidentifierT >
class stdwi_synapse : public nest::Connection< targetidentifierT >
{
public:
  typedef nest::CommonSynapseProperties CommonPropertiesType;
  typedef nest::Connection< targetidentifierT > ConnectionBase;

  static constexpr nest::ConnectionModelProperties properties = nest::ConnectionModelProperties::HAS_DELAY
    | nest::ConnectionModelProperties::IS_PRIMARY | nest::ConnectionModelProperties::SUPPORTS_HPC
    | nest::ConnectionModelProperties::SUPPORTS_LBL;

  stdwi_synapse() = default;
  stdwi_synapse( const stdwi_synapse& ) = default;
  stdwi_synapse& operator=( const stdwi_synapse& ) = default;

  using ConnectionBase::get_delay_steps;
  using ConnectionBase::get_rport;
  using ConnectionBase::get_target;

  void get_status( Dictionary& d ) const;
  void set_status( const Dictionary& d, nest::ConnectorModel& cm );

  bool
  send( nest::Event& e, size_t tid, const CommonPropertiesType& )
  {
    nest::Node* target = get_target( tid );
    const double t_pre = e.get_stamp().get_ms();
    // one step below both ends: the postsynaptic spikes of [t_last_pre, t_pre)
    const double h = nest::Time::get_resolution().get_ms();
    std::deque< nest::histentry >::iterator start;
    std::deque< nest::histentry >::iterator finish;
    target->get_history( state_.t_last_pre - h, t_pre - h, &start, &finish );
    for ( ; start != finish; ++start )
    {
      state_.post_spike( start->t_ );
    }
    state_.pre_spike( t_pre );
    e.set_receiver( *target );
    e.set_weight( weight_ );
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
    const double h = nest::Time::get_resolution().get_ms();
    register_history_reader( t, state_.t_last_pre - h, h, "stdwi_synapse" );
  }

  void
  set_weight( double w )
  {
    weight_ = w;
  }

private:
  double weight_ = 1.0;
  STDWIState state_;
};

template < typename targetidentifierT >
constexpr nest::ConnectionModelProperties stdwi_synapse< targetidentifierT >::properties;

template < typename targetidentifierT >
void
stdwi_synapse< targetidentifierT >::get_status( Dictionary& d ) const
{
  ConnectionBase::get_status( d );
  d[ nest::names::weight ] = weight_;
  state_.get( d );
  d[ nest::names::size_of ] = static_cast< long >( sizeof( *this ) );
}

template < typename targetidentifierT >
void
stdwi_synapse< targetidentifierT >::set_status( const Dictionary& d, nest::ConnectorModel& cm )
{
  STDWIState state = state_;
  state.set( d );
  double weight = weight_;
  d.update_value( nest::names::weight, weight );
  // NEST's Connect takes a NaN weight for "no weight given"; one set later is refused here
  require_finite( weight, "stdwi_synapse", "weight" );
  ConnectionBase::set_status( d, cm );
  weight_ = weight;
  state_ = state;
}

}  // namespace salnest

#endif  // SALNEST_STDWI_SYNAPSE_H
