# bash completion for virt-nest                            -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Subcommands, their options and option values, and domain names, which are asked from
# libvirt (`virsh list`) on the connection given with -c/--connect or --hosts, as virsh's own
# completion does. Needs only bash; works with or without the bash-completion package.

# Print the domain names of every URI given (libvirt's default URI when none), one a line;
# quietly nothing when libvirt cannot be asked.
_virt_nest_domains() {
    local uri
    if [[ $# -eq 0 ]]; then
        virsh -q -r list --all --name </dev/null 2>/dev/null
        return 0
    fi
    for uri in "$@"; do
        virsh -q -r -c "$uri" list --all --name </dev/null 2>/dev/null
    done
    return 0
}

# Print the URIs of a --hosts file (one a line, # comments and blank lines skipped).
_virt_nest_hosts_file() {
    local line
    [[ -r $1 ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [[ -n $line ]] && printf '%s\n' "$line"
    done <"$1"
}

# Set COMPREPLY to the words of $1 (separated by blanks) that start with $2.
_virt_nest_reply() {
    local IFS=$' \t\n'
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# Set COMPREPLY to the lines of $1 (domain names may hold blanks) that start with $2.
_virt_nest_reply_lines() {
    local IFS=$'\n'
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# Set COMPREPLY to file names (with -d: directory names) that start with the last argument.
_virt_nest_files() {
    if [[ $1 == -d ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$2")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$1")
    fi
    # Only valid while bash is completing; quiet when the function is called otherwise.
    compopt -o filenames 2>/dev/null
    return 0
}

# Set words and cword from COMP_WORDS, joining what bash split at "=" and ":" (bash keeps
# those in COMP_WORDBREAKS, so "test:///default" arrives as "test" ":" "///default"). Words
# are glued when COMP_LINE has no blank between them, as bash-completion does.
_virt_nest_join_words() {
    local line=${COMP_LINE:0:COMP_POINT} trimmed w i glued
    words=()
    cword=0
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        trimmed=${line#"${line%%[![:space:]]*}"}
        glued=no
        ((i > 0)) && [[ ${#trimmed} -eq ${#line} ]] && glued=yes
        line=${trimmed:${#w}}
        if [[ $glued == yes && ($w == [=:]* || ${words[${#words[@]} - 1]} == *[=:]) ]]; then
            words[${#words[@]} - 1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
        ((i >= COMP_CWORD)) && break
    done
}

_virt_nest() {
    local cur prev cword
    local -a words
    _virt_nest_join_words
    cur=${words[cword]}
    prev=""
    ((cword > 0)) && prev=${words[cword - 1]}
    # "--mode=cu": complete the value; bash replaces only the part after "=".
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
    fi
    _virt_nest_complete "$prev" "$cur" "$cword" "${words[@]}"
    # bash replaces only the part of the word after its last ":"; drop what it keeps.
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local kept=${cur%"${cur##*:}"}
        COMPREPLY=("${COMPREPLY[@]#"$kept"}")
    fi
    return 0
}

# Set COMPREPLY for the word cur after prev; cword and the words follow.
_virt_nest_complete() {
    local prev=$1 cur=$2 cword=$3
    shift 3
    local -a words=("$@")

    local global_opts="-c --connect --hosts --jobs --color -r --readonly -h --help --version"

    # Walk the words before the cursor: the URIs, the subcommand (and host's own).
    local -a uris=()
    local sub="" subsub="" word i=1 hosts_file=""
    while ((i < cword)); do
        word=${words[i]}
        if [[ -z $sub ]]; then
            case $word in
            -c | --connect)
                ((i + 1 < cword)) && uris+=("${words[i + 1]}")
                ((i += 2))
                continue
                ;;
            --connect=*) uris+=("${word#--connect=}") ;;
            -c?*) uris+=("${word#-c}") ;;
            --hosts)
                ((i + 1 < cword)) && hosts_file=${words[i + 1]}
                ((i += 2))
                continue
                ;;
            --jobs | --color)
                ((i += 2))
                continue
                ;;
            -*) ;;
            *) sub=$word ;;
            esac
        elif [[ $sub == host && -z $subsub && $word != -* ]]; then
            subsub=$word
        fi
        ((i++))
    done
    if [[ -n $hosts_file ]]; then
        local line
        while IFS= read -r line; do uris+=("$line"); done < <(_virt_nest_hosts_file "$hosts_file")
    fi

    # Values of the option just before the cursor.
    case $prev in
    -c | --connect)
        _virt_nest_reply "qemu:///system qemu:///session qemu+ssh:// qemu+tls:// test:///default" "$cur"
        return 0
        ;;
    --hosts | --backup | --baseline | -o | --output)
        _virt_nest_files "$cur"
        return 0
        ;;
    --backup-dir | --root)
        _virt_nest_files -d "$cur"
        return 0
        ;;
    --jobs | -U | --context | --model | --keep)
        COMPREPLY=()
        return 0
        ;;
    --state)
        _virt_nest_reply "running shut-off paused" "$cur"
        return 0
        ;;
    --color)
        _virt_nest_reply "auto always never" "$cur"
        return 0
        ;;
    --vendor)
        _virt_nest_reply "intel amd" "$cur"
        return 0
        ;;
    --feature)
        if [[ $sub == rewrite ]]; then
            _virt_nest_reply "vmx svm" "$cur"
        else
            _virt_nest_reply "auto vmx svm" "$cur"
        fi
        return 0
        ;;
    --mode)
        if [[ $sub == rewrite ]]; then
            _virt_nest_reply "host-passthrough host-model custom maximum baseline" "$cur"
        elif [[ $sub == enable ]]; then
            _virt_nest_reply "auto host-passthrough host-model custom baseline" "$cur"
        else
            _virt_nest_reply "auto host-passthrough host-model custom" "$cur"
        fi
        return 0
        ;;
    esac

    local live_opts="--all --state --feature --dry-run --diff --no-validate --force --json
        --json-lines -q --quiet --backup-dir -h --help"
    local opts="" domains=no files=no
    case $sub in
    "")
        if [[ $cur == -* ]]; then
            _virt_nest_reply "$global_opts" "$cur"
        else
            _virt_nest_reply "rewrite list verify enable disable revert check host backups" "$cur"
        fi
        return 0
        ;;
    rewrite)
        opts="--mode --baseline --model --feature --vendor --disable --diff -U --context -v --verbose
            --exit-code -o --output -h --help"
        files=yes
        ;;
    list)
        opts="--state --json --read-write -h --help"
        domains=yes
        ;;
    backups)
        opts="--json --backup-dir --prune --keep --dry-run -h --help"
        domains=yes
        ;;
    verify)
        opts="--json --no-agent --monitor -h --help"
        domains=yes
        ;;
    enable)
        opts="$live_opts --mode --model -c --connect --hosts"
        domains=yes
        ;;
    disable)
        opts="$live_opts --mode --model"
        domains=yes
        ;;
    revert)
        opts="--all --backup --whole --dry-run --diff --no-validate --force --json --json-lines -q --quiet
            --backup-dir -h --help"
        domains=yes
        ;;
    check)
        opts="--root --json --expect-disabled --probe -h --help"
        ;;
    host)
        if [[ -z $subsub ]]; then
            if [[ $cur == -* ]]; then
                _virt_nest_reply "-h --help" "$cur"
            else
                _virt_nest_reply "enable disable" "$cur"
            fi
            return 0
        fi
        opts="--root --dry-run --reload -h --help"
        [[ $subsub == enable ]] && opts+=" --tune"
        ;;
    *)
        COMPREPLY=()
        return 0
        ;;
    esac

    if [[ $cur == -* ]]; then
        _virt_nest_reply "$opts" "$cur"
    elif [[ $domains == yes ]]; then
        _virt_nest_reply_lines "$(_virt_nest_domains "${uris[@]}")" "$cur"
    elif [[ $files == yes ]]; then
        _virt_nest_files "$cur"
    else
        COMPREPLY=()
    fi
    return 0
}

complete -F _virt_nest virt-nest
