// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Text as a terminal shows it: control characters made visible, and the number of columns
// a string takes. Pure; no locale needed.

#include <cstddef>
#include <string>
#include <string_view>

namespace virtnest {

// Return `text` with every byte a terminal would act on instead of showing escaped:
// C0 controls and DEL as `\n`, `\r`, `\t`, `\e` or `\xNN`, C1 controls (U+0080..U+009F) as
// `\u0085`, and bytes that are not valid UTF-8 as `\xNN`; a backslash stays as it is. A
// carriage return in a name can then no longer overwrite a table row.
std::string escape_control(std::string_view text);

// Return the columns `text` (UTF-8, already escaped) takes on a terminal: 0 for combining
// marks and zero-width characters, 2 for East Asian wide and emoji, 1 otherwise; an invalid
// byte counts 1.
std::size_t display_width(std::string_view text);

} // namespace virtnest
