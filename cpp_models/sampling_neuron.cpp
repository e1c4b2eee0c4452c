/*
 *  sampling_neuron.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "sampling_neuron.h"
#include "salnest_common.h"

// C++ includes:
#include <algorithm>
#include <cmath>
#include <limits>

// Includes from libnestutil:
#include "dict_util.h"

// Includes from nestkernel:
#include "exceptions.h"
#include "kernel_manager.h"
#include "nest_impl.h"
#include "universal_data_logger_impl.h"

namespace nest
{
template <>
void
RecordablesMap< salnest::sampling_neuron >::create()
{
  insert_( "u", &salnest::sampling_neuron::get_u_ );
  insert_( "z", &salnest::sampling_neuron::get_z_ );
}
}  // namespace nest

namespace salnest
{

void
register_sampling_neuron( const std::string& name )
{
  nest::register_node_model< sampling_neuron >( name );
}

nest::RecordablesMap< sampling_neuron > sampling_neuron::recordablesMap_;

namespace
{
//! next_expiry_update_ while no rectangular PSP is active
constexpr long NO_EXPIRY = std::numeric_limits< long >::max();

}  // namespace

sampling_neuron::Parameters_::Parameters_()
  : b_( 0.0 )
  , tau_ref_( 10.0 )
  , tau_syn_( 10.0 )
  , psp_shape_( 0 )
{
}

void
sampling_neuron::Parameters_::get( Dictionary& d ) const
{
  d[ "b" ] = b_;
  d[ "tau_ref" ] = tau_ref_;
  d[ "tau_syn" ] = tau_syn_;
  d[ "psp_shape" ] = psp_shape_;
}

void
sampling_neuron::Parameters_::set( const Dictionary& d, nest::Node* node )
{
  nest::update_value_param( d, "b", b_, node );
  nest::update_value_param( d, "tau_ref", tau_ref_, node );
  nest::update_value_param( d, "tau_syn", tau_syn_, node );
  nest::update_value_param( d, "psp_shape", psp_shape_, node );
  require_finite( b_, "sampling_neuron", "b" );
  SamplingSteps( tau_ref_, tau_syn_, psp_shape_, "sampling_neuron" );  // throws for impossible values
}

sampling_neuron::State_::State_()
  : u_( 0.0 )
  , z_( 0.0 )
  , psp_( 0.0 )
  , psp_rise_( 0.0 )
  , refr_steps_left_( 0 )
  , spike_count_( 0.0 )
  , budget_()
{
}

void
sampling_neuron::State_::get( Dictionary& d ) const
{
  d[ "u" ] = u_;
  d[ "z" ] = z_;
  d[ "psp" ] = psp_;
  d[ "psp_rise" ] = psp_rise_;
  d[ "refr_steps_left" ] = refr_steps_left_;
  d[ "spike_count" ] = spike_count_;
}

void
sampling_neuron::State_::set( const Dictionary& d, nest::Node* node )
{
  // u and z are recomputed in every step, as in the NESTML twin; PyNN sets them at creation
  nest::update_value_param( d, "u", u_, node );
  nest::update_value_param( d, "z", z_, node );
  nest::update_value_param( d, "refr_steps_left", refr_steps_left_, node );
  nest::update_value_param( d, "spike_count", spike_count_, node );
  if ( refr_steps_left_ < 0 )
  {
    throw nest::BadProperty( "sampling_neuron: refr_steps_left must be >= 0." );
  }
  require_finite( u_, "sampling_neuron", "u" );
  if ( z_ != 0.0 and z_ != 1.0 )
  {
    throw nest::BadProperty( "sampling_neuron: z must be 0 or 1, got " + std::to_string( z_ ) + "." );
  }
  require_non_negative( spike_count_, "sampling_neuron", "spike_count" );
}

sampling_neuron::Buffers_::Buffers_( sampling_neuron& n )
  : logger_( n )
{
}

sampling_neuron::Buffers_::Buffers_( const Buffers_&, sampling_neuron& n )
  : logger_( n )
{
}

sampling_neuron::sampling_neuron()
  : ArchivingNode()
  , P_()
  , S_()
  , B_( *this )
{
  recordablesMap_.create();
}

sampling_neuron::sampling_neuron( const sampling_neuron& n )
  : ArchivingNode( n )
  , P_( n.P_ )
  , S_( n.S_ )
  , B_( n.B_, *this )
{
}

void
sampling_neuron::init_state_()
{
}

void
sampling_neuron::init_buffers_()
{
  B_.spikes_.clear();
  B_.last_input_step_ = std::numeric_limits< long >::min();
  B_.expiries_.clear();
  B_.expiry_head_ = 0;
  B_.next_expiry_update_ = NO_EXPIRY;
  B_.updates_ = 0;
  B_.logger_.reset();
  ArchivingNode::clear_history();
}

void
sampling_neuron::pre_run_hook()
{
  B_.logger_.init();
  V_.steps_ = SamplingSteps( P_.tau_ref_, P_.tau_syn_, P_.psp_shape_, "sampling_neuron" );
  V_.rng_ = nest::get_vp_specific_rng( get_thread() );
}

void
sampling_neuron::update( nest::Time const& origin, const long from, const long to )
{
  for ( long lag = from; lag < to; ++lag )
  {
    const long step = origin.get_steps() + lag;
    const double incoming = step <= B_.last_input_step_ ? nestml_input( B_.spikes_.get_value( lag ) ) : 0.0;
    if ( P_.psp_shape_ == 1 )
    {
      exponential_psp_step( S_.psp_, V_.steps_.psp_decay, incoming );
    }
    else if ( P_.psp_shape_ == 2 )
    {
      alpha_psp_step( S_.psp_, S_.psp_rise_, V_.steps_.psp_decay, V_.steps_.alpha_gain, incoming );
    }
    else
    {
      double expired = 0.0;
      std::vector< PSPExpiry >& q = B_.expiries_;
      const long update = B_.updates_;
      if ( update == B_.next_expiry_update_ )
      {
        expired = q[ B_.expiry_head_ ].height;
        ++B_.expiry_head_;
        B_.next_expiry_update_ = B_.expiry_head_ < q.size() ? q[ B_.expiry_head_ ].update : NO_EXPIRY;
      }
      if ( incoming != 0.0 )
      {
        if ( B_.expiry_head_ > q.size() / 2 )  // reuse the ended entries' room
        {
          q.erase( q.begin(), q.begin() + B_.expiry_head_ );
          B_.expiry_head_ = 0;
        }
        q.push_back( { update + V_.steps_.n_syn, incoming } );
        B_.next_expiry_update_ = q[ B_.expiry_head_ ].update;
      }
      S_.psp_ += incoming - expired;
    }
    S_.u_ = P_.b_ + S_.psp_;

    if ( S_.refr_steps_left_ > 0 )
    {
      --S_.refr_steps_left_;
    }
    if ( S_.refr_steps_left_ == 0 )
    {
      S_.z_ = 0.0;
      if ( S_.budget_.fires( S_.u_, V_.steps_.log_n_ref, V_.rng_ ) )
      {
        S_.refr_steps_left_ = V_.steps_.n_ref;
        S_.z_ = 1.0;
        S_.spike_count_ += 1.0;
        set_spiketime( nest::Time::step( step + 1 ) );
        nest::SpikeEvent se;
        nest::kernel().event_delivery_manager.send( *this, se, lag );
      }
    }
    B_.logger_.record_data( step );
    ++B_.updates_;
  }
}

void
sampling_neuron::handle( nest::SpikeEvent& e )
{
  assert( e.get_delay_steps() > 0 );
  const nest::Time& origin = nest::kernel().simulation_manager.get_slice_origin();
  const long lag = e.get_rel_delivery_steps( origin );
  B_.spikes_.add_value( lag, e.get_weight() * e.get_multiplicity() );
  B_.last_input_step_ = std::max( B_.last_input_step_, origin.get_steps() + lag );
}

void
sampling_neuron::handle( nest::DataLoggingRequest& e )
{
  B_.logger_.handle( e );
}

}  // namespace salnest
