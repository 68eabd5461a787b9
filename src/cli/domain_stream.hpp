// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Printing the domains of enable, disable and revert as each is done: in selection order per
// host (a reorder buffer holds those that finish early), a progress line on a terminal's
// stderr, failures mirrored to stderr, and --json-lines records as they come.

#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/domain_report.hpp"
#include "virtnest/live/run_observer.hpp"

#include <cstddef>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace virtnest {

// How a DomainStream prints.
struct StreamStyle {
    OutputOptions output;     // format and command
    ReportStyle report;       // how a text block is worded (verb, quiet, diff)
    bool text_to_out = false; // print each text block on stdout (a single-host text run)
    bool progress = false;    // draw the progress line (stderr is a terminal)
    bool name_hosts = false;  // several hosts: a failure mirrored to stderr names its host
};

// Receives the finished domains of every host of a run, from the hosts' threads, and prints
// them in selection order per host. One per run; observer_for() gives each host its observer.
class DomainStream {
  public:
    DomainStream(std::ostream& out, std::ostream& err, StreamStyle style);

    // The observer of one host's run: stop requests go to `inner`, finished domains here.
    class HostObserver : public RunObserver {
      public:
        HostObserver(DomainStream& stream, RunObserver& inner, std::string uri)
            : m_stream(stream), m_inner(inner), m_uri(std::move(uri)) {}
        void before_define(const Domain& domain) override { m_inner.before_define(domain); }
        std::string stop_requested() override { return m_inner.stop_requested(); }
        void on_domain_done(std::size_t index, std::size_t total,
                            const DomainOutcome& outcome) override {
            m_stream.done(m_uri, index, total, outcome);
        }

      private:
        DomainStream& m_stream;
        RunObserver& m_inner;
        std::string m_uri;
    };

    // Take one finished domain of host `uri`; print it and every held one that now follows
    // in order. Safe to call from several threads.
    void done(const std::string& uri, std::size_t index, std::size_t total,
              const DomainOutcome& outcome);

    // Erase the progress line, if one is drawn.
    void finish();

  private:
    struct HostQueue {
        std::size_t next = 0;                         // index of the next domain to print
        std::size_t total = 0;                        // the host's selection
        std::map<std::size_t, DomainOutcome> waiting; // done out of order
    };
    void print(const std::string& uri, const DomainOutcome& outcome);
    void draw_progress(const DomainOutcome& last);
    void clear_progress();

    std::ostream& m_out;
    std::ostream& m_err;
    StreamStyle m_style;
    std::mutex m_mutex;
    std::map<std::string, HostQueue> m_hosts;
    std::size_t m_done = 0;
    bool m_progress_drawn = false;
};

// Return true when standard error is a terminal (where the progress line is drawn).
bool stderr_is_terminal() noexcept;

} // namespace virtnest
