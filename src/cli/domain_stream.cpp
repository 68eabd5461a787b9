// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/domain_stream.hpp"

#include "virtnest/fleet/fleet_report.hpp"

#include <ostream>
#include <unistd.h>

namespace virtnest {

DomainStream::DomainStream(std::ostream& out, std::ostream& err, StreamStyle style)
    : m_out(out), m_err(err), m_style(std::move(style)) {}

void DomainStream::done(const std::string& uri, std::size_t index, std::size_t total,
                        const DomainOutcome& outcome) {
    std::lock_guard lock(m_mutex);
    HostQueue& queue = m_hosts[uri];
    queue.total = total;
    queue.waiting.emplace(index, outcome);
    // The engine finishes domains out of order but never more than its window ahead, which
    // bounds what waits here.
    for (auto it = queue.waiting.find(queue.next); it != queue.waiting.end();
         it = queue.waiting.find(queue.next)) {
        ++m_done;
        print(uri, it->second);
        queue.waiting.erase(it);
        ++queue.next;
    }
}

void DomainStream::print(const std::string& uri, const DomainOutcome& outcome) {
    clear_progress();
    if (m_style.output.format == OutputFormat::json_lines) {
        m_out << dump_json(
            domain_line(m_style.output.command, outcome_json(outcome, m_style.report), uri), -1);
    } else if (m_style.text_to_out) {
        m_out << render_outcome_text(outcome, m_style.report);
    }
    m_out.flush();
    if (outcome.action == Action::failed) {
        // Mirrored, so a failure is seen even when stdout goes to a file or a parser.
        // One write: the runner may write to stderr meanwhile from another thread.
        m_err << ("virt-nest: " + (m_style.name_hosts ? shown_uri(uri) + ": " : std::string()) +
                  outcome.name + ": failed: " + outcome.reason + "\n");
    }
    draw_progress(outcome);
}

void DomainStream::draw_progress(const DomainOutcome& last) {
    if (!m_style.progress) {
        return;
    }
    std::size_t total = 0;
    for (const auto& [uri, queue] : m_hosts) {
        total += queue.total;
    }
    m_err << ("\r\033[K[" + std::to_string(m_done) + '/' + std::to_string(total) + "] " +
              std::string(m_style.report.verb) + ' ' + last.name)
          << std::flush;
    m_progress_drawn = true;
}

void DomainStream::clear_progress() {
    if (m_progress_drawn) {
        m_err << "\r\033[K" << std::flush;
        m_progress_drawn = false;
    }
}

void DomainStream::finish() {
    std::lock_guard lock(m_mutex);
    clear_progress();
}

bool stderr_is_terminal() noexcept { return isatty(STDERR_FILENO) == 1; }

} // namespace virtnest
