/*
 *  rdd_neuron.cpp
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#include "rdd_neuron.h"
#include "salnest_common.h"

// C++ includes:
#include <algorithm>
#include <cmath>
#include <iterator>
#include <mutex>

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
RecordablesMap< salnest::rdd_neuron >::create()
{
  insert_( "v", &salnest::rdd_neuron::get_v_ );
  insert_( "u", &salnest::rdd_neuron::get_u_ );
  insert_( "basal", &salnest::rdd_neuron::get_basal_ );
}
}  // namespace nest

namespace salnest
{

void
register_rdd_neuron( const std::string& name )
{
  nest::register_node_model< rdd_neuron >( name );
}

nest::RecordablesMap< rdd_neuron > rdd_neuron::recordablesMap_;

namespace
{
/**
 * The column table of ``sources`` (index of each node id from ``lo`` on, -1 elsewhere), one per
 * distinct list of sources: every neuron of a lower layer gets the same table. Kept while a
 * neuron uses it; pre_run_hook may run on several threads at once, hence the lock.
 */
std::shared_ptr< const std::vector< long > >
shared_column_table( const std::vector< long >& sources, const size_t lo, const size_t span )
{
  static std::mutex lock;
  static std::map< std::vector< long >, std::weak_ptr< const std::vector< long > > > tables;
  const std::lock_guard< std::mutex > guard( lock );
  auto& slot = tables[ sources ];
  if ( auto table = slot.lock() )
  {
    return table;
  }
  auto table = std::make_shared< std::vector< long > >( span, -1 );
  for ( size_t j = 0; j < sources.size(); ++j )
  {
    ( *table )[ sources[ j ] - lo ] = static_cast< long >( j );
  }
  for ( auto it = tables.begin(); it != tables.end(); )  // forget the tables no neuron uses any more
  {
    it = it->second.expired() and &it->second != &slot ? tables.erase( it ) : std::next( it );
  }
  slot = table;
  return table;
}
}  // namespace


rdd_neuron::Parameters_::Parameters_()
  : g_L_( 0.1 )
  , g_D_( 0.6 )
  , tau_L_( 10.0 )
  , tau_s_( 3.0 )
  , kernel_length_( 30.0 )
  , theta_( 1.0 )
  , v_reset_( -1.0 )
  , t_ref_( 3.0 )
  , window_( 30.0 )
  , init_window_( 0.1 )
  , u_window_( 10.0 )
  , eta_rdd_( 0.001 )
  , record_windows_( false )
{
}

void
rdd_neuron::Parameters_::get( Dictionary& d ) const
{
  d[ "g_L" ] = g_L_;
  d[ "g_D" ] = g_D_;
  d[ "tau_L" ] = tau_L_;
  d[ "tau_s" ] = tau_s_;
  d[ "kernel_length" ] = kernel_length_;
  d[ "theta" ] = theta_;
  d[ "v_reset" ] = v_reset_;
  d[ "t_ref" ] = t_ref_;
  d[ "window" ] = window_;
  d[ "init_window" ] = init_window_;
  d[ "u_window" ] = u_window_;
  d[ "eta_rdd" ] = eta_rdd_;
  d[ "feedback_sources" ] = feedback_sources_;
  d[ "record_windows" ] = record_windows_;
}

void
rdd_neuron::Parameters_::set( const Dictionary& d, nest::Node* node )
{
  for ( const auto& [ key, value ] : std::initializer_list< std::pair< const char*, double* > > { { "g_L", &g_L_ },
          { "g_D", &g_D_ }, { "tau_L", &tau_L_ }, { "tau_s", &tau_s_ }, { "kernel_length", &kernel_length_ },
          { "theta", &theta_ }, { "v_reset", &v_reset_ }, { "t_ref", &t_ref_ }, { "window", &window_ },
          { "init_window", &init_window_ }, { "u_window", &u_window_ }, { "eta_rdd", &eta_rdd_ } } )
  {
    nest::update_value_param( d, key, *value, node );
  }
  d.update_value( "feedback_sources", feedback_sources_ );
  d.update_value( "record_windows", record_windows_ );
  for ( const auto& [ key, value ] : std::initializer_list< std::pair< const char*, double > > { { "g_L", g_L_ },
          { "g_D", g_D_ }, { "eta_rdd", eta_rdd_ }, { "init_window", init_window_ }, { "u_window", u_window_ } } )
  {
    require_non_negative( value, "rdd_neuron", key );
  }
  require_positive( tau_L_, "rdd_neuron", "tau_L" );
  require_positive( tau_s_, "rdd_neuron", "tau_s" );
  if ( tau_L_ == tau_s_ )
  {
    throw nest::BadProperty( "rdd_neuron: tau_L and tau_s must differ (the PSP kernel divides by their difference)." );
  }
  require_finite( theta_, "rdd_neuron", "theta" );
  require_finite( v_reset_, "rdd_neuron", "v_reset" );
  if ( not( v_reset_ < theta_ ) )
  {
    throw nest::BadProperty( "rdd_neuron: v_reset must be below theta." );
  }
  steps_of( kernel_length_, "rdd_neuron", "kernel_length" );
  steps_of( t_ref_, "rdd_neuron", "t_ref" );
  steps_of( window_, "rdd_neuron", "window" );
  for ( const long source : feedback_sources_ )
  {
    if ( source < 1 )
    {
      throw nest::BadProperty( "rdd_neuron: feedback_sources must be node ids (>= 1)." );
    }
  }
}

rdd_neuron::State_::State_( const Parameters_& p )
  : v_( p.v_reset_ )
  , u_( p.v_reset_ )
  , basal_( 0.0 )
  , max_u_( 0.0 )
  , n_spikes_( 0.0 )
  , refractory_left_( 0 )
  , window_left_( 0 )
{
}

void
rdd_neuron::State_::get( Dictionary& d ) const
{
  d[ "v" ] = v_;
  d[ "u" ] = u_;
  d[ "beta" ] = beta_;
  d[ "rdd_fits" ] = fits_;
  d[ "windows" ] = windows_;
}

void
rdd_neuron::State_::set( const Dictionary& d, const Parameters_& )
{
  d.update_value( "v", v_ );
  d.update_value( "u", u_ );
  require_finite( v_, "rdd_neuron", "v" );
  require_finite( u_, "rdd_neuron", "u" );
  if ( d.known( "windows" ) )  // the reader of the record clears it
  {
    std::vector< double > windows;
    d.update_value( "windows", windows );
    if ( not windows.empty() )
    {
      throw nest::BadProperty( "rdd_neuron: windows can only be cleared (set to [])." );
    }
    windows_.clear();
  }
}

rdd_neuron::Buffers_::Buffers_( rdd_neuron& n )
  : step_( 0 )
  , history_length_( 0 )
  , logger_( n )
{
}

rdd_neuron::Buffers_::Buffers_( const Buffers_&, rdd_neuron& n )
  : step_( 0 )
  , history_length_( 0 )
  , logger_( n )
{
}

rdd_neuron::rdd_neuron()
  : ArchivingNode()
  , P_()
  , S_( P_ )
  , B_( *this )
{
  recordablesMap_.create();
}

rdd_neuron::rdd_neuron( const rdd_neuron& n )
  : ArchivingNode( n )
  , P_( n.P_ )
  , S_( n.S_ )
  , B_( n.B_, *this )
{
}

void
rdd_neuron::get_status( Dictionary& d ) const
{
  P_.get( d );
  S_.get( d );
  nest::ArchivingNode::get_status( d );
  d[ "recordables" ] = recordablesMap_.get_list();
}

void
rdd_neuron::set_status( const Dictionary& d )
{
  Parameters_ ptmp = P_;  // temporary copies: nothing changes if a value is refused
  ptmp.set( d, this );
  State_ stmp = S_;
  stmp.set( d, ptmp );
  nest::ArchivingNode::set_status( d );
  if ( ptmp.feedback_sources_ != P_.feedback_sources_ )  // the estimator starts again for new sources
  {
    const size_t m = ptmp.feedback_sources_.size();
    stmp.R_.assign( m, 0.0 );
    stmp.R_pre_.assign( m, 0.0 );
    stmp.fits_.assign( 4 * m, 0.0 );
    stmp.beta_.assign( m, 0.0 );
  }
  // the fits are the estimator's memory: setting them resumes an estimate (a checkpoint)
  std::vector< double > fits;
  if ( d.update_value( "rdd_fits", fits ) )
  {
    if ( fits.size() != 4 * ptmp.feedback_sources_.size() )
    {
      throw nest::BadProperty( "rdd_neuron: rdd_fits needs 4 values (c0, c1, c2, c3) per feedback source, "
        + std::to_string( 4 * ptmp.feedback_sources_.size() ) + " in all; got " + std::to_string( fits.size() )
        + "." );
    }
    for ( const double value : fits )
    {
      require_finite( value, "rdd_neuron", "rdd_fits" );
    }
    stmp.fits_ = fits;
    for ( size_t j = 0; j < ptmp.feedback_sources_.size(); ++j )
    {
      const double* c = &fits[ 4 * j ];
      stmp.beta_[ j ] = ( c[ 2 ] * ptmp.theta_ + c[ 0 ] ) - ( c[ 3 ] * ptmp.theta_ + c[ 1 ] );
    }
  }
  P_ = ptmp;
  S_ = stmp;
}

void
rdd_neuron::init_state_()
{
}

void
rdd_neuron::init_buffers_()
{
  B_.drive_.clear();
  B_.feedback_slots_.clear();
  B_.drive_arrivals_.clear();
  B_.feedback_arrivals_.clear();
  B_.step_ = 0;
  B_.history_length_ = 0;
  B_.logger_.reset();
  ArchivingNode::clear_history();
}

void
rdd_neuron::pre_run_hook()
{
  B_.logger_.init();
  const double h = nest::Time::get_resolution().get_ms();
  const long K = steps_of( P_.kernel_length_, "rdd_neuron", "kernel_length" );
  V_.kappa_.resize( K );
  for ( long k = 1; k <= K; ++k )
  {
    V_.kappa_[ k - 1 ] =
      ( std::exp( -k * h / P_.tau_L_ ) - std::exp( -k * h / P_.tau_s_ ) ) / ( ( P_.tau_L_ - P_.tau_s_ ) / h );
  }
  V_.n_ref_ = steps_of( P_.t_ref_, "rdd_neuron", "t_ref" );
  V_.n_window_ = steps_of( P_.window_, "rdd_neuron", "window" );
  const size_t m = P_.feedback_sources_.size();
  V_.column_of_.clear();
  V_.column_table_.reset();
  V_.first_source_ = 0;
  for ( size_t j = 0; j < m; ++j )
  {
    V_.column_of_[ P_.feedback_sources_[ j ] ] = j;
  }
  if ( m > 0 )
  {
    const size_t lo = V_.column_of_.begin()->first;
    const size_t span = V_.column_of_.rbegin()->first - lo + 1;
    if ( span <= 4 * m + 64 )  // a table no larger than a few times the sources
    {
      V_.first_source_ = lo;
      V_.column_table_ = shared_column_table( P_.feedback_sources_, lo, span );
    }
  }
  // slots as NEST's ring buffers have; spikes already in them (between Simulate calls) stay
  const size_t slots =
    nest::kernel().connection_manager.get_min_delay() + nest::kernel().connection_manager.get_max_delay();
  if ( B_.feedback_slots_.size() != slots )
  {
    B_.feedback_slots_.resize( slots );
  }
  // the history survives between Simulate calls; it is sized once per kernel and set of sources
  if ( B_.history_length_ != static_cast< size_t >( K ) or B_.q_.size() != m )
  {
    B_.drive_arrivals_.clear();
    B_.feedback_arrivals_.clear();
    for ( auto& slot : B_.feedback_slots_ )
    {
      slot.clear();
    }
    B_.q_.assign( m, 0.0 );
    B_.is_touched_.assign( m, 0 );
    B_.touched_.clear();
    B_.touched_.reserve( m );
    B_.step_ = 0;
    B_.history_length_ = K;
  }
  if ( S_.beta_.size() != m )
  {
    S_.R_.assign( m, 0.0 );
    S_.R_pre_.assign( m, 0.0 );
    S_.fits_.assign( 4 * m, 0.0 );
    S_.beta_.assign( m, 0.0 );
  }
}

void
rdd_neuron::update( nest::Time const& origin, const long from, const long to )
{
  const double h = nest::Time::get_resolution().get_ms();
  const long K = static_cast< long >( V_.kappa_.size() );
  const size_t m = P_.feedback_sources_.size();
  std::vector< double >& q = B_.q_;
  std::vector< char >& is_touched = B_.is_touched_;
  std::vector< size_t >& touched = B_.touched_;
  std::vector< Buffers_::Arrival >& feedback = B_.feedback_arrivals_.items;
  for ( long lag = from; lag < to; ++lag )
  {
    const long now = ++B_.step_;
    const double drive = B_.drive_.get_value( lag );
    if ( drive != 0.0 )
    {
      B_.drive_arrivals_.items.push_back( { now, 0, drive } );
    }
    auto& slot = B_.feedback_slots_[ nest::kernel().event_delivery_manager.get_modulo( lag ) ];
    // one arrival per source and step, with the spikes' counts summed: the ring buffer per source
    // did so, and the kernel sum of the total differs in its last bits from the sum of the parts.
    // The counts are whole numbers, so their order does not enter the total, nor does the order
    // of the sources enter any sum. NEST mostly delivers a step's spikes by sender: sorted, a
    // repeated source is the one before it.
    const auto by_source = []( const Buffers_::Incoming& x, const Buffers_::Incoming& y )
    { return x.source < y.source; };
    if ( not std::is_sorted( slot.begin(), slot.end(), by_source ) )
    {
      std::sort( slot.begin(), slot.end(), by_source );
    }
    for ( size_t k = 0; k < slot.size(); ++k )
    {
      if ( k > 0 and slot[ k ].source == slot[ k - 1 ].source )
      {
        feedback.back().value += slot[ k ].count;
      }
      else
      {
        feedback.push_back( { now, slot[ k ].source, slot[ k ].count } );
      }
    }
    slot.clear();
    B_.drive_arrivals_.drop_older( now, K );
    B_.feedback_arrivals_.drop_older( now, K );
    // 1. windows ending now; max u of the previous step; refractory count down
    const bool ending = S_.window_left_ == 1;
    if ( S_.window_left_ > 0 and S_.u_ > S_.max_u_ )
    {
      S_.max_u_ = S_.u_;
    }
    if ( S_.refractory_left_ > 0 )
    {
      --S_.refractory_left_;
    }
    // 2. basal drive and feedback inputs: the kernel over the last K steps, newest first
    double basal = 0.0;
    const auto& drives = B_.drive_arrivals_.items;
    for ( size_t k = drives.size(); k > B_.drive_arrivals_.head; --k )
    {
      basal += V_.kappa_[ now - drives[ k - 1 ].step ] * drives[ k - 1 ].value;
    }
    S_.basal_ = basal;
    // the feedback inputs q_j only where they are used: in an open window, and as the start
    // value of a window opening from a closed step (most neurons, undriven, open none)
    bool have_q = false;
    const auto feedback_inputs = [ & ]()
    {
      for ( size_t k = feedback.size(); k > B_.feedback_arrivals_.head; --k )
      {
        const Buffers_::Arrival& a = feedback[ k - 1 ];
        if ( not is_touched[ a.source ] )
        {
          is_touched[ a.source ] = 1;
          touched.push_back( a.source );
        }
        q[ a.source ] += V_.kappa_[ now - a.step ] * a.value;
      }
      have_q = true;
    };
    // 3. explicit Euler for v and for u
    S_.v_ = S_.v_ + h * ( -P_.g_L_ * S_.v_ + P_.g_D_ * ( basal - S_.v_ ) );
    S_.u_ = S_.u_ + h * ( -P_.g_L_ * S_.u_ + P_.g_D_ * ( basal - S_.u_ ) );
    // 4. open windows integrate the feedback (the sources without arrivals add 0: skipped); closed
    // ones keep it as the start value, which is read only at the end of the window that opens
    // from a closed step: copied then (step 7)
    const bool closed = S_.window_left_ == 0;
    if ( not closed )
    {
      feedback_inputs();
      for ( const size_t j : touched )
      {
        S_.R_[ j ] += q[ j ];
      }
    }
    // 5. spike
    const bool fired = S_.v_ >= P_.theta_ and S_.refractory_left_ == 0;
    if ( fired )
    {
      S_.v_ = P_.v_reset_;
      S_.refractory_left_ = V_.n_ref_;
      set_spiketime( nest::Time::step( origin.get_steps() + lag + 1 ) );
      nest::SpikeEvent se;
      nest::kernel().event_delivery_manager.send( *this, se, lag );
    }
    // 6. the estimator at the end of a window
    if ( ending and std::abs( S_.max_u_ - P_.theta_ ) <= P_.u_window_ )
    {
      if ( P_.record_windows_ )
      {
        S_.windows_.insert( S_.windows_.end(),
          { static_cast< double >( origin.get_steps() + lag ), S_.n_spikes_, S_.max_u_ } );
      }
      const size_t c_int = S_.n_spikes_ >= 1 ? 0 : 1;
      const size_t c_slope = c_int + 2;
      for ( size_t j = 0; j < m; ++j )
      {
        double* c = &S_.fits_[ 4 * j ];
        const double y = S_.R_[ j ] / V_.n_window_ - S_.R_pre_[ j ];
        const double err = c[ c_slope ] * S_.max_u_ + c[ c_int ] - y;
        c[ c_slope ] -= P_.eta_rdd_ * err * S_.max_u_;
        c[ c_int ] -= P_.eta_rdd_ * err;
        S_.beta_[ j ] = ( c[ 2 ] * P_.theta_ + c[ 0 ] ) - ( c[ 3 ] * P_.theta_ + c[ 1 ] );
      }
    }
    // 7. windows count down, close, open; spikes in windows are counted; ended windows cleared
    if ( S_.window_left_ > 0 )
    {
      --S_.window_left_;
    }
    if ( S_.window_left_ == 0 )
    {
      S_.u_ = S_.v_;
      if ( std::abs( P_.theta_ - S_.u_ ) <= P_.init_window_ )
      {
        S_.window_left_ = V_.n_window_;
        if ( closed )  // the start value of step 4 (a window opening as one ends keeps the old one)
        {
          if ( P_.record_windows_ )
          {
            S_.windows_.insert( S_.windows_.end(), { static_cast< double >( origin.get_steps() + lag ), -1.0, 0.0 } );
          }
          feedback_inputs();
          std::fill( S_.R_pre_.begin(), S_.R_pre_.end(), 0.0 );
          for ( const size_t j : touched )
          {
            S_.R_pre_[ j ] = q[ j ];
          }
        }
      }
    }
    if ( S_.window_left_ > 0 and fired )
    {
      S_.n_spikes_ += 1;
    }
    if ( ending )
    {
      S_.n_spikes_ = 0;
      S_.max_u_ = 0;
      std::fill( S_.R_.begin(), S_.R_.end(), 0.0 );
    }
    if ( have_q )
    {
      for ( const size_t j : touched )
      {
        q[ j ] = 0.0;
        is_touched[ j ] = 0;
      }
      touched.clear();
    }
    B_.logger_.record_data( origin.get_steps() + lag );
  }
}

void
rdd_neuron::handle( nest::SpikeEvent& e )
{
  assert( e.get_delay_steps() > 0 );
  const long lag = e.get_rel_delivery_steps( nest::kernel().simulation_manager.get_slice_origin() );
  if ( e.get_rport() == DRIVE )
  {
    B_.drive_.add_value( lag, e.get_weight() * e.get_multiplicity() );
    return;
  }
  // spike events carry their sender only as a place in NEST's source table (kept by default)
  const size_t sender = e.retrieve_sender_node_id_from_source_table();
  long column = -1;
  if ( V_.column_table_ )
  {
    const std::vector< long >& table = *V_.column_table_;
    if ( sender >= V_.first_source_ and sender - V_.first_source_ < table.size() )
    {
      column = table[ sender - V_.first_source_ ];
    }
  }
  else
  {
    const auto found = V_.column_of_.find( sender );
    if ( found != V_.column_of_.end() )
    {
      column = static_cast< long >( found->second );
    }
  }
  if ( column < 0 )
  {
    throw nest::KernelException( "rdd_neuron: a feedback spike (receptor 2) from node " + std::to_string( sender )
      + ", which is not in feedback_sources." );
  }
  B_.feedback_slots_[ nest::kernel().event_delivery_manager.get_modulo( lag ) ].push_back(
    { static_cast< size_t >( column ), static_cast< double >( e.get_multiplicity() ) } );
}

void
rdd_neuron::handle( nest::DataLoggingRequest& e )
{
  B_.logger_.handle( e );
}

}  // namespace salnest
