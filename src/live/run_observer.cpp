// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/run_observer.hpp"

namespace virtnest {

RunObserver& no_observer() noexcept {
    // Stateless, so one instance serves every thread.
    static RunObserver none;
    return none;
}

} // namespace virtnest
