/*
 *  salnest_common.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_COMMON_H
#define SALNEST_COMMON_H

// C++ includes:
#include <string>

// Includes from nestkernel:
#include "node.h"

namespace salnest
{

/**
 * The number of resolution steps of ``duration`` ms; throws BadProperty, naming the model and
 * the parameter, unless it is a positive multiple of the resolution (to 1e-6 ms, the NESTML
 * twins' tolerance).
 */
long steps_of( double duration, const std::string& model, const std::string& name );

/**
 * Throw BadProperty, naming the model and the parameter and the value, unless ``value`` is a
 * finite number (a value that NaN or an infinity in the equations would make meaningless).
 */
void require_finite( double value, const std::string& model, const std::string& name );

//! As require_finite, and ``value >= 0``.
void require_non_negative( double value, const std::string& model, const std::string& name );

//! As require_finite, and ``value > 0``.
void require_positive( double value, const std::string& model, const std::string& name );

/**
 * Register a synapse of ``model`` as a reader of ``target``'s spike history from
 * ``t_first_read`` on (NEST's ArchivingNode, which every NEST neuron and salnest's are);
 * throws IllegalConnection for a target that keeps none.
 *
 * The call is qualified: salnest's NESTML neurons keep a second history of their own for
 * their co-generated synapses and override the virtual function for it; NEST's
 * ArchivingNode history, which the C++ synapses read, is the one every archiving node keeps.
 */
void register_history_reader( nest::Node& target, double t_first_read, double delay, const std::string& model );

}  // namespace salnest

#endif /* #ifndef SALNEST_COMMON_H */
