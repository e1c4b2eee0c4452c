/*
 *  sampling_network.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "sampling_network.h"
#include "salnest_common.h"

// C++ includes:
#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

// Includes from nestkernel:
#include "exceptions.h"
#include "kernel_manager.h"
#include "nest_impl.h"

namespace salnest
{

void
register_sampling_network( const std::string& name )
{
  nest::register_node_model< sampling_network >( name );
}

namespace
{
//! Above this size the 2^N state counts would not fit in memory comfortably.
constexpr size_t MAX_STATE_NEURONS = 20;

/**
 * Read an array of `size` entries under `key`; a number fills all of them (if `scalar_fills`).
 * Return whether the key was given.
 */
bool
read_array( const Dictionary& d, const std::string& key, size_t size, bool scalar_fills, std::vector< double >& out )
{
  if ( not d.known( key ) )
  {
    return false;
  }
  const any_type& value = d.at( key );
  if ( scalar_fills and ( std::holds_alternative< double >( value ) or std::holds_alternative< long >( value ) ) )
  {
    out.assign( size, d.get< double >( key ) );
    return true;
  }
  std::vector< double > values;
  d.update_value( key, values );
  if ( values.size() != size )
  {
    throw nest::BadProperty( "sampling_network: " + key + " needs " + std::to_string( size ) + " entries, got "
      + std::to_string( values.size() ) + "." );
  }
  out = std::move( values );
  return true;
}
/**
 * Read a per-connection parameter: an array of `size` entries, or a number that sets every
 * connection, also those of a later change of size.
 */
void
read_per_connection( const Dictionary& d, const std::string& key, size_t size, sampling_network::PerConnection& out )
{
  if ( d.known( key )
    and ( std::holds_alternative< double >( d.at( key ) ) or std::holds_alternative< long >( d.at( key ) ) ) )
  {
    out.fill = d.get< double >( key );
  }
  read_array( d, key, size, true, out.values );
}
}  // namespace

sampling_network::Parameters_::Parameters_()
  : b_()
  , tau_ref_( 10.0 )
  , tau_syn_( 10.0 )
  , psp_shape_( 0 )
  , eta_sal_{ {}, 0.0 }
  , windows_()
  , sal_gain_{ {}, 1.0 }
  , ws_gain_{ {}, 1.0 }
  , record_spikes_( false )
  , record_states_( false )
{
}

sampling_network::sampling_network()
  : Node()
  , n_( 0 )
{
}

sampling_network::sampling_network( const sampling_network& other )
  : Node( other )
  , n_( other.n_ )
  , P_( other.P_ )
  , S_( other.S_ )
{
}

void
sampling_network::resize_( const size_t n, Parameters_& p, State_& s )
{
  p.b_.assign( n, 0.0 );
  for ( PerConnection* values : { &p.eta_sal_, &p.sal_gain_, &p.ws_gain_ } )
  {
    values->values.assign( n * n, values->fill );
  }
  s = State_();
  s.neurons_.assign( n, Neuron_() );
  s.synapses_.assign( n * n, SALState() );
  for ( size_t i = 0; i < n; ++i )
  {
    s.synapses_[ i * n + i ].weight = 0.0;
  }
}

void
sampling_network::get_status( Dictionary& d ) const
{
  d[ "n" ] = static_cast< long >( n_ );
  d[ "b" ] = P_.b_;
  d[ "tau_ref" ] = P_.tau_ref_;
  d[ "tau_syn" ] = P_.tau_syn_;
  d[ "psp_shape" ] = P_.psp_shape_;
  d[ "eta_sal" ] = P_.eta_sal_.values;
  P_.windows_.get( d );
  d[ "sal_gain" ] = P_.sal_gain_.values;
  d[ "ws_gain" ] = P_.ws_gain_.values;
  d[ "record_spikes" ] = P_.record_spikes_;
  d[ "record_states" ] = P_.record_states_;

  std::vector< double > u, z, count;
  for ( const Neuron_& neuron : S_.neurons_ )
  {
    u.push_back( neuron.u );
    z.push_back( neuron.z );
    count.push_back( neuron.spike_count );
  }
  d[ "u" ] = u;
  d[ "z" ] = z;
  d[ "spike_count" ] = count;
  std::vector< double > weights, sal_sum, ws_sum, n_pairs;
  for ( const SALState& s : S_.synapses_ )
  {
    weights.push_back( s.weight );
    sal_sum.push_back( s.sal_sum );
    ws_sum.push_back( s.ws_sum );
    n_pairs.push_back( s.n_pairs );
  }
  d[ "weights" ] = weights;
  d[ "sal_sum" ] = sal_sum;
  d[ "ws_sum" ] = ws_sum;
  d[ "n_pairs" ] = n_pairs;
  d[ "spike_times" ] = S_.spike_times_;
  d[ "spike_senders" ] = S_.spike_senders_;
  d[ "n_events" ] = static_cast< long >( S_.spike_times_.size() );
  d[ "state_counts" ] = S_.state_counts_;
}

void
sampling_network::set_status( const Dictionary& d )
{
  // Everything is checked on copies first, so that a refused call changes nothing.
  size_t n = n_;
  Parameters_ p = P_;
  State_ s = S_;
  std::vector< double > b;
  const bool new_b = d.known( "b" );
  if ( new_b )
  {
    d.update_value( "b", b );
    if ( b.size() != n_ )
    {
      if ( not d.known( "weights" ) )
      {
        throw nest::BadProperty( "sampling_network: a new network size (b of length " + std::to_string( b.size() )
          + ") needs its weights (length N^2) in the same call." );
      }
      n = b.size();
      resize_( n, p, s );
    }
  }
  if ( new_b )
  {
    p.b_ = b;
  }
  for ( double bias : p.b_ )
  {
    require_finite( bias, "sampling_network", "b" );
  }
  std::vector< double > weights;
  if ( read_array( d, "weights", n * n, false, weights ) )
  {
    for ( size_t i = 0; i < n; ++i )
    {
      for ( size_t j = 0; j < n; ++j )
      {
        const double w = weights[ i * n + j ];
        require_finite( w, "sampling_network", "weights" );
        if ( i == j and w != 0.0 )
        {
          throw nest::BadProperty( "sampling_network: the diagonal of weights (no self-connections) must be 0." );
        }
        s.synapses_[ i * n + j ].weight = w;
      }
    }
  }
  d.update_value( "tau_ref", p.tau_ref_ );
  d.update_value( "tau_syn", p.tau_syn_ );
  d.update_integer_value( "psp_shape", p.psp_shape_ );
  p.windows_.set( d, "sampling_network" );
  for ( const auto& [ key, values ] : { std::pair{ "eta_sal", &p.eta_sal_ }, std::pair{ "sal_gain", &p.sal_gain_ },
          std::pair{ "ws_gain", &p.ws_gain_ } } )
  {
    read_per_connection( d, key, n * n, *values );
  }
  d.update_value( "record_spikes", p.record_spikes_ );
  d.update_value( "record_states", p.record_states_ );
  SamplingSteps( p.tau_ref_, p.tau_syn_, p.psp_shape_, "sampling_network" );  // throws for impossible values
  for ( size_t k = 0; k < n * n; ++k )
  {
    check_connection_values( s.synapses_[ k ].weight, p.eta_sal_.values[ k ], p.sal_gain_.values[ k ],
      p.ws_gain_.values[ k ], p.windows_,
      k % ( n + 1 ) != 0, "sampling_network" );  // the diagonal has no connection, so no bounds
  }
  if ( p.record_states_ and n > MAX_STATE_NEURONS )
  {
    throw nest::BadProperty( "sampling_network: record_states counts 2^N states, for at most "
      + std::to_string( MAX_STATE_NEURONS ) + " neurons." );
  }

  std::vector< double > values;
  if ( read_array( d, "spike_count", n, true, values ) )
  {
    for ( size_t i = 0; i < n; ++i )
    {
      s.neurons_[ i ].spike_count = values[ i ];
    }
  }
  const std::pair< const char*, double SALState::* > sums[] = {
    { "sal_sum", &SALState::sal_sum }, { "ws_sum", &SALState::ws_sum }, { "n_pairs", &SALState::n_pairs }
  };
  for ( const auto& [ key, member ] : sums )
  {
    if ( read_array( d, key, n * n, true, values ) )
    {
      for ( size_t k = 0; k < n * n; ++k )
      {
        s.synapses_[ k ].*member = k % ( n + 1 ) == 0 ? 0.0 : values[ k ];  // the diagonal has no connection
      }
    }
  }
  long n_events = 0;
  if ( d.update_integer_value( "n_events", n_events ) )
  {
    if ( n_events != 0 )
    {
      throw nest::BadProperty( "sampling_network: n_events can only be set to 0 (clears the recorded spikes)." );
    }
    s.spike_times_.clear();
    s.spike_senders_.clear();
  }
  if ( d.known( "state_counts" ) )
  {
    std::vector< double > counts;
    d.update_value( "state_counts", counts );
    if ( not counts.empty() )
    {
      throw nest::BadProperty( "sampling_network: state_counts can only be set to [] (clears them)." );
    }
    s.state_counts_.clear();
  }
  if ( p.record_states_ and s.state_counts_.size() != ( size_t( 1 ) << n ) )
  {
    s.state_counts_.assign( size_t( 1 ) << n, 0.0 );
  }

  n_ = n;
  P_ = std::move( p );
  S_ = std::move( s );
}

void
sampling_network::init_buffers_()
{
  for ( Neuron_& neuron : S_.neurons_ )
  {
    neuron.incoming = 0.0;
    std::fill( neuron.psp_ends.begin(), neuron.psp_ends.end(), 0.0 );
    neuron.history.clear();
  }
  S_.pending_.clear();
  S_.updates_ = 0;
}

void
sampling_network::pre_run_hook()
{
  V_.steps_ = SamplingSteps( P_.tau_ref_, P_.tau_syn_, P_.psp_shape_, "sampling_network" );
  V_.rng_ = nest::get_vp_specific_rng( get_thread() );
  for ( Neuron_& neuron : S_.neurons_ )
  {
    if ( neuron.psp_ends.size() == static_cast< size_t >( V_.steps_.n_syn ) )
    {
      continue;
    }
    if ( std::any_of( neuron.psp_ends.begin(), neuron.psp_ends.end(), []( double x ) { return x != 0.0; } ) )
    {
      throw nest::BadProperty( "sampling_network: tau_syn or psp_shape changed while rectangular PSPs are active; "
                               "set them before the first simulation (or give new b and weights)." );
    }
    neuron.psp_ends.assign( V_.steps_.n_syn, 0.0 );
  }
}

inline void
sampling_network::integrate_input_( const size_t i, const double weights_in )
{
  Neuron_& neuron = S_.neurons_[ i ];
  const double incoming = nestml_input( weights_in );
  if ( P_.psp_shape_ == 1 )
  {
    exponential_psp_step( neuron.psp, V_.steps_.psp_decay, incoming );
  }
  else if ( P_.psp_shape_ == 2 )
  {
    alpha_psp_step( neuron.psp, neuron.psp_rise, V_.steps_.psp_decay, V_.steps_.alpha_gain, incoming );
  }
  else
  {
    // the input of n_syn steps ago ends now: the same numbers as the twin neuron's queue
    double& slot = neuron.psp_ends[ S_.updates_ % V_.steps_.n_syn ];
    const double expired = slot;
    slot = incoming;
    neuron.psp += incoming - expired;
  }
  neuron.u = P_.b_[ i ] + neuron.psp;
}

inline bool
sampling_network::fire_( const size_t i )
{
  Neuron_& neuron = S_.neurons_[ i ];
  if ( neuron.refr_steps_left > 0 )
  {
    --neuron.refr_steps_left;
  }
  if ( neuron.refr_steps_left != 0 )
  {
    return false;
  }
  neuron.z = 0.0;
  if ( neuron.budget.fires( neuron.u, V_.steps_.log_n_ref, V_.rng_ ) )
  {
    neuron.refr_steps_left = V_.steps_.n_ref;
    neuron.z = 1.0;
    neuron.spike_count += 1.0;
    return true;
  }
  return false;
}

inline void
sampling_network::transmit_( const size_t j, const double t_spike )
{
  // As sal_synapse::send with a delay of one step h: the target's spikes in
  // (t_last_pre - h, t_spike - h] are paired first, with NEST's tolerance for spike times.
  const double h = nest::Time::get_resolution().get_ms();
  const double eps = nest::kernel().connection_manager.get_stdp_eps();
  for ( size_t i = 0; i < n_; ++i )
  {
    if ( i == j )
    {
      continue;
    }
    Neuron_& target = S_.neurons_[ i ];
    const size_t k = i * n_ + j;
    SALState& syn = S_.synapses_[ k ];
    const double eta_sal = P_.eta_sal_.values[ k ];
    const double sal_gain = P_.sal_gain_.values[ k ];
    const double ws_gain = P_.ws_gain_.values[ k ];
    const double t_first = syn.t_lastspike() - h + eps;
    const double t_end = t_spike - h + eps;
    // the history is in time order and mostly older than t_first: search from its end
    const std::deque< double >& history = target.history;
    auto first = history.end();
    while ( first != history.begin() and *( first - 1 ) >= t_first )
    {
      --first;
    }
    for ( auto t_post = first; t_post != history.end() and *t_post < t_end; ++t_post )
    {
      syn.post_spike( *t_post, P_.windows_, eta_sal, sal_gain, ws_gain );
    }
    syn.pre_spike( t_spike, P_.windows_, eta_sal, sal_gain, ws_gain );
    target.incoming += syn.weight;
  }
}

inline void
sampling_network::record_spike_( const size_t i, const double t_spike )
{
  if ( P_.record_spikes_ )
  {
    S_.spike_times_.push_back( t_spike );
    S_.spike_senders_.push_back( static_cast< long >( i ) );
  }
  std::deque< double >& history = S_.neurons_[ i ].history;
  history.push_back( t_spike );
  if ( history.size() < 16 )
  {
    return;
  }
  // a spike time is read by a synapse only after its presynaptic neuron's last spike: older ones can go
  const double h = nest::Time::get_resolution().get_ms();
  const double eps = nest::kernel().connection_manager.get_stdp_eps();
  double t_read = std::numeric_limits< double >::infinity();
  for ( size_t j = 0; j < n_; ++j )
  {
    if ( j != i )
    {
      t_read = std::min( t_read, S_.synapses_[ i * n_ + j ].t_lastspike() - h + eps );
    }
  }
  while ( not history.empty() and history.front() < t_read )
  {
    history.pop_front();
  }
}

void
sampling_network::update( nest::Time const& origin, const long from, const long to )
{
  for ( long lag = from; lag < to; ++lag )
  {
    // NEST delivers a step's spikes at the start of the next one (so the last step's wait for the
    // next simulation), by sender, each to every target
    for ( const size_t j : S_.pending_ )
    {
      transmit_( j, S_.t_pending_ );
    }
    S_.pending_.clear();
    const double t_spike = nest::Time( nest::Time::step( origin.get_steps() + lag + 1 ) ).get_ms();
    for ( size_t i = 0; i < n_; ++i )
    {
      integrate_input_( i, S_.neurons_[ i ].incoming );
      S_.neurons_[ i ].incoming = 0.0;
      if ( fire_( i ) )
      {
        S_.pending_.push_back( i );
        record_spike_( i, t_spike );
      }
    }
    S_.t_pending_ = t_spike;
    if ( P_.record_states_ )
    {
      size_t state = 0;
      for ( const Neuron_& neuron : S_.neurons_ )
      {
        state = 2 * state + ( neuron.z != 0.0 );
      }
      S_.state_counts_[ state ] += 1.0;
    }
    ++S_.updates_;
  }
}

}  // namespace salnest
