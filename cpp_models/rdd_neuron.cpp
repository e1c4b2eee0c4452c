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
#include <cmath>

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
}

void
rdd_neuron::State_::set( const Dictionary& d, const Parameters_& )
{
  d.update_value( "v", v_ );
  d.update_value( "u", u_ );
  require_finite( v_, "rdd_neuron", "v" );
  require_finite( u_, "rdd_neuron", "u" );
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
  B_.feedback_.clear();
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
  for ( size_t j = 0; j < m; ++j )
  {
    V_.column_of_[ P_.feedback_sources_[ j ] ] = j;
  }
  // the history survives between Simulate calls; it is sized once per kernel and set of sources
  if ( B_.history_length_ != static_cast< size_t >( K ) or B_.feedback_.size() != m )
  {
    B_.drive_arrivals_.clear();
    B_.feedback_arrivals_.clear();
    B_.feedback_.resize( m );
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
  std::vector< double > q( m, 0.0 );
  for ( long lag = from; lag < to; ++lag )
  {
    const long now = ++B_.step_;
    const double drive = B_.drive_.get_value( lag );
    if ( drive != 0.0 )
    {
      B_.drive_arrivals_.push_back( { now, 0, drive } );
    }
    for ( size_t j = 0; j < m; ++j )
    {
      const double count = B_.feedback_[ j ].get_value( lag );
      if ( count != 0.0 )
      {
        B_.feedback_arrivals_.push_back( { now, j, count } );
      }
    }
    while ( not B_.drive_arrivals_.empty() and now - B_.drive_arrivals_.front().step >= K )
    {
      B_.drive_arrivals_.pop_front();
    }
    while ( not B_.feedback_arrivals_.empty() and now - B_.feedback_arrivals_.front().step >= K )
    {
      B_.feedback_arrivals_.pop_front();
    }
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
    for ( auto a = B_.drive_arrivals_.rbegin(); a != B_.drive_arrivals_.rend(); ++a )
    {
      basal += V_.kappa_[ now - a->step ] * a->value;
    }
    S_.basal_ = basal;
    std::fill( q.begin(), q.end(), 0.0 );
    for ( auto a = B_.feedback_arrivals_.rbegin(); a != B_.feedback_arrivals_.rend(); ++a )
    {
      q[ a->source ] += V_.kappa_[ now - a->step ] * a->value;
    }
    // 3. explicit Euler for v and for u
    S_.v_ = S_.v_ + h * ( -P_.g_L_ * S_.v_ + P_.g_D_ * ( basal - S_.v_ ) );
    S_.u_ = S_.u_ + h * ( -P_.g_L_ * S_.u_ + P_.g_D_ * ( basal - S_.u_ ) );
    // 4. open windows integrate the feedback; closed ones keep it as the start value
    for ( size_t j = 0; j < m; ++j )
    {
      if ( S_.window_left_ > 0 )
      {
        S_.R_[ j ] += q[ j ];
      }
      else
      {
        S_.R_pre_[ j ] = q[ j ];
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
  const auto column = V_.column_of_.find( sender );
  if ( column == V_.column_of_.end() )
  {
    throw nest::KernelException( "rdd_neuron: a feedback spike (receptor 2) from node " + std::to_string( sender )
      + ", which is not in feedback_sources." );
  }
  B_.feedback_[ column->second ].add_value( lag, e.get_multiplicity() );
}

void
rdd_neuron::handle( nest::DataLoggingRequest& e )
{
  B_.logger_.handle( e );
}

}  // namespace salnest
