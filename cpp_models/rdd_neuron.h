/*
 *  rdd_neuron.h
 *
 *  This file is part of salnest, spike-based alignment learning for NEST and PyNN.
 *
 *  salnest is free software: you can redistribute it and/or modify it under the
 *  terms of the GNU General Public License as published by the Free Software
 *  Foundation, either version 2 of the License, or (at your option) any later
 *  version (as NEST).
 */

#ifndef SALNEST_RDD_NEURON_H
#define SALNEST_RDD_NEURON_H

// C++ includes:
#include <map>
#include <memory>
#include <string>
#include <vector>

// Includes from nestkernel:
#include "archiving_node.h"
#include "connection.h"
#include "event.h"
#include "nest_types.h"
#include "ring_buffer.h"
#include "universal_data_logger.h"

namespace salnest
{

/* BeginUserDocs: neuron, integrate-and-fire, weight inference

Short description
+++++++++++++++++

The leaky integrate-and-fire neuron of regression discontinuity design (RDD) weight
inference, with its estimator per feedback source

Description
+++++++++++

``rdd_neuron`` is the neuron of Guerguiev, Kording and Richards [1]_ with their integration
scheme (explicit Euler, meant for a resolution of 1 ms as theirs):

.. math::

   v \leftarrow v + h \left( -g_L v + g_D (B - v) \right), \qquad
   B = \sum_{k=1}^{K} \kappa(k)\, I(t - k + 1), \qquad
   \kappa(k) = \frac{e^{-kh/\tau_L} - e^{-kh/\tau_s}}{(\tau_L - \tau_s)/h}

with ``I`` the summed weights of the spikes arriving at receptor 1 (drive) in a step. It
fires when :math:`v \ge \theta` and it is not refractory, then :math:`v = v_\mathrm{reset}`;
refractoriness (``t_ref``, spike step included) only blocks spikes. ``u`` follows ``v``
without resets while an integration window is open: a window of ``window`` ms opens when
:math:`|\theta - u| \le` ``init_window``. Spikes at receptor 2 come from the units above; the
neuron keeps one feedback input per source, :math:`q_j` (the same kernel on source j's
spikes, unweighted), and per window accumulates :math:`R_j = \sum q_j` and the maximum of
``u``. At the end of a window it makes one LMS step (rate ``eta_rdd``) on the line of
:math:`y_j = R_j / n_\mathrm{window} - R_{\mathrm{pre},j}` against max u that belongs to
the window's outcome (a spike in it or not) and sets the jump at threshold
:math:`\beta_j = (c_2 \theta + c_0) - (c_3 \theta + c_1)`. The sources are the node ids in
``feedback_sources``, in the order of ``beta``; spikes of other senders at receptor 2 are
refused when they arrive.

With ``record_windows`` the neuron also keeps a record of its windows in ``windows``, so that
the same estimator can run outside the neuron from the units' recorded spikes
(``salnest.analysis.rdd_estimator``): a whole layer then needs no feedback connections, and
each spike above is filtered once per layer instead of once per neuron below. The order of operations within a step is that of the authors' code
(``salnest.theory.rdd``, docs/models.md section 10).

Parameters
++++++++++

================ ======= ================================================
g_L              1/ms    leak conductance (0.1)
g_D              1/ms    dendritic conductance (0.6)
tau_L, tau_s     ms      time constants of the input kernel (10, 3)
kernel_length    ms      memory of the input kernel (30)
theta            1       threshold (1)
v_reset          1       reset and start potential (-1)
t_ref            ms      refractory period, spike step included (3)
window           ms      integration window (30)
init_window      1       a window opens within this distance of theta (0.1)
u_window         1       windows with max u farther from theta are not used (10)
eta_rdd          1       LMS learning rate (0.001)
feedback_sources         node ids of the units above, in the order of beta
record_windows           keep a record of the windows in ``windows`` (false)
================ ======= ================================================

State:

================ ======= ================================================
v                1       somatic potential (recordable)
u                1       follows ``v`` without resets while an integration
                         window is open (recordable)
rdd_fits         1       c0, c1, c2, c3 of each source's piecewise-linear
                         fit, flat in that order per source; setting them,
                         after ``feedback_sources`` in the same call,
                         resumes an estimate and sets ``beta``
beta             1       the feedback weight estimates, one per source
                         (read only)
windows                  with ``record_windows``, the windows since the
                         record was last cleared (set it to ``[]``), three
                         values each: the step (NEST's, from 0; the step
                         of time t to t + h) in which a window opened from a
                         closed one (the start value R_pre is the feedback
                         input of that step), then -1 and 0; or the step
                         in which a used window ended, the number of spikes
                         in it (0 or more) and its max u. The window that
                         ends in step e sums the feedback inputs of steps
                         e - n_window + 1 ... e.
================ ======= ================================================

Recordables: ``v``, ``u``, ``basal``.

References
++++++++++

.. [1] Guerguiev J, Kording KP, Richards BA (2020). Spike-based causal inference for weight
       alignment. ICLR 2020. arXiv:1910.01689. DOI: 10.48550/arXiv.1910.01689

See also
++++++++

stdwi_synapse, sal_synapse

EndUserDocs */

void register_rdd_neuron( const std::string& name );

class rdd_neuron : public nest::ArchivingNode
{
public:
  rdd_neuron();
  rdd_neuron( const rdd_neuron& );

  using nest::Node::handle;
  using nest::Node::handles_test_event;

  static constexpr size_t DRIVE = 1;
  static constexpr size_t FEEDBACK = 2;

  size_t send_test_event( nest::Node&, size_t, nest::synindex, bool ) override;

  void handle( nest::SpikeEvent& ) override;
  void handle( nest::DataLoggingRequest& ) override;

  size_t handles_test_event( nest::SpikeEvent&, size_t ) override;
  size_t handles_test_event( nest::DataLoggingRequest&, size_t ) override;

  void get_status( Dictionary& ) const override;
  void set_status( const Dictionary& ) override;

private:
  void init_state_() override;
  void init_buffers_() override;
  void pre_run_hook() override;

  void update( nest::Time const&, const long, const long ) override;

  friend class nest::RecordablesMap< rdd_neuron >;
  friend class nest::UniversalDataLogger< rdd_neuron >;

  struct Parameters_
  {
    double g_L_, g_D_, tau_L_, tau_s_, kernel_length_, theta_, v_reset_, t_ref_, window_, init_window_,
      u_window_, eta_rdd_;
    std::vector< long > feedback_sources_;
    bool record_windows_;

    Parameters_();

    void get( Dictionary& ) const;
    void set( const Dictionary&, nest::Node* );
  };

  struct State_
  {
    double v_, u_, basal_, max_u_, n_spikes_;
    long refractory_left_, window_left_;
    std::vector< double > R_, R_pre_, fits_, beta_;  //!< per source; fits_: 4 per source
    std::vector< double > windows_;                   //!< the record of windows, 3 values each

    explicit State_( const Parameters_& );

    void get( Dictionary& ) const;
    void set( const Dictionary&, const Parameters_& );
  };

  struct Buffers_
  {
    Buffers_( rdd_neuron& );
    Buffers_( const Buffers_&, rdd_neuron& );

    nest::RingBuffer drive_;  //!< summed drive weights per arrival step
    //! Feedback spikes per arrival slot (NEST's ring-buffer index of the step), as (source, count):
    //! a step costs the spikes that arrive in it, not one ring buffer per source.
    struct Incoming
    {
      size_t source;  //!< feedback source index
      double count;   //!< the spike's multiplicity
    };
    std::vector< std::vector< Incoming > > feedback_slots_;
    //! The inputs of the last K steps that are not 0, oldest first (from ``head``): the kernel sums
    //! skip the empty steps (most of them), and adding only the non-zero terms, newest first as the
    //! dense sum did, gives the same sums bit for bit.
    struct Arrival
    {
      long step;      //!< value of step_ when it arrived
      size_t source;  //!< feedback source index (unused for drive)
      double value;   //!< summed drive weight, or spike count
    };
    //! Arrivals in a vector whose front (before ``head``) is dropped in bulk: no allocation per step.
    struct Arrivals
    {
      std::vector< Arrival > items;
      size_t head = 0;
      bool
      empty() const
      {
        return head == items.size();
      }
      void
      clear()
      {
        items.clear();
        head = 0;
      }
      void
      drop_older( const long now, const long K )
      {
        while ( head < items.size() and now - items[ head ].step >= K )
        {
          ++head;
        }
        if ( head > 256 and 2 * head > items.size() )
        {
          items.erase( items.begin(), items.begin() + head );
          head = 0;
        }
      }
    };
    Arrivals drive_arrivals_;
    Arrivals feedback_arrivals_;
    long step_;                 //!< steps updated since the history was last cleared
    size_t history_length_;     //!< K the history was sized for (0: not yet)
    //! Per step, the feedback input q_j of the sources with arrivals in the last K steps only (every
    //! other q_j is 0, which adds nothing to R_j): ``q_`` by source, ``touched_`` the sources.
    std::vector< double > q_;
    std::vector< char > is_touched_;
    std::vector< size_t > touched_;

    nest::UniversalDataLogger< rdd_neuron > logger_;
  };

  struct Variables_
  {
    std::vector< double > kappa_;  //!< kappa(1) ... kappa(K)
    long n_ref_, n_window_;
    std::map< size_t, size_t > column_of_;  //!< feedback source node id -> index (sparse ids)
    //! The same as a table from ``first_source_`` on, where the ids lie close together (the units
    //! above are one population): one load per spike instead of a walk through a tree. Neurons with
    //! the same sources (a whole lower layer) share one table, which then stays in the cache: a
    //! table per neuron cost a cache miss per spike and target.
    std::shared_ptr< const std::vector< long > > column_table_;
    size_t first_source_;
  };

  double
  get_v_() const
  {
    return S_.v_;
  }
  double
  get_u_() const
  {
    return S_.u_;
  }
  double
  get_basal_() const
  {
    return S_.basal_;
  }

  Parameters_ P_;
  State_ S_;
  Variables_ V_;
  Buffers_ B_;

  static nest::RecordablesMap< rdd_neuron > recordablesMap_;
};

inline size_t
rdd_neuron::send_test_event( nest::Node& target, size_t receptor_type, nest::synindex, bool )
{
  nest::SpikeEvent e;
  e.set_sender( *this );
  return target.handles_test_event( e, receptor_type );
}

inline size_t
rdd_neuron::handles_test_event( nest::SpikeEvent&, size_t receptor_type )
{
  if ( receptor_type != DRIVE and receptor_type != FEEDBACK )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return receptor_type;
}

inline size_t
rdd_neuron::handles_test_event( nest::DataLoggingRequest& dlr, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return B_.logger_.connect_logging_device( dlr, recordablesMap_ );
}

}  // namespace salnest

#endif /* #ifndef SALNEST_RDD_NEURON_H */
