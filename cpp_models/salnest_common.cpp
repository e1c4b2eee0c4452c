/*
 *  salnest_common.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "salnest_common.h"

// C++ includes:
#include <cmath>

// Includes from nestkernel:
#include "archiving_node.h"
#include "exceptions.h"
#include "nest_time.h"

namespace salnest
{

long
steps_of( const double duration, const std::string& model, const std::string& name )
{
  const double h = nest::Time::get_resolution().get_ms();
  const long steps = nest::Time( nest::Time::ms( duration ) ).get_steps();
  if ( not( duration > 0 ) or std::abs( steps * h - duration ) >= 1e-6 )
  {
    throw nest::BadProperty( model + ": " + name + " must be a positive multiple of the resolution ("
      + std::to_string( h ) + " ms), got " + std::to_string( duration ) + " ms." );
  }
  return steps;
}

namespace
{
[[noreturn]] void
refuse( double value, const std::string& model, const std::string& name, const std::string& needed )
{
  throw nest::BadProperty( model + ": " + name + " must be " + needed + ", got " + std::to_string( value ) + "." );
}
}  // namespace

void
require_finite( const double value, const std::string& model, const std::string& name )
{
  if ( std::isnan( value ) )
  {
    throw nest::BadProperty( model + ": " + name + " must not be NaN." );
  }
  if ( not std::isfinite( value ) )
  {
    refuse( value, model, name, "a finite number" );
  }
}

void
require_non_negative( const double value, const std::string& model, const std::string& name )
{
  if ( not( std::isfinite( value ) and value >= 0 ) )
  {
    refuse( value, model, name, "finite and >= 0" );
  }
}

void
require_positive( const double value, const std::string& model, const std::string& name )
{
  if ( not( std::isfinite( value ) and value > 0 ) )
  {
    refuse( value, model, name, "finite and > 0" );
  }
}

void
register_history_reader( nest::Node& target, const double t_first_read, const double delay, const std::string& model )
{
  nest::ArchivingNode* archiving = dynamic_cast< nest::ArchivingNode* >( &target );
  if ( archiving == nullptr )
  {
    throw nest::IllegalConnection( model + ": the target (" + target.get_name()
      + ") does not archive its spikes; the synapse reads the postsynaptic spike history of an "
        "ArchivingNode (NEST's neurons, salnest's)." );
  }
  archiving->nest::ArchivingNode::register_stdp_connection( t_first_read, delay );
}

}  // namespace salnest
