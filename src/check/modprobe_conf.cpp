// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/modprobe_conf.hpp"

#include "virtnest/util/text.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace virtnest {
namespace {

std::string normalize_module(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), '-', '_');
    return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) {
        out += line;
        out += '\n';
    }
    return out;
}

struct Token {
    std::string text;
    int line = 0;
};

// Split a file into modprobe statements: comments start at '#' at the start of a line,
// a trailing '\' joins the next line. Each word keeps the line it sits on.
std::vector<std::vector<Token>> statements(std::string_view content) {
    std::vector<std::vector<Token>> result;
    std::vector<Token> current;
    bool continued = false;
    int number = 0;
    for (const std::string& raw : split_lines(content)) {
        ++number;
        std::string line = raw;
        // A CRLF line end is whitespace to the kernel that reads the values.
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        auto first = line.find_first_not_of(" \t");
        if (!continued && (first == std::string::npos || line[first] == '#')) {
            continue;
        }
        bool continues = !line.empty() && line.back() == '\\';
        if (continues) {
            line.pop_back();
        }
        std::istringstream words(line);
        std::string word;
        while (words >> word) {
            current.push_back({word, number});
        }
        continued = continues;
        if (!continued && !current.empty()) {
            result.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) {
        result.push_back(std::move(current));
    }
    return result;
}

bool matches(std::optional<bool> value, bool wanted) {
    return value.has_value() && *value == wanted;
}

std::string bool_text(bool value) { return value ? "1" : "0"; }

std::string shown(const ModuleOption& option) {
    return option.value.empty() ? option.param : option.param + "=" + option.value;
}

// Return the assignment `word` of `module`, its value unquoted as the kernel does.
ModuleOption parse_assignment(const std::string& path, const Token& word,
                              const std::string& module) {
    const auto eq = word.text.find('=');
    ModuleOption option;
    option.file = path;
    option.line = word.line;
    option.module = module;
    option.param = word.text.substr(0, eq);
    option.written = word.text;
    if (eq != std::string::npos) {
        option.value = word.text.substr(eq + 1);
        if (option.value.size() >= 2 && option.value.front() == '"' && option.value.back() == '"') {
            option.value = option.value.substr(1, option.value.size() - 2);
        }
    }
    return option;
}

// Words that end the modprobe command of an install statement.
bool ends_command(const std::string& word) {
    return word == ";" || word == "&&" || word == "||" || word == "|" || word.ends_with(';');
}

std::string basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Only /etc is the administrator's and lasts: /run is cleared at boot, the rest is the
// vendor's and replaced by updates.
bool is_admin_file(std::string_view path) { return path.rfind("/etc/", 0) == 0; }

bool is_run_file(std::string_view path) { return path.rfind("/run/", 0) == 0; }

// Replace the assignment `option` in `line` by `param=value`, keeping everything else.
void replace_assignment(std::string& line, const ModuleOption& option, const std::string& value) {
    const std::string& old_text = option.written;
    std::size_t pos = 0;
    while ((pos = line.find(old_text, pos)) != std::string::npos) {
        bool starts = pos == 0 || line[pos - 1] == ' ' || line[pos - 1] == '\t';
        std::size_t end = pos + old_text.size();
        bool ends = end == line.size() || line[end] == ' ' || line[end] == '\t' ||
                    line[end] == '\\' || line[end] == '\r';
        if (starts && ends) {
            line.replace(pos, old_text.size(), option.param + "=" + value);
            return;
        }
        pos = end;
    }
}

// Return what the install statement `statement` passes to its module when its command is
// `modprobe [flags] <module> param=value ...`.
std::vector<ModuleOption> install_assignments(const std::string& path,
                                              const std::vector<Token>& statement) {
    const std::string module = normalize_module(statement[1].text);
    std::vector<ModuleOption> options;
    bool after_modprobe = false;
    bool after_module = false;
    for (std::size_t i = 2; i < statement.size(); ++i) {
        const std::string& word = statement[i].text;
        if (ends_command(word)) {
            break;
        }
        if (!after_modprobe) {
            after_modprobe = basename_of(word) == "modprobe";
        } else if (!after_module) {
            if (word.front() != '-') {
                if (normalize_module(word) != module) {
                    break; // loads another module
                }
                after_module = true;
            }
        } else if (word.front() != '$' && word.front() != '-') {
            options.push_back(parse_assignment(path, statement[i], module));
            options.back().from_install = true;
        }
    }
    return options;
}

// Return the first install statement for `module` across `files`, the one modprobe runs.
std::optional<std::pair<std::string, std::vector<Token>>>
first_install(const std::vector<ConfFile>& files, const std::string& module) {
    for (const ConfFile& file : files) {
        for (auto& statement : statements(file.content)) {
            if (statement.size() >= 3 && statement[0].text == "install" &&
                normalize_module(statement[1].text) == module) {
                return std::pair{file.path, std::move(statement)};
            }
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<ModuleOption> parse_module_options(const ConfFile& file) {
    std::vector<ModuleOption> options;
    for (const auto& statement : statements(file.content)) {
        if (statement.size() < 2 || statement[0].text != "options") {
            continue;
        }
        const std::string module = normalize_module(statement[1].text);
        for (std::size_t i = 2; i < statement.size(); ++i) {
            options.push_back(parse_assignment(file.path, statement[i], module));
        }
    }
    return options;
}

std::vector<ModuleOption> parse_install_options(const ConfFile& file) {
    std::vector<ModuleOption> options;
    for (const auto& statement : statements(file.content)) {
        if (statement.size() >= 3 && statement[0].text == "install") {
            for (ModuleOption& option : install_assignments(file.path, statement)) {
                options.push_back(std::move(option));
            }
        }
    }
    return options;
}

std::optional<ModuleOption> effective_option(const std::vector<ConfFile>& files,
                                             std::string_view cmdline, std::string_view module,
                                             std::string_view param) {
    const std::string wanted_module = normalize_module(module);
    std::optional<ModuleOption> found;
    for (const ConfFile& file : files) {
        for (ModuleOption& option : parse_module_options(file)) {
            if (option.module == wanted_module && option.param == param) {
                found = std::move(option);
            }
        }
    }
    // The kernel hands `module.param=value` from the command line to the module after the
    // configuration's options, so it wins.
    std::istringstream words{std::string(cmdline)};
    std::string word;
    while (words >> word) {
        if (word == "--") {
            break;
        }
        auto dot = word.find('.');
        if (dot == std::string::npos) {
            continue;
        }
        auto eq = word.find('=', dot);
        std::string name = word.substr(dot + 1, eq == std::string::npos ? eq : eq - dot - 1);
        if (normalize_module(word.substr(0, dot)) == wanted_module && name == param) {
            found = ModuleOption{"/proc/cmdline",
                                 0,
                                 wanted_module,
                                 name,
                                 eq == std::string::npos ? "" : word.substr(eq + 1),
                                 word,
                                 false};
        }
    }
    // modprobe runs only the first matching install statement, and the options its own
    // modprobe command passes come after all others.
    if (auto install = first_install(files, wanted_module)) {
        for (ModuleOption& option : install_assignments(install->first, install->second)) {
            if (option.param == param) {
                found = std::move(option);
            }
        }
    }
    return found;
}

std::vector<ModuleBlock> module_blocks(const std::vector<ConfFile>& files,
                                       std::string_view module) {
    const std::string wanted = normalize_module(module);
    std::vector<ModuleBlock> blocks;
    for (const ConfFile& file : files) {
        for (const auto& statement : statements(file.content)) {
            if (statement.size() < 2 || normalize_module(statement[1].text) != wanted) {
                continue;
            }
            std::string text;
            for (const Token& token : statement) {
                text += (text.empty() ? "" : " ") + token.text;
            }
            const std::string& kind = statement[0].text;
            if (kind == "blacklist") {
                blocks.push_back({file.path, statement[0].line, text, false});
            } else if (kind == "install" && statement.size() >= 3) {
                std::string command = basename_of(statement[2].text);
                if (command == "false" || command == "true") {
                    blocks.push_back({file.path, statement[0].line, text, true});
                }
            }
        }
    }
    return blocks;
}

std::optional<bool> parse_bool_param(std::string_view value) {
    if (value.empty() || value == "Y" || value == "y" || value == "1") {
        return true;
    }
    if (value == "N" || value == "n" || value == "0") {
        return false;
    }
    return std::nullopt;
}

namespace {

// The working copies of the files a PersistPlan changes, keyed by the path it writes.
class EditSet {
  public:
    // Files made or lines added say they come from virt-nest's command `by`.
    explicit EditSet(std::string by) : m_by(std::move(by)) {}

    // Return the comment that marks an added line.
    std::string added_comment() const { return "# Added by virt-nest " + m_by + "."; }

    // Return the lines of the file written for `file`, making a working copy on first use:
    // the file itself under /etc, else an /etc/modprobe.d copy that overrides it.
    std::vector<std::string>& lines_for(const ConfFile& file) {
        std::string path = written_path(file);
        auto it = m_edited.find(path);
        if (it != m_edited.end()) {
            return it->second;
        }
        std::vector<std::string> lines = split_lines(file.content);
        if (path == file.path) {
            m_before[path] = file.content;
            m_header_lines[path] = 0;
        } else {
            // An /etc file of the same name replaces the vendor file; carry its content over.
            lines.insert(lines.begin(), "# Copy of " + file.path + " made by virt-nest " + m_by +
                                            " to override it.");
            m_before[path] = std::nullopt;
            m_header_lines[path] = 1;
        }
        return m_edited.emplace(path, std::move(lines)).first->second;
    }

    // Return the lines of the new file `path`, empty on first use.
    std::vector<std::string>& lines_of_new(const std::string& path) {
        auto it = m_edited.find(path);
        if (it == m_edited.end()) {
            m_before[path] = std::nullopt;
            m_header_lines[path] = 0;
            it = m_edited.emplace(path, std::vector<std::string>{}).first;
        }
        return it->second;
    }

    // Return the index in the working copy of `file`'s 1-based line `line`.
    std::size_t index_of(const ConfFile& file, int line) {
        return static_cast<std::size_t>(line - 1) + m_header_lines[written_path(file)];
    }

    // Return one ConfEdit per changed file, in path order.
    std::vector<ConfEdit> edits() {
        std::vector<ConfEdit> out;
        for (const auto& [path, lines] : m_edited) {
            out.push_back({path, m_before[path], join_lines(lines)});
        }
        return out;
    }

  private:
    static std::string written_path(const ConfFile& file) {
        return is_admin_file(file.path) ? file.path : "/etc/modprobe.d/" + basename_of(file.path);
    }

    std::string m_by;
    std::map<std::string, std::vector<std::string>> m_edited;
    std::map<std::string, std::optional<std::string>> m_before;
    std::map<std::string, std::size_t> m_header_lines; // lines added before the original ones
};

// Correct every line of `files` that sets `want` otherwise; return true when any line sets it.
bool correct_lines(const std::vector<ConfFile>& files, const std::string& mod,
                   const WantedOption& want, EditSet& edits, PersistPlan& plan) {
    bool any_line = false;
    for (const ConfFile& file : files) {
        std::vector<ModuleOption> options = parse_module_options(file);
        for (ModuleOption& option : parse_install_options(file)) {
            options.push_back(std::move(option));
        }
        for (const ModuleOption& option : options) {
            if (option.module != mod || option.param != want.param) {
                continue;
            }
            any_line = true;
            if (matches(parse_bool_param(option.value), want.value)) {
                continue;
            }
            std::vector<std::string>& lines = edits.lines_for(file);
            replace_assignment(lines[edits.index_of(file, option.line)], option,
                               bool_text(want.value));
            plan.changes.push_back(
                file.path + ":" + std::to_string(option.line) + " sets " + mod + " " +
                option.written + (option.from_install ? " in an install statement" : "") +
                ": changed to " + want.param + "=" + bool_text(want.value) +
                (is_admin_file(file.path) ? std::string()
                                          : " in an /etc/modprobe.d copy that overrides it"));
        }
    }
    return any_line;
}

// Carry the right setting that only /run (cleared at boot) holds into an /etc copy.
void keep_run_setting(const std::vector<ConfFile>& files, const ModuleOption& option,
                      EditSet& edits, PersistPlan& plan) {
    auto file = std::find_if(files.begin(), files.end(),
                             [&](const ConfFile& f) { return f.path == option.file; });
    if (file == files.end()) {
        return;
    }
    edits.lines_for(*file);
    plan.changes.push_back(option.file + ":" + std::to_string(option.line) + " sets " +
                           option.module + " " + option.written +
                           " in /run, which is cleared at boot: kept in an /etc/modprobe.d copy");
}

// Append `options mod param=value` to `target`, or to the file of that name that exists.
void append_option(const std::vector<ConfFile>& files, const std::string& mod,
                   const WantedOption& want, const std::string& target, EditSet& edits,
                   PersistPlan& plan) {
    auto existing = std::find_if(files.begin(), files.end(), [&](const ConfFile& f) {
        return basename_of(f.path) == basename_of(target);
    });
    std::vector<std::string>& lines =
        existing != files.end() ? edits.lines_for(*existing) : edits.lines_of_new(target);
    const std::string assignment = want.param + "=" + bool_text(want.value);
    lines.push_back(edits.added_comment());
    lines.push_back("options " + mod + " " + assignment);
    plan.changes.push_back(target + ": added `options " + mod + " " + assignment + "`");
}

} // namespace

PersistPlan plan_persistent_options(const std::vector<ConfFile>& files, std::string_view cmdline,
                                    std::string_view module,
                                    const std::vector<WantedOption>& wanted,
                                    std::string_view target, std::string_view by) {
    const std::string mod = normalize_module(module);
    PersistPlan plan;
    EditSet edits{std::string(by)};
    for (const WantedOption& want : wanted) {
        std::optional<ModuleOption> current = effective_option(files, cmdline, mod, want.param);
        if (current && matches(parse_bool_param(current->value), want.value)) {
            if (is_run_file(current->file)) {
                keep_run_setting(files, *current, edits, plan);
            }
            continue;
        }
        if (current && current->file == "/proc/cmdline") {
            plan.unresolved.push_back("the kernel command line sets " + mod + "." +
                                      shown(*current) +
                                      ", which overrides every modprobe.d file: change it in the "
                                      "boot loader configuration");
            continue;
        }
        const bool any_line = correct_lines(files, mod, want, edits, plan);
        if (!any_line && want.add_if_missing) {
            append_option(files, mod, want, std::string(target), edits, plan);
        }
    }
    plan.edits = edits.edits();
    return plan;
}

} // namespace virtnest
