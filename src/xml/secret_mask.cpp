// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/secret_mask.hpp"

#include <vector>

namespace virtnest {
namespace {

constexpr std::string_view k_mask = "***";
constexpr std::string_view k_changed_mask = "***(changed)";

// libvirt prints these only with VIR_DOMAIN_XML_SECURE (virDomainGraphicsAuthDefFormatAttr,
// virDomainDiskSourceFormatNetworkCookies); everything else in domain XML is a reference
// to a secret object, not the secret itself.
bool is_secret_attribute(std::string_view element, std::string_view attribute) {
    return element == "graphics" && attribute == "passwd";
}

bool is_secret_text(const std::vector<std::string>& stack) {
    return stack.size() >= 2 && stack.back() == "cookie" && stack[stack.size() - 2] == "cookies";
}

bool is_name_char(char c) {
    return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '>' && c != '/' && c != '=' &&
           c != '<';
}

// A tiny scanner over the raw text: it must keep every byte it does not mask, so it cannot
// go through a DOM. Malformed input is copied as far as it can be understood.
class Masker {
  public:
    // With `reference`, the secrets of another document: a secret that differs from the one
    // in the same place there is masked as changed.
    explicit Masker(std::string_view text, const std::vector<std::string>* reference = nullptr)
        : m_text(text), m_reference(reference) {
        m_out.reserve(text.size());
    }

    // The secrets seen, in document order.
    const std::vector<std::string>& secrets() const { return m_secrets; }

    std::string run() {
        while (m_pos < m_text.size()) {
            if (m_text[m_pos] == '<') {
                markup();
            } else {
                text();
            }
        }
        return std::move(m_out);
    }

  private:
    void copy_until(std::string_view end) {
        std::size_t stop = m_text.find(end, m_pos);
        stop = stop == std::string_view::npos ? m_text.size() : stop + end.size();
        m_out.append(m_text.substr(m_pos, stop - m_pos));
        m_pos = stop;
    }

    void text() {
        std::size_t stop = m_text.find('<', m_pos);
        if (stop == std::string_view::npos) {
            stop = m_text.size();
        }
        std::string_view content = m_text.substr(m_pos, stop - m_pos);
        bool blank = content.find_first_not_of(" \t\r\n") == std::string_view::npos;
        if (is_secret_text(m_stack) && !blank) {
            hide(content);
        } else {
            m_out.append(content);
        }
        m_pos = stop;
    }

    void markup() {
        std::string_view rest = m_text.substr(m_pos);
        if (rest.starts_with("<!--")) {
            copy_until("-->");
        } else if (rest.starts_with("<![CDATA[")) {
            if (is_secret_text(m_stack)) {
                std::size_t stop = m_text.find("]]>", m_pos);
                const std::size_t end = stop == std::string_view::npos ? m_text.size() : stop;
                hide(m_text.substr(m_pos, end - m_pos));
                m_pos = stop == std::string_view::npos ? m_text.size() : stop + 3;
            } else {
                copy_until("]]>");
            }
        } else if (rest.starts_with("<?")) {
            copy_until("?>");
        } else if (rest.starts_with("<!")) {
            copy_until(">");
        } else if (rest.starts_with("</")) {
            if (!m_stack.empty()) {
                m_stack.pop_back();
            }
            copy_until(">");
        } else {
            start_tag();
        }
    }

    std::string_view name() {
        std::size_t start = m_pos;
        while (m_pos < m_text.size() && is_name_char(m_text[m_pos])) {
            ++m_pos;
        }
        return m_text.substr(start, m_pos - start);
    }

    void start_tag() {
        m_out += '<';
        ++m_pos;
        std::string_view element = name();
        m_out.append(element);
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos];
            if (c == '>' || (c == '/' && m_text.substr(m_pos).starts_with("/>"))) {
                bool empty = c == '/';
                m_out.append(empty ? "/>" : ">");
                m_pos += empty ? 2 : 1;
                if (!empty) {
                    m_stack.emplace_back(element);
                }
                return;
            }
            if (c == '<') {
                return; // unterminated tag: let the main loop take it from here
            }
            if (!is_name_char(c)) {
                m_out += c;
                ++m_pos;
                continue;
            }
            attribute(element);
        }
    }

    void attribute(std::string_view element) {
        std::string_view attr = name();
        m_out.append(attr);
        while (m_pos < m_text.size() && m_text[m_pos] != '\'' && m_text[m_pos] != '"' &&
               m_text[m_pos] != '>' && m_text[m_pos] != '<' &&
               (m_text[m_pos] == '=' || !is_name_char(m_text[m_pos]))) {
            m_out += m_text[m_pos++];
        }
        if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"')) {
            return;
        }
        char quote = m_text[m_pos];
        std::size_t close = m_text.find(quote, m_pos + 1);
        if (close == std::string_view::npos) {
            close = m_text.size();
        }
        m_out += quote;
        if (is_secret_attribute(element, attr)) {
            hide(m_text.substr(m_pos + 1, close - m_pos - 1));
        } else {
            m_out.append(m_text.substr(m_pos + 1, close - m_pos - 1));
        }
        if (close < m_text.size()) {
            m_out += quote;
        }
        m_pos = close < m_text.size() ? close + 1 : close;
    }

    // Write the mask for `secret` and remember it.
    void hide(std::string_view secret) {
        const std::size_t index = m_secrets.size();
        m_secrets.emplace_back(secret);
        const bool changed = m_reference != nullptr &&
                             (index >= m_reference->size() || (*m_reference)[index] != secret);
        m_out.append(changed ? k_changed_mask : k_mask);
    }

    std::string_view m_text;
    const std::vector<std::string>* m_reference;
    std::vector<std::string> m_secrets;
    std::size_t m_pos = 0;
    std::string m_out;
    std::vector<std::string> m_stack;
};

} // namespace

std::string mask_secrets(std::string_view domain_xml) { return Masker(domain_xml).run(); }

MaskedPair mask_secrets_pair(std::string_view before, std::string_view after) {
    Masker first(before);
    MaskedPair pair;
    pair.before = first.run();
    pair.after = Masker(after, &first.secrets()).run();
    return pair;
}

} // namespace virtnest
