// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the modprobe.d parser: any file content, as any of modprobe's
// directories and beside a kernel command line, is parsed and planned without crashing;
// failures are virtnest::Error. The first byte chooses the directory and the module.
#include "virtnest/check/modprobe_conf.hpp"
#include "virtnest/util/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    constexpr std::array<const char*, 3> k_dirs{"/etc/modprobe.d", "/usr/lib/modprobe.d",
                                                "/run/modprobe.d"};
    constexpr std::array<const char*, 4> k_modules{"kvm_amd", "kvm_intel", "kvm", "kvm_hv"};
    const char* dir = k_dirs[data[0] % k_dirs.size()];
    const std::string module = k_modules[(data[0] >> 2U) % k_modules.size()];
    std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
    // Half the input also stands in for /proc/cmdline.
    const std::string cmdline = (data[0] & 0x80U) != 0 ? content : std::string();
    std::vector<virtnest::ConfFile> files{{std::string(dir) + "/kvm.conf", content}};
    try {
        (void)virtnest::parse_module_options(files.front());
        (void)virtnest::effective_option(files, cmdline, module, "nested");
        (void)virtnest::module_blocks(files, module);
        (void)virtnest::plan_persistent_options(files, cmdline, module,
                                                {{"nested", true, true}, {"hpage", false, false}});
    } catch (const virtnest::Error&) {
        return 0; // refused with a message
    }
    return 0;
}
