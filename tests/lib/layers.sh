# shellcheck shell=bash
#
# tests/lib/layers.sh — the layers of src/ (DESIGN §2) as Makefile.am lists
# them, for the structure checks (tests/layer-check.sh, header-check.sh).
#
#   layers_read MAKEFILE.AM     fills layer_of[FILE]=LAYER for every file a
#                               layer's list names (FILE relative to src/:
#                               acct.c, acct.h); returns 1 when a file is in
#                               two layers or a layer lists nothing
#   layer_may_use FROM TO       whether a file of layer FROM may include a
#                               header of layer TO
#   layer_of_sysheader HEADER   prints the layer whose dependency provides
#                               <HEADER> (pcap, Net-SNMP…), nothing for libc
#
# Makefile.am is the one source of truth: a file moves to another layer by
# moving its line there, and a new file is in no layer until it is listed.

# The layers, and the Makefile.am variables that list each one's files.
layer_names=(core host snmp daemon)
declare -A layer_lists=(
    [core]="src_libvscore_a_SOURCES"
    [host]="src_libvshost_a_SOURCES"
    [snmp]="src_libvssnmp_a_SOURCES"
    [daemon]="src_libvsdaemon_a_SOURCES vsacctd_SOURCES"
)
# The library whose compile flags are each layer's (header-check.sh).
# shellcheck disable=SC2034 # read by header-check.sh
declare -A layer_target=(
    [core]=src_libvscore_a
    [host]=src_libvshost_a
    [snmp]=src_libvssnmp_a
    [daemon]=src_libvsdaemon_a
)
# What each layer may include: core only itself; host and snmp core and
# themselves, never each other; the daemon wires everything together.
declare -A layer_uses=(
    [core]="core"
    [host]="core host"
    [snmp]="core snmp"
    [daemon]="core host snmp daemon"
)
declare -A layer_of=()

layer_may_use() { # FROM TO
    [[ " ${layer_uses[$1]} " == *" $2 "* ]]
}

# On Debian these headers sit in /usr/include, so leaving a layer's flags
# out cannot refuse them: the check must.
layer_of_sysheader() { # HEADER
    case $1 in
    pcap.h | pcap/* | pcap-*.h) echo host ;;
    libxml/*) echo host ;;
    libvirt/*) echo host ;;
    bpf/*) echo host ;;
    net-snmp/*) echo snmp ;;
    esac
}

# The words assigned to VAR in MAKEFILE.AM (= and +=, continued lines),
# one a line; $(OTHER) words are replaced by OTHER's words.
layers_makefile_words() { # MAKEFILE.AM VAR [DEPTH]
    local word depth=${3:-0}
    ((depth < 8)) || return 0
    while read -r word; do
        if [[ $word =~ ^\$\(([A-Za-z0-9_]+)\)$ ]]; then
            layers_makefile_words "$1" "${BASH_REMATCH[1]}" $((depth + 1))
        else
            printf '%s\n' "$word"
        fi
    done < <(awk -v var="$2" '
        !inside && $0 ~ "^" var "[ \t]*[+]?=" { inside = 1; buf = "" }
        inside {
            line = $0
            more = sub(/\\$/, "", line)
            buf = buf " " line
            if (!more) {
                sub(/^[^=]*=/, "", buf)
                n = split(buf, w, /[ \t]+/)
                for (i = 1; i <= n; i++)
                    if (w[i] != "")
                        print w[i]
                inside = 0
            }
        }' "$1")
}

layers_read() { # MAKEFILE.AM
    local layer var word file count rc=0
    layer_of=()
    for layer in "${layer_names[@]}"; do
        count=0
        for var in ${layer_lists[$layer]}; do
            while read -r word; do
                [[ $word == src/* ]] || continue
                file=${word#src/}
                if [[ -n ${layer_of[$file]:-} && ${layer_of[$file]} != "$layer" ]]; then
                    echo "FAIL: src/$file is listed in two layers: ${layer_of[$file]} and $layer" >&2
                    rc=1
                fi
                layer_of[$file]=$layer
                count=$((count + 1))
            done < <(layers_makefile_words "$1" "$var")
        done
        if ((count == 0)); then
            echo "FAIL: $1 lists no file for layer $layer (${layer_lists[$layer]})" >&2
            rc=1
        fi
    done
    return "$rc"
}
