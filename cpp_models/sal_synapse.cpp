/*
 *  sal_synapse.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "sal_synapse.h"

// Includes from nestkernel:
#include "exceptions.h"
#include "nest_impl.h"

namespace salnest
{

void
SALWindows::get( Dictionary& d ) const
{
  d[ "sal_pairing" ] = sal_pairing;
  d[ "sal_window" ] = sal_window;
  d[ "tau_sal" ] = tau_sal;
  d[ "a_causal" ] = a_causal;
  d[ "a_anticausal" ] = a_anticausal;
  d[ "eta_ws" ] = eta_ws;
  d[ "tau_ws" ] = tau_ws;
  d[ "ws_phase" ] = ws_phase;
  d[ "Wmin" ] = Wmin;
  d[ "Wmax" ] = Wmax;
}

void
SALWindows::set( const Dictionary& d, const std::string& model )
{
  SALWindows updated = *this;
  d.update_value( "sal_pairing", updated.sal_pairing );
  d.update_value( "sal_window", updated.sal_window );
  d.update_value( "tau_sal", updated.tau_sal );
  d.update_value( "a_causal", updated.a_causal );
  d.update_value( "a_anticausal", updated.a_anticausal );
  d.update_value( "eta_ws", updated.eta_ws );
  d.update_value( "tau_ws", updated.tau_ws );
  d.update_value( "ws_phase", updated.ws_phase );
  d.update_value( "Wmin", updated.Wmin );
  d.update_value( "Wmax", updated.Wmax );
  if ( updated.sal_window != 0 and updated.sal_window != 1 )
  {
    throw nest::BadProperty( model + ": sal_window must be 0 (exponential) or 1 (triangular)." );
  }
  if ( updated.sal_pairing != 0 and updated.sal_pairing != 1 )
  {
    throw nest::BadProperty( model + ": sal_pairing must be 0 (restricted nearest neighbour) or 1 (all to all)." );
  }
  if ( updated.sal_pairing == 1 and ( updated.sal_window != 0 or updated.eta_ws != 0 ) )
  {
    throw nest::BadProperty( model + ": all-to-all pairing (sal_pairing 1) needs the exponential SAL window "
                             "(sal_window 0) and no wake-sleep window (eta_ws 0)." );
  }
  require_positive( updated.tau_sal, model, "tau_sal" );
  require_positive( updated.tau_ws, model, "tau_ws" );
  require_non_negative( updated.eta_ws, model, "eta_ws" );
  if ( updated.ws_phase != 1.0 and updated.ws_phase != -1.0 )
  {
    throw nest::BadProperty( model + ": ws_phase must be +1 (wake) or -1 (sleep)." );
  }
  require_finite( updated.a_causal, model, "a_causal" );
  require_finite( updated.a_anticausal, model, "a_anticausal" );
  // infinite bounds mean no bound; a bound that excludes every weight means nothing
  if ( std::isnan( updated.Wmin ) or updated.Wmin == std::numeric_limits< double >::infinity() )
  {
    throw nest::BadProperty( model + ": Wmin must be a number or -inf (no bound), got "
      + std::to_string( updated.Wmin ) + "." );
  }
  if ( std::isnan( updated.Wmax ) or updated.Wmax == -std::numeric_limits< double >::infinity() )
  {
    throw nest::BadProperty( model + ": Wmax must be a number or inf (no bound), got "
      + std::to_string( updated.Wmax ) + "." );
  }
  if ( not( updated.Wmin <= updated.Wmax ) )
  {
    throw nest::BadProperty( model + ": Wmin must be <= Wmax." );
  }
  *this = updated;
}

void
SALState::get( Dictionary& d ) const
{
  d[ nest::names::weight ] = weight;
  d[ "sal_sum" ] = sal_sum;
  d[ "ws_sum" ] = ws_sum;
  d[ "n_pairs" ] = n_pairs;
  d[ "t_pre_last" ] = t_pre_last;
  d[ "t_pre_before" ] = t_pre_before;
  d[ "t_post_last" ] = t_post_last;
  d[ "x_pre" ] = x_pre;
  d[ "y_post" ] = y_post;
}

void
SALState::set( const Dictionary& d )
{
  SALState updated = *this;
  d.update_value( nest::names::weight, updated.weight );
  d.update_value( "sal_sum", updated.sal_sum );
  d.update_value( "ws_sum", updated.ws_sum );
  d.update_value( "n_pairs", updated.n_pairs );
  require_finite( updated.sal_sum, "sal_synapse", "sal_sum" );
  require_finite( updated.ws_sum, "sal_synapse", "ws_sum" );
  require_non_negative( updated.n_pairs, "sal_synapse", "n_pairs" );
  *this = updated;
}

void
check_connection_values( double weight, double eta_sal, double sal_gain, double ws_gain, const SALWindows& p,
  bool check_bounds, const std::string& model )
{
  // NEST's Connect takes a NaN weight for "no weight given"; one set later is refused here
  require_finite( weight, model, "the weight" );
  require_non_negative( eta_sal, model, "eta_sal" );
  require_finite( sal_gain, model, "sal_gain" );
  require_finite( ws_gain, model, "ws_gain" );
  if ( check_bounds and not( p.Wmin <= weight and weight <= p.Wmax ) )
  {
    throw nest::BadProperty( model + ": the weight must lie within [Wmin, Wmax]." );
  }
}

void
keep_sign_on_conductances( const nest::Node& target, double weight, SALWindows& windows )
{
  if ( target.get_name().find( "_cond_" ) == std::string::npos or not std::isinf( windows.Wmin )
    or not std::isinf( windows.Wmax ) )
  {
    return;
  }
  if ( weight >= 0 )
  {
    windows.Wmin = 0.0;
  }
  else
  {
    windows.Wmax = 0.0;
  }
}

void
SALHomCommonProperties::get_status( Dictionary& d ) const
{
  nest::CommonSynapseProperties::get_status( d );
  windows.get( d );
}

void
SALHomCommonProperties::set_status( const Dictionary& d, nest::ConnectorModel& cm )
{
  nest::CommonSynapseProperties::set_status( d, cm );
  windows.set( d );
}

void
register_sal_synapse( const std::string& name )
{
  nest::register_connection_model< sal_synapse >( name );
}

void
register_sal_synapse_hom( const std::string& name )
{
  nest::register_connection_model< sal_synapse_hom >( name );
}

}  // namespace salnest
