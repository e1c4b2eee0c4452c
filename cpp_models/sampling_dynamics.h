/*
 *  sampling_dynamics.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_SAMPLING_DYNAMICS_H
#define SALNEST_SAMPLING_DYNAMICS_H

// C++ includes:
#include <cmath>
#include <limits>

// C++ includes:
#include <string>

// Includes from nestkernel:
#include "exceptions.h"
#include "nest_time.h"
#include "random_generators.h"

#include "salnest_common.h"

namespace salnest
{

/*
 * One step of the sampling neuron (docs/models.md, section 2), shared by sampling_neuron and
 * sampling_network so that both keep the arithmetic of the NESTML specification in its order:
 * their results are compared bit for bit.
 */

/**
 * A sampling neuron's constants at NEST's resolution, from its parameters; the constructor throws
 * BadProperty, naming `model`, for parameters no neuron can have, so it also checks them.
 */
struct SamplingSteps
{
  long n_ref = 0;           //!< refractory period in steps
  long n_syn = 0;           //!< rectangular PSP duration in steps (0 for the other shapes)
  double log_n_ref = 0.0;   //!< ln(n_ref): shifts the activation so that P(z = 1) = sigma(b)
  double psp_decay = 0.0;   //!< per-step decay of exponential and alpha PSPs
  double alpha_gain = 0.0;  //!< an alpha PSP's psp_rise and psp per unit weight in its arrival step

  SamplingSteps() = default;

  SamplingSteps( const double tau_ref, const double tau_syn, const long psp_shape, const std::string& model )
  {
    n_ref = steps_of( tau_ref, model, "tau_ref" );
    if ( psp_shape < 0 or psp_shape > 2 )
    {
      throw nest::BadProperty( model + ": psp_shape must be 0 (rectangular), 1 (exponential) or 2 (alpha)." );
    }
    if ( psp_shape == 0 )
    {
      n_syn = steps_of( tau_syn, model, "tau_syn" );
    }
    else
    {
      require_positive( tau_syn, model, "tau_syn" );
    }
    log_n_ref = std::log( n_ref );
    const double h = nest::Time::get_resolution().get_ms();
    psp_decay = std::exp( -h / tau_syn );
    // the NESTML twin's expression, in its order of operations
    alpha_gain = tau_ref * h / ( tau_syn * tau_syn ) * psp_decay;
  }
};

//! Summed input weights as the NESTML twin reads them (its spike port in 1/s: two roundings).
inline double
nestml_input( const double weights )
{
  return ( 0.001 * weights ) * 1000.0;
}

//! An exponential PSP sum one step on.
inline void
exponential_psp_step( double& psp, const double decay, const double incoming )
{
  psp = psp * decay + incoming;
}

/**
 * An alpha PSP sum one step on: kappa(zeta + h) = e^(-h/tau_syn) (kappa(zeta) + tau_ref h /
 * tau_syn^2 e^(-zeta/tau_syn)), the second term kept in psp_rise.
 */
inline void
alpha_psp_step( double& psp, double& psp_rise, const double decay, const double gain, const double incoming )
{
  psp = decay * ( psp + psp_rise );
  psp_rise = decay * psp_rise + gain * incoming;
  psp += gain * incoming;
}

/**
 * A free neuron's firing with one exponential budget per spike: a free step at potential u fires
 * with probability 1 - exp(-H(u)) = sigma(u - ln n_ref), H(u) = ln(1 + e^(u - ln n_ref)).
 */
struct FiringBudget
{
  double hazard = 0.0;       //!< H of a free step at u_fire, log_n_fire
  double hazard_left = -1.0; //!< Exp(1) budget not yet used by free steps' hazards (< 0: to be drawn)
  double u_fire = -std::numeric_limits< double >::infinity();  //!< potential at which hazard was computed
  double log_n_fire = 0.0;   //!< log n_ref at which hazard was computed

  //! This free step at potential u: true if it fires.
  bool
  fires( const double u, const double log_n_ref, nest::RngPtr& rng )
  {
    if ( u != u_fire or log_n_ref != log_n_fire )  // u changes only when input arrives or expires
    {
      hazard = std::log( 1.0 + std::exp( u - log_n_ref ) );
      u_fire = u;
      log_n_fire = log_n_ref;
    }
    if ( hazard_left < 0.0 )
    {
      hazard_left = -std::log( 1.0 - rng->drand() );
    }
    if ( hazard_left < hazard )
    {
      hazard_left = -1.0;  // the next free step draws a new budget
      return true;
    }
    hazard_left -= hazard;
    return false;
  }
};

}  // namespace salnest

#endif /* #ifndef SALNEST_SAMPLING_DYNAMICS_H */
