// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/guest_agent.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/util/text.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <array>
#include <set>
#include <sstream>

namespace virtnest {
namespace {

nlohmann::json parse_reply(std::string_view reply, std::string_view command) {
    nlohmann::json doc = nlohmann::json::parse(reply, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("return")) {
        throw Error("the guest agent's reply to " + std::string(command) +
                    " is not one: " + std::string(reply.substr(0, 200)));
    }
    return doc["return"];
}

// The words of the /proc/cpuinfo lines named `key` ("flags", "vmx flags"), first CPU only.
std::set<std::string> cpuinfo_words(std::string_view cpuinfo, std::string_view key) {
    std::set<std::string> words;
    for (const std::string& line : split_lines(cpuinfo)) {
        if (line.empty()) {
            break; // the first processor's block ends
        }
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        std::string name = line.substr(0, colon);
        name.erase(name.find_last_not_of(" \t") + 1);
        if (name != key) {
            continue;
        }
        std::istringstream in(line.substr(colon + 1));
        for (std::string word; in >> word;) {
            words.insert(word);
        }
    }
    return words;
}

bool lists_module(std::string_view modules, std::string_view name) {
    for (const std::string& line : split_lines(modules)) {
        if (line.rfind(std::string(name) + ' ', 0) == 0) {
            return true;
        }
    }
    return false;
}

// /proc/misc: "232 kvm" once KVM registered its device.
bool lists_misc_kvm(std::string_view misc) {
    for (const std::string& line : split_lines(misc)) {
        std::istringstream in(line);
        std::string minor;
        std::string name;
        if (in >> minor >> name && name == "kvm") {
            return true;
        }
    }
    return false;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

} // namespace

AgentChannel agent_channel(std::string_view live_xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(live_xml.data(), live_xml.size())) {
        return AgentChannel::none;
    }
    for (pugi::xml_node channel : doc.document_element().child("devices").children("channel")) {
        pugi::xml_node target = channel.child("target");
        if (std::string_view(target.attribute("type").value()) != "virtio" ||
            target.attribute("name").value() != k_agent_channel) {
            continue;
        }
        return std::string_view(target.attribute("state").value()) == "connected"
                   ? AgentChannel::connected
                   : AgentChannel::disconnected;
    }
    return AgentChannel::none;
}

std::string agent_file_open_command(std::string_view path) {
    return nlohmann::json{{"execute", "guest-file-open"},
                          {"arguments", {{"path", std::string(path)}, {"mode", "r"}}}}
        .dump();
}

std::string agent_file_read_command(std::int64_t handle, std::size_t count) {
    return nlohmann::json{{"execute", "guest-file-read"},
                          {"arguments", {{"handle", handle}, {"count", count}}}}
        .dump();
}

std::string agent_file_close_command(std::int64_t handle) {
    return nlohmann::json{{"execute", "guest-file-close"}, {"arguments", {{"handle", handle}}}}
        .dump();
}

std::int64_t parse_agent_handle(std::string_view reply) {
    nlohmann::json value = parse_reply(reply, "guest-file-open");
    if (!value.is_number_integer()) {
        throw Error("the guest agent's reply to guest-file-open has no handle: " +
                    std::string(reply.substr(0, 200)));
    }
    return value.get<std::int64_t>();
}

AgentChunk parse_agent_read(std::string_view reply) {
    nlohmann::json value = parse_reply(reply, "guest-file-read");
    if (!value.is_object() || !value.contains("buf-b64") || !value["buf-b64"].is_string()) {
        throw Error("the guest agent's reply to guest-file-read has no data: " +
                    std::string(reply.substr(0, 200)));
    }
    AgentChunk chunk;
    chunk.data = decode_base64(value["buf-b64"].get<std::string>());
    chunk.eof = value.value("eof", false);
    return chunk;
}

std::string decode_base64(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3);
    unsigned int bits = 0;
    int count = 0;
    std::size_t end = text.size();
    while (end > 0 && text[end - 1] == '=' && text.size() - end < 2) {
        --end;
    }
    for (std::size_t i = 0; i < end; ++i) {
        int value = base64_value(text[i]);
        if (value < 0) {
            throw Error("not base64: a '" + std::string(1, text[i]) + "' at offset " +
                        std::to_string(i));
        }
        bits = (bits << 6U) | static_cast<unsigned int>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> static_cast<unsigned int>(count)) & 0xFFU);
        }
    }
    return out;
}

GuestKvm guest_kvm_from_files(std::string_view cpuinfo, std::string_view modules,
                              std::string_view misc, NestFeature feature) {
    GuestKvm guest;
    const bool amd = feature == NestFeature::svm;
    const std::string virt(to_string(feature));
    const std::string slat = amd ? "npt" : "ept";
    guest.module_name = amd ? "kvm_amd" : "kvm_intel";
    guest.cpu.source = "guest agent";
    if (cpuinfo.empty()) {
        guest.cpu.detail = "the guest's /proc/cpuinfo could not be read";
    } else {
        std::set<std::string> flags = cpuinfo_words(cpuinfo, "flags");
        const std::set<std::string> vmx_flags = cpuinfo_words(cpuinfo, "vmx flags");
        flags.insert(vmx_flags.begin(), vmx_flags.end());
        guest.cpu.virt = flags.count(virt) != 0U ? Answer::yes : Answer::no;
        guest.cpu.slat = flags.count(slat) != 0U ? Answer::yes : Answer::no;
        guest.cpu.detail = "the guest's /proc/cpuinfo " +
                           std::string(guest.cpu.virt == Answer::yes ? "lists " : "lacks ") + virt +
                           ", " + (guest.cpu.slat == Answer::yes ? "lists " : "lacks ") + slat;
    }
    const bool registered = !misc.empty() && lists_misc_kvm(misc);
    if (!misc.empty()) {
        guest.dev_kvm = registered ? Answer::yes : Answer::no;
    }
    if (!modules.empty()) {
        guest.module =
            lists_module(modules, guest.module_name) || registered ? Answer::yes : Answer::no;
    } else if (registered) {
        guest.module = Answer::yes;
    }
    return guest;
}

std::string describe_guest_kvm(const GuestKvm& guest) {
    std::string module = guest.module_name;
    switch (guest.module) {
    case Answer::yes: module += " loaded"; break;
    case Answer::no: module += " not loaded"; break;
    case Answer::unknown: module += " unknown"; break;
    }
    std::string dev = "/dev/kvm ";
    switch (guest.dev_kvm) {
    case Answer::yes: dev += "present"; break;
    case Answer::no: dev += "absent"; break;
    case Answer::unknown: dev += "unknown"; break;
    }
    std::string text = module + ", " + dev;
    if (guest.cpu.virt == Answer::yes && guest.module == Answer::no) {
        text += "; inside the guest: `modprobe " + guest.module_name + "`";
    }
    return text;
}

} // namespace virtnest
