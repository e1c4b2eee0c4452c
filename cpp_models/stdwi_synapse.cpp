/*
 *  stdwi_synapse.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "stdwi_synapse.h"

// Includes from nestkernel:
#include "exceptions.h"
#include "nest_impl.h"

namespace salnest
{

void
STDWIState::get( Dictionary& d ) const
{
  d[ "w_inferred" ] = w_inferred;
  d[ "eta_stdwi" ] = eta_stdwi;
  d[ "decay" ] = decay;
  d[ "tau_fast" ] = tau_fast;
  d[ "tau_slow" ] = tau_slow;
  d[ "x_fast" ] = x_fast;
  d[ "x_slow" ] = x_slow;
  d[ "t_last_pre" ] = t_last_pre;
}

void
STDWIState::set( const Dictionary& d )
{
  STDWIState updated = *this;
  d.update_value( "w_inferred", updated.w_inferred );
  d.update_value( "eta_stdwi", updated.eta_stdwi );
  d.update_value( "decay", updated.decay );
  d.update_value( "tau_fast", updated.tau_fast );
  d.update_value( "tau_slow", updated.tau_slow );
  d.update_value( "x_fast", updated.x_fast );
  d.update_value( "x_slow", updated.x_slow );
  require_finite( updated.w_inferred, "stdwi_synapse", "w_inferred" );
  require_finite( updated.x_fast, "stdwi_synapse", "x_fast" );
  require_finite( updated.x_slow, "stdwi_synapse", "x_slow" );
  require_non_negative( updated.eta_stdwi, "stdwi_synapse", "eta_stdwi" );
  require_non_negative( updated.decay, "stdwi_synapse", "decay" );
  require_positive( updated.tau_fast, "stdwi_synapse", "tau_fast" );
  require_positive( updated.tau_slow, "stdwi_synapse", "tau_slow" );
  if ( not( updated.tau_slow > updated.tau_fast ) )
  {
    throw nest::BadProperty( "stdwi_synapse: need tau_fast < tau_slow." );
  }
  *this = updated;
}

void
register_stdwi_synapse( const std::string& name )
{
  nest::register_connection_model< stdwi_synapse >( name );
}

}  // namespace salnest
