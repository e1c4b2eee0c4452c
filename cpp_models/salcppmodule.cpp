/*
 *  salcppmodule.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

// The hand-written models of salnest: the SAL synapse for every neuron that archives its spikes,
// the fast twin of the NESTML sampling neuron, a whole sampling network in one node, and the
// STDWI synapse and RDD neuron of the weight-inference study.

#include "rdd_neuron.h"
#include "sal_synapse.h"
#include "sampling_network.h"
#include "sampling_neuron.h"
#include "stdwi_synapse.h"

// Includes from nestkernel:
#include "nest_extension_interface.h"

namespace salnest
{
class SALCppModule : public nest::NESTExtensionInterface
{
public:
  void
  initialize() override
  {
    register_sal_synapse( "sal_synapse" );
    register_sal_synapse_hom( "sal_synapse_hom" );
    register_sampling_neuron( "sampling_neuron" );
    register_sampling_network( "sampling_network" );
    register_stdwi_synapse( "stdwi_synapse" );
    register_rdd_neuron( "rdd_neuron" );
  }
};
}  // namespace salnest

// outside the namespace: NEST finds the module under this name
salnest::SALCppModule salcppmodule_LTX_module;
