// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/host_probe.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

std::string trim(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::set<std::string> split_words(std::string_view text) {
    std::set<std::string> words;
    std::istringstream in{std::string(text)};
    std::string word;
    while (in >> word) {
        words.insert(word);
    }
    return words;
}

Platform platform_of(const std::string& vendor_id, const std::map<std::string, std::string>& kv) {
    if (vendor_id == "GenuineIntel") {
        return Platform::intel;
    }
    // Hygon Dhyana is a licensed AMD Zen: svm and kvm_amd.
    if (vendor_id == "AuthenticAMD" || vendor_id == "HygonGenuine") {
        return Platform::amd;
    }
    if (vendor_id.rfind("IBM/S390", 0) == 0) {
        return Platform::ibm_z;
    }
    if (kv.count("CPU implementer") != 0U) {
        return Platform::arm;
    }
    auto cpu = kv.find("cpu");
    if (cpu != kv.end() && cpu->second.rfind("POWER", 0) == 0) {
        return Platform::power;
    }
    return Platform::unknown;
}

// A module parameter's value is a short word ("Y", "1", "auto"); anything else is not one,
// and must not be echoed (it may be another file's content).
bool is_short_printable(std::string_view value) {
    return value.size() <= k_max_param_value &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool is_kvm_module_name(const std::string& name) {
    return name == "kvm" || name.rfind("kvm_", 0) == 0;
}

} // namespace

std::string_view to_string(Platform platform) noexcept {
    switch (platform) {
    case Platform::intel: return "Intel";
    case Platform::amd: return "AMD";
    case Platform::ibm_z: return "IBM Z";
    case Platform::arm: return "ARM";
    case Platform::power: return "POWER";
    case Platform::unknown: return "unknown";
    }
    return "unknown";
}

CpuInfo parse_cpuinfo(std::string_view text) {
    // Only the first processor block matters; later blocks repeat it (and on s390x the
    // per-CPU lines come after the machine-wide ones we want). POWER's machine-wide lines
    // come after the last block, so those few keys are read to the end.
    static const std::set<std::string> k_power_machine_keys{"platform", "model", "machine", "MMU"};
    std::map<std::string, std::string> kv;
    std::istringstream in{std::string(text)};
    std::string line;
    bool seen_processor = false;
    bool first_block = true;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        std::string key = trim(std::string_view(line).substr(0, colon));
        std::string value = trim(std::string_view(line).substr(colon + 1));
        if (key == "processor") {
            first_block = first_block && !seen_processor;
            seen_processor = true;
        }
        if (first_block || k_power_machine_keys.count(key) != 0U) {
            kv.emplace(key, value);
        }
    }
    CpuInfo info;
    if (auto it = kv.find("vendor_id"); it != kv.end()) {
        info.vendor_id = it->second;
    }
    if (auto it = kv.find("model name"); it != kv.end()) {
        info.model_name = it->second;
    } else if (auto cpu = kv.find("cpu"); cpu != kv.end()) {
        info.model_name = cpu->second;
    }
    for (const char* key : {"flags", "features", "Features"}) {
        if (auto it = kv.find(key); it != kv.end()) {
            info.flags = split_words(it->second);
            break;
        }
    }
    if (auto it = kv.find("vmx flags"); it != kv.end()) {
        info.vmx_flags = split_words(it->second);
    }
    info.platform = platform_of(info.vendor_id, kv);
    if (info.platform == Platform::power) {
        auto value_of = [&kv](const char* key) {
            auto it = kv.find(key);
            return it == kv.end() ? std::string() : it->second;
        };
        info.power = {value_of("platform"), value_of("model"), value_of("machine"),
                      value_of("MMU")};
    }
    return info;
}

// ---- RootedHostFiles ----

RootedHostFiles::RootedHostFiles(const std::filesystem::path& root) : m_fs(root) {}

std::optional<std::string> RootedHostFiles::read(const std::string& path) const {
    return m_fs.read(path, k_max_host_file).content;
}

std::vector<std::string> RootedHostFiles::list(const std::string& dir) const {
    return m_fs.list(dir);
}

bool RootedHostFiles::exists(const std::string& path) const {
    return m_fs.status(path).has_value();
}

std::optional<std::string> RootedHostFiles::open_device(const std::string& path) const {
    std::optional<struct stat> st = m_fs.status(path);
    if (!st) {
        return std::string(std::strerror(ENOENT));
    }
    if (!m_fs.is_live()) {
        // An image's device node says nothing about this machine, and opening one can act
        // (a watchdog arms); a fixture tree holds a regular file in its place.
        if (S_ISCHR(st->st_mode) || S_ISREG(st->st_mode)) {
            return std::nullopt;
        }
        return std::string("not a character device");
    }
    if (!S_ISCHR(st->st_mode)) {
        return std::string("not a character device");
    }
    UniqueFd fd(m_fs.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
        return std::string(std::strerror(-fd.release()));
    }
    struct stat opened {};
    if (::fstat(fd.get(), &opened) != 0 || !S_ISCHR(opened.st_mode)) {
        return std::string("not a character device");
    }
    int version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
    if (version < 0) {
        return std::string("KVM_GET_API_VERSION failed: ") + std::strerror(errno);
    }
    if (version != KVM_API_VERSION) {
        return "KVM API version " + std::to_string(version) + ", expected " +
               std::to_string(KVM_API_VERSION);
    }
    return std::nullopt;
}

// ---- probing ----

namespace {

// The kernel release and the names the firmware (or the hypervisor posing as one) gives.
void probe_identity(const HostFiles& files, HostFacts& facts) {
    auto read_trimmed = [&](const std::string& path) {
        std::optional<std::string> text = files.read(path);
        return text ? trim(*text) : std::string();
    };
    facts.kernel_release = read_trimmed("/proc/sys/kernel/osrelease");
    const std::string dmi = "/sys/class/dmi/id/";
    facts.dmi_sys_vendor = read_trimmed(dmi + "sys_vendor");
    facts.dmi_product_name = read_trimmed(dmi + "product_name");
    facts.dmi_bios_vendor = read_trimmed(dmi + "bios_vendor");
    facts.dmi_bios_version = read_trimmed(dmi + "bios_version");
    facts.dmi_chassis_asset_tag = read_trimmed(dmi + "chassis_asset_tag");
    facts.hypervisor_type = read_trimmed("/sys/hypervisor/type");
}

} // namespace

const KvmModule* find_module(const HostFacts& facts, std::string_view name) {
    for (const KvmModule& module : facts.modules) {
        if (module.name == name) {
            return &module;
        }
    }
    return nullptr;
}

bool is_virtual_machine(const HostFacts& facts) {
    return facts.cpu.flags.count("hypervisor") != 0U || facts.sysinfo_level == "VM" ||
           (facts.cpu.platform == Platform::power && facts.cpu.power.platform == "pSeries");
}

bool is_power_kvm_guest(const CpuInfo& cpu) {
    const std::string qemu = "emulated by qemu";
    return cpu.platform == Platform::power && (cpu.power.model.find(qemu) != std::string::npos ||
                                               cpu.power.machine.find(qemu) != std::string::npos);
}

bool is_powervm_lpar(const CpuInfo& cpu) {
    return cpu.platform == Platform::power && cpu.power.platform == "pSeries" &&
           !is_power_kvm_guest(cpu);
}

std::vector<ConfFile> read_modprobe_files(const HostFiles& files,
                                          std::vector<std::string>* unreadable) {
    static constexpr std::array<const char*, 5> k_dirs{"/etc/modprobe.d", "/run/modprobe.d",
                                                       "/usr/local/lib/modprobe.d",
                                                       "/usr/lib/modprobe.d", "/lib/modprobe.d"};
    std::map<std::string, std::string> chosen; // file name -> full path
    for (const char* dir : k_dirs) {
        for (const std::string& name : files.list(dir)) {
            if (name.size() > 5 && name.ends_with(".conf")) {
                chosen.emplace(name, std::string(dir) + "/" + name);
            }
        }
    }
    std::vector<ConfFile> result;
    for (const auto& [name, path] : chosen) {
        if (auto content = files.read(path)) {
            result.push_back({path, *content});
        } else if (unreadable != nullptr && files.exists(path)) {
            // A dangling link is skipped by modprobe too; only a file that is there counts.
            unreadable->push_back(path);
        }
    }
    return result;
}

HostFacts probe_host(const HostFiles& files) {
    HostFacts facts;
    facts.cpuinfo_exists = files.exists("/proc/cpuinfo");
    if (auto cpuinfo = files.read("/proc/cpuinfo")) {
        facts.cpuinfo_readable = true;
        facts.cpu = parse_cpuinfo(*cpuinfo);
    }
    if (auto sysinfo = files.read("/proc/sysinfo")) {
        if (sysinfo->find("\nVM00 ") != std::string::npos || sysinfo->rfind("VM00 ", 0) == 0) {
            facts.sysinfo_level = "VM";
        } else if (sysinfo->find("LPAR ") != std::string::npos) {
            facts.sysinfo_level = "LPAR";
        }
    }
    for (const std::string& name : files.list("/sys/module")) {
        if (!is_kvm_module_name(name)) {
            continue;
        }
        const std::string base = "/sys/module/" + name;
        const std::string params = base + "/parameters/";
        KvmModule module;
        module.name = name;
        for (const std::string& param : files.list(base + "/parameters")) {
            if (auto value = files.read(params + param)) {
                std::string shown = trim(*value);
                if (is_short_printable(shown)) {
                    module.params.emplace(param, std::move(shown));
                }
            }
        }
        if (auto refcnt = files.read(base + "/refcnt")) {
            try {
                module.refcnt = std::stoi(trim(*refcnt));
            } catch (const std::exception&) {
                module.refcnt.reset();
            }
        }
        module.built_in = !files.exists(base + "/refcnt") && !files.exists(base + "/initstate");
        module.holders = files.list(base + "/holders");
        facts.modules.push_back(std::move(module));
    }
    facts.kvm_device_present = files.exists("/dev/kvm");
    if (facts.kvm_device_present) {
        facts.kvm_device_error = files.open_device("/dev/kvm");
    }
    facts.modprobe_files = read_modprobe_files(files, &facts.unreadable_modprobe_files);
    if (auto cmdline = files.read("/proc/cmdline")) {
        facts.kernel_cmdline = trim(*cmdline);
    }
    probe_identity(files, facts);
    return facts;
}

} // namespace virtnest
