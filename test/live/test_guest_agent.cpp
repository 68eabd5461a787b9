// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/guest_agent.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using virtnest::AgentChannel;
using virtnest::Answer;
using virtnest::NestFeature;

namespace {

std::string live_with_channel(const std::string& target) {
    return "<domain type='qemu'><name>g</name><devices><channel type='unix'><source "
           "mode='bind'/>" +
           target + "</channel></devices></domain>";
}

// A /proc/cpuinfo of two processors; the second one's flags must not count.
std::string cpuinfo(const std::string& flags, const std::string& vmx_flags = {}) {
    std::string text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: " + flags + "\n";
    if (!vmx_flags.empty()) {
        text += "vmx flags\t: " + vmx_flags + "\n";
    }
    return text + "bogomips\t: 4000.00\n\nprocessor\t: 1\nflags\t\t: fpu svm npt vmx ept\n\n";
}

constexpr const char* k_modules = "kvm_amd 155648 0 - Live 0x0000000000000000\n"
                                  "kvm 1142784 1 kvm_amd, Live 0x0000000000000000\n";
constexpr const char* k_misc = "229 fuse\n232 kvm\n 1 psaux\n";

} // namespace

TEST_CASE("guest_agent: the agent channel in the live XML", "[guest_agent]") {
    CHECK(virtnest::agent_channel(live_with_channel(
              "<target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>")) ==
          AgentChannel::connected);
    CHECK(virtnest::agent_channel(live_with_channel(
              "<target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>")) ==
          AgentChannel::disconnected);
    CHECK(virtnest::agent_channel(
              live_with_channel("<target type='virtio' name='org.qemu.guest_agent.0'/>")) ==
          AgentChannel::disconnected);
    CHECK(virtnest::agent_channel(live_with_channel(
              "<target type='virtio' name='org.libguestfs.channel.0' state='connected'/>")) ==
          AgentChannel::none);
    CHECK(virtnest::agent_channel("<domain><name>g</name></domain>") == AgentChannel::none);
    CHECK(virtnest::agent_channel("not xml") == AgentChannel::none);
}

TEST_CASE("guest_agent: file commands and their replies", "[guest_agent]") {
    auto open = nlohmann::json::parse(virtnest::agent_file_open_command("/proc/cpuinfo"));
    CHECK(open["execute"] == "guest-file-open");
    CHECK(open["arguments"]["path"] == "/proc/cpuinfo");
    CHECK(open["arguments"]["mode"] == "r");
    auto read = nlohmann::json::parse(virtnest::agent_file_read_command(1000, 65536));
    CHECK(read["execute"] == "guest-file-read");
    CHECK(read["arguments"]["handle"] == 1000);
    CHECK(read["arguments"]["count"] == 65536);
    auto close = nlohmann::json::parse(virtnest::agent_file_close_command(1000));
    CHECK(close["execute"] == "guest-file-close");
    CHECK(close["arguments"]["handle"] == 1000);

    CHECK(virtnest::parse_agent_handle(R"({"return": 1000})") == 1000);
    CHECK_THROWS_AS(virtnest::parse_agent_handle(R"({"return": {}})"), virtnest::Error);
    CHECK_THROWS_AS(virtnest::parse_agent_handle("garbage"), virtnest::Error);

    auto chunk = virtnest::parse_agent_read(
        R"({"return": {"count": 5, "buf-b64": "c3ZtCg==", "eof": true}})");
    CHECK(chunk.data == "svm\n");
    CHECK(chunk.eof);
    CHECK_FALSE(virtnest::parse_agent_read(R"({"return": {"count": 0, "buf-b64": ""}})").eof);
    CHECK_THROWS_AS(virtnest::parse_agent_read(R"({"return": {"count": 1}})"), virtnest::Error);
}

TEST_CASE("guest_agent: base64", "[guest_agent]") {
    CHECK(virtnest::decode_base64("") == "");
    CHECK(virtnest::decode_base64("Zg==") == "f");
    CHECK(virtnest::decode_base64("Zm8=") == "fo");
    CHECK(virtnest::decode_base64("Zm9v") == "foo");
    CHECK(virtnest::decode_base64("Zm9vYg") == "foob"); // padding optional
    CHECK(virtnest::decode_base64("+/8=") == std::string("\xfb\xff"));
    CHECK_THROWS_WITH(virtnest::decode_base64("Zm9v\nYg=="), "not base64: a '\n' at offset 4");
    CHECK_THROWS_AS(virtnest::decode_base64("Zg=a"), virtnest::Error);
}

TEST_CASE("guest_agent: what the guest's files say", "[guest_agent]") {
    SECTION("svm and npt, kvm_amd loaded, /dev/kvm registered") {
        auto guest = virtnest::guest_kvm_from_files(cpuinfo("fpu svm npt lbrv"), k_modules, k_misc,
                                                    NestFeature::svm);
        CHECK(guest.cpu.virt == Answer::yes);
        CHECK(guest.cpu.slat == Answer::yes);
        CHECK(guest.cpu.source == "guest agent");
        CHECK(guest.cpu.detail == "the guest's /proc/cpuinfo lists svm, lists npt");
        CHECK(guest.module == Answer::yes);
        CHECK(guest.dev_kvm == Answer::yes);
        CHECK(virtnest::describe_guest_kvm(guest) == "kvm_amd loaded, /dev/kvm present");
    }
    SECTION("no svm: only the first processor's flags count") {
        auto guest =
            virtnest::guest_kvm_from_files(cpuinfo("fpu sse2"), "", "229 fuse\n", NestFeature::svm);
        CHECK(guest.cpu.virt == Answer::no);
        CHECK(guest.cpu.slat == Answer::no);
        CHECK(guest.module == Answer::unknown); // /proc/modules not read
        CHECK(guest.dev_kvm == Answer::no);
        CHECK(virtnest::describe_guest_kvm(guest) == "kvm_amd unknown, /dev/kvm absent");
    }
    SECTION("vmx with ept in the 'vmx flags' line; the module not loaded yet") {
        auto guest =
            virtnest::guest_kvm_from_files(cpuinfo("fpu vmx", "vnmi ept vpid"),
                                           "fuse 1 0 - Live 0x0\n", "229 fuse\n", NestFeature::vmx);
        CHECK(guest.cpu.virt == Answer::yes);
        CHECK(guest.cpu.slat == Answer::yes);
        CHECK(guest.module == Answer::no);
        CHECK(guest.dev_kvm == Answer::no);
        CHECK(virtnest::describe_guest_kvm(guest) ==
              "kvm_intel not loaded, /dev/kvm absent; inside the guest: `modprobe kvm_intel`");
    }
    SECTION("KVM built into the guest's kernel: /proc/misc tells") {
        auto guest = virtnest::guest_kvm_from_files(cpuinfo("vmx ept"), "fuse 1 0 - Live 0x0\n",
                                                    k_misc, NestFeature::vmx);
        CHECK(guest.module == Answer::yes);
        CHECK(guest.dev_kvm == Answer::yes);
    }
    SECTION("an unreadable /proc/cpuinfo is unknown") {
        auto guest = virtnest::guest_kvm_from_files("", "", "", NestFeature::svm);
        CHECK(guest.cpu.virt == Answer::unknown);
        CHECK(guest.cpu.detail == "the guest's /proc/cpuinfo could not be read");
        CHECK(guest.module == Answer::unknown);
        CHECK(guest.dev_kvm == Answer::unknown);
    }
}
