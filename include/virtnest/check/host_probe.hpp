// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a machine says about hardware virtualization, read from /proc, /sys, /dev and
// /etc through a root directory (the running system, a mounted image or a fixture tree).

#include "virtnest/util/rooted_fs.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Read-only access to a machine's files by absolute path ("/proc/cpuinfo").
class HostFiles {
  public:
    virtual ~HostFiles() = default;
    // Return the file's content; nullopt when it is missing or unreadable.
    virtual std::optional<std::string> read(const std::string& path) const = 0;
    // Return the names of a directory's entries, sorted; empty when it is missing.
    virtual std::vector<std::string> list(const std::string& dir) const = 0;
    // Return true when the path exists (file, directory or device).
    virtual bool exists(const std::string& path) const = 0;
    // Open a device read-write as QEMU would; return nullopt on success, else the reason.
    virtual std::optional<std::string> open_device(const std::string& path) const = 0;
};

// HostFiles over a real directory tree: "/proc/cpuinfo" reads `<root>/proc/cpuinfo`. The
// tree may be hostile (a mounted image): every path is resolved inside it, only regular
// files of at most k_max_host_file bytes are read, and nothing is opened but to read.
class RootedHostFiles : public HostFiles {
  public:
    // Read below `root` ("/" for the running system).
    explicit RootedHostFiles(const std::filesystem::path& root);
    std::optional<std::string> read(const std::string& path) const override;
    std::vector<std::string> list(const std::string& dir) const override;
    bool exists(const std::string& path) const override;
    // Only under the running system's "/", and only a character device, is opened (and
    // asked KVM_GET_API_VERSION). Under another root nothing is opened: a character device
    // or a regular file (a fixture tree's stand-in) counts as present, anything else not.
    std::optional<std::string> open_device(const std::string& path) const override;

  private:
    RootedFs m_fs;
};

// The largest file RootedHostFiles reads (a 1024-CPU /proc/cpuinfo fits).
inline constexpr std::size_t k_max_host_file = std::size_t{8} << 20;

// The longest module parameter value the probe keeps; a longer value, or one with
// non-printable bytes, is not a parameter's and is treated as unreadable, never shown.
inline constexpr std::size_t k_max_param_value = 64;

// The CPU family as far as nesting cares.
enum class Platform { intel, amd, ibm_z, arm, power, unknown };

// Return "Intel", "AMD", "IBM Z", "ARM", "POWER" or "unknown".
std::string_view to_string(Platform platform) noexcept;

// POWER's machine-wide /proc/cpuinfo lines, which follow the processor blocks; empty
// elsewhere.
struct PowerMachine {
    std::string platform; // "PowerNV" (bare metal), "pSeries" (an LPAR or a KVM guest)
    std::string model;    // "9006-22P", "IBM,9080-HEX", "IBM pSeries (emulated by qemu)"
    std::string machine;  // "PowerNV 9006-22P", "CHRP IBM,9080-HEX"
    std::string mmu;      // "Radix" or "Hash"
};

// What /proc/cpuinfo says about the first CPU.
struct CpuInfo {
    Platform platform = Platform::unknown;
    std::string vendor_id;           // "GenuineIntel", "AuthenticAMD", "IBM/S390", ...
    std::string model_name;          // "AMD EPYC", "Intel(R) Xeon(R) ..."; empty when not given
    std::set<std::string> flags;     // x86 "flags", s390 "features", ARM "Features"
    std::set<std::string> vmx_flags; // Intel "vmx flags" (ept, shadow_vmcs, ...) on kernels >= 5.9
    PowerMachine power;              // POWER only
};

// Parse /proc/cpuinfo text (x86, s390x, aarch64, ppc64 layouts). Pure.
CpuInfo parse_cpuinfo(std::string_view text);

// One kernel module under /sys/module.
struct KvmModule {
    std::string name;                          // "kvm_intel", "kvm_amd", "kvm", "kvm_pvm"
    std::map<std::string, std::string> params; // parameters/<name> -> trimmed value
    bool built_in = false;                     // no refcnt: part of the kernel image
    std::optional<int> refcnt;                 // users: one per running KVM guest, among others
    std::vector<std::string> holders;          // modules that use this one
};

// One modprobe configuration file, already chosen by modprobe's precedence rules.
struct ConfFile {
    std::string path; // absolute, e.g. "/etc/modprobe.d/kvm.conf"
    std::string content;
};

// Everything the readiness verdict needs to know about one machine.
struct HostFacts {
    bool cpuinfo_readable = false;
    bool cpuinfo_exists = false; // present though perhaps unreadable (not a Linux root)
    CpuInfo cpu;
    std::string sysinfo_level;      // IBM Z /proc/sysinfo: "VM" when a guest, "LPAR"
    std::vector<KvmModule> modules; // loaded modules named kvm or kvm_*
    bool kvm_device_present = false;
    std::optional<std::string> kvm_device_error;        // why /dev/kvm cannot be opened
    std::vector<ConfFile> modprobe_files;               // effective *.conf files, modprobe's order
    std::vector<std::string> unreadable_modprobe_files; // effective files that could not be read
    std::string kernel_cmdline;                         // /proc/cmdline
    std::string kernel_release; // /proc/sys/kernel/osrelease, e.g. "6.1.0-18"
    // Who made the machine, from /sys/class/dmi/id (empty when missing): inside a VM these
    // name its hypervisor ("VMware, Inc.", "Microsoft Corporation", "Google", "QEMU").
    std::string dmi_sys_vendor;
    std::string dmi_product_name;
    std::string dmi_bios_vendor;
    std::string dmi_bios_version;
    std::string dmi_chassis_asset_tag; // Azure VMs carry a fixed tag here
    std::string hypervisor_type;       // /sys/hypervisor/type: "xen" under Xen
    // QEMU's version as libvirt reports it ("7.2.0"), set by the caller when it asked
    // libvirt; empty when unknown. Not a file: probe_host leaves it empty.
    std::string qemu_version;
};

// Return the loaded module called `name`; nullptr when it is not loaded.
const KvmModule* find_module(const HostFacts& facts, std::string_view name);

// Return true when this machine is itself a virtual machine (x86 `hypervisor` flag, an
// IBM Z guest level in /proc/sysinfo, or a POWER pSeries partition: a PowerVM LPAR or a
// KVM guest).
bool is_virtual_machine(const HostFacts& facts);

// Return true when this POWER machine is a KVM (QEMU) pseries guest: cpuinfo's model or
// machine says "emulated by qemu".
bool is_power_kvm_guest(const CpuInfo& cpu);

// Return true when this POWER machine is a PowerVM LPAR: a pSeries partition that is not a
// KVM guest.
bool is_powervm_lpar(const CpuInfo& cpu);

// Read every fact through `files`. Missing files are facts too, never errors.
HostFacts probe_host(const HostFiles& files);

// Return the modprobe.d files modprobe would read, in its order: for each file name the
// first of /etc, /run, /usr/local/lib, /usr/lib, /lib wins; then sorted by file name.
// The paths of files listed but unreadable go to `unreadable` when given.
std::vector<ConfFile> read_modprobe_files(const HostFiles& files,
                                          std::vector<std::string>* unreadable = nullptr);

} // namespace virtnest
