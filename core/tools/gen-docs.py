#!/usr/bin/env python3
"""Writes dnsglean(1) and the bash completion from the CLI's own --help texts.

    gen-docs.py --bin BUILT_DNSGLEAN --man OUT.1 --completion OUT [--datadir DIR]

Every command, option, argument name and output format comes from running
`dnsglean --help` and `dnsglean COMMAND --help` (GOption's layout), so the
page and the completion follow the code; the hand-written prose (description,
environment, files, examples) is below. tests/integration/man_completion.sh
checks the result against the CLI again.
"""
import argparse
import os
import re
import subprocess
import sys

FORMATS = ("jsonl", "json", "csv", "text", "dot", "cof")
# Argument names whose values are files (completed with file names).
FILE_ARGS = {"FILE", "FILE|URL", "WORDLIST", "RESOLVERS", "FILE..."}

OPT_RE = re.compile(r"^\s+(?:-(\w), )?--([\w-]+)(?:=(\S+))?\s{2,}(.*)$")
CMD_RE = re.compile(r"^  (\w+)\s+(.*)$")


def run_help(binary, *args):
    env = dict(os.environ, LC_ALL="C", ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=60)
    if p.returncode != 0:
        sys.exit(f"gen-docs: '{binary} {' '.join(args)}' exited {p.returncode}: {p.stderr}")
    return p.stdout


def parse_commands(text):
    cmds, on = [], False
    for line in text.splitlines():
        if line.startswith("Commands:"):
            on = True
        elif on and (m := CMD_RE.match(line)):
            cmds.append((m.group(1), m.group(2)))
        elif on and line.strip() == "":
            if cmds:
                break
    if not cmds:
        sys.exit("gen-docs: no command list in 'dnsglean --help'")
    return cmds


def parse_command_help(text):
    """(params, description lines, options) of one GOption --help text;
    None for a command without options (it prints no usage)."""
    lines = text.splitlines()
    if not lines or lines[0] != "Usage:":
        return None
    usage = lines[1].split("]", 1)[-1].strip() if "]" in lines[1] else ""
    desc, i = [], 2
    while i < len(lines) and not lines[i].endswith("Options:"):
        desc.append(lines[i])
        i += 1
    opts, section = [], None
    for line in lines[i:]:
        if line.endswith("Options:"):
            section = line
            continue
        m = OPT_RE.match(line)
        if m and section == "Application Options:":
            short, long, arg, helptext = m.groups()
            opts.append({"short": short, "long": long, "arg": arg, "help": helptext.strip()})
    while desc and not desc[0].strip():
        desc.pop(0)
    while desc and not desc[-1].strip():
        desc.pop()
    return usage, desc, opts


def formats_of(opts):
    for o in opts:
        if o["long"] == "format":
            return [w for w in re.findall(r"[a-z]+", o["help"]) if w in FORMATS]
    return []


# ------------------------------------------------------------------ man page

def roff(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + s if s[:1] in (".", "'") else s


def man_option(o):
    head = f"\\fB\\-\\-{roff(o['long'])}\\fR"
    if o["short"]:
        head = f"\\fB\\-{o['short']}\\fR, " + head
    if o["arg"]:
        head += f"=\\fI{roff(o['arg'])}\\fR"
    return [".TP", head, roff(o["help"])]


def man_page(version, cmds, helps, datadir):
    out = [
        f'.TH DNSGLEAN 1 "" "dnsglean {version}" "User Commands"',
        ".SH NAME",
        "dnsglean \\- what a domain's DNS gives away: subdomains, providers, findings",
        ".SH SYNOPSIS",
    ]
    for name, _ in cmds:
        h = helps[name]
        params = f" [\\fIOPTION\\fR...] {roff(h[0])}" if h else ""
        out += [".br", f"\\fBdnsglean {name}\\fR{params}"]
    out += [".br", "\\fBdnsglean\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR"]
    out += [
        ".SH DESCRIPTION",
        "dnsglean gathers what a domain's DNS gives away (MITRE ATT&CK T1590.002):",
        "its subdomains, name servers, mail servers, TXT/SPF/DMARC records, and",
        "through them the cloud and SaaS providers it runs on. Each command below",
        "is one job; \\fBdnsglean\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints the",
        "options of one command. Nothing falls back to the system's resolvers:",
        "the commands that ask DNS questions take their resolvers or servers",
        "explicitly. JSON Lines (one object per result) is the machine format.",
        "Errors are one line on standard error and a non-zero exit status.",
        ".SH COMMANDS",
    ]
    for name, summary in cmds:
        h = helps[name]
        params = f" [\\fIOPTION\\fR...] {roff(h[0])}" if h else ""
        summary = summary[:1].upper() + summary[1:]
        out += [f".SS \"{name}\"", f"\\fBdnsglean {name}\\fR{params}", ".PP", roff(summary) + "."]
        if not h:
            continue
        _, desc, opts = h
        if desc:
            out.append(".PP")
            for line in desc:
                if not line.strip():
                    out.append(".PP")
                    continue
                if line.startswith(("Example", "Exit status")):
                    out.append(".br")
                out.append(roff(line))
        out += [".PP", "Options:", ".RS"]
        for o in opts:
            out += man_option(o)
        out += [".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "Show the command's options.", ".RE"]
    out += [
        ".SH ENVIRONMENT",
        ".TP",
        "\\fBDNSGLEAN_PDNS_AUTH\\fR",
        "\\fIuser\\fR:\\fIpassword\\fR for \\fB\\-\\-pdns\\fR \\fIURL\\fR when",
        "\\fB\\-\\-pdns\\-auth\\fR is not given (a password never goes on the command line).",
        ".TP",
        "\\fBDNSGLEAN_DATADIR\\fR",
        "Folder searched first for the bundled wordlist (\\fIwordlist.txt\\fR).",
        ".SH FILES",
        ".TP",
        f"\\fI{roff(datadir)}/wordlist.txt\\fR",
        "The wordlist \\fBbrute\\fR uses without \\fB\\-w\\fR.",
        ".TP",
        f"\\fI{roff(datadir)}/fingerprints/\\fR",
        "The provider fingerprints built into the program, as text",
        "(more are loaded with \\fB\\-\\-fingerprints\\fR).",
        ".SH EXIT STATUS",
        "0 on success; 1 when a run was interrupted or its input was partly unusable;",
        "2 on a usage or setup error (each command's help says more).",
        ".SH EXAMPLES",
        ".nf",
        "dnsglean brute example.com \\-w words.txt \\-r resolvers.txt",
        "dnsglean footprint example.com \\-r 127.0.0.1:5353 \\-f text",
        "dnsglean brute example.com \\-r 127.0.0.1 \\-\\-pdns https://pdns.example/pdns/query \\e",
        "    \\-\\-pdns\\-auth ~/.config/dnsglean/pdns\\-auth",
        "dnsglean classify zone.txt \\-m",
        "dnsglean pcap capture.pcapng \\-f cof > passive.jsonl",
        ".fi",
        ".SH SEE ALSO",
        "\\fBnmap\\fR(1), \\fBtshark\\fR(1), \\fBlua\\fR(1), \\fBdig\\fR(1)",
        "",
    ]
    return "\n".join(out)


# ------------------------------------------------------------ bash completion

def sh_words(words):
    return " ".join(words)


def completion(cmds, helps):
    names = [c for c, _ in cmds]
    out = [
        "# bash completion for dnsglean(1): commands, options, formats and file",
        "# arguments. Generated from the commands' --help texts by",
        "# core/tools/gen-docs.py; do not edit.",
        "",
        "_dnsglean() {",
        "\tlocal cur prev words cword",
        "\tif declare -F _init_completion >/dev/null; then",
        "\t\t_init_completion -s || return",
        "\telse",
        "\t\twords=(\"${COMP_WORDS[@]}\")",
        "\t\tcword=$COMP_CWORD",
        "\t\tcur=${COMP_WORDS[COMP_CWORD]}",
        "\t\tprev=${COMP_WORDS[COMP_CWORD - 1]}",
        "\tfi",
        "\tif ((cword == 1)); then",
        f"\t\tmapfile -t COMPREPLY < <(compgen -W '{sh_words(names)} --help --version' -- \"$cur\")",
        "\t\treturn",
        "\tfi",
        "\tlocal opts= formats= fileopts= argopts= files=",
        "\tcase ${words[1]} in",
    ]
    for name in names:
        h = helps[name]
        if not h:
            out.append(f"\t{name}) return ;;")
            continue
        params, _, opts = h
        flags, fileopts, argopts = ["--help", "-h"], [], []
        for o in opts:
            forms = [f"--{o['long']}"] + ([f"-{o['short']}"] if o["short"] else [])
            flags += forms
            if o["arg"]:
                argopts += forms
                if o["arg"] in FILE_ARGS:
                    fileopts += forms
        out += [
            f"\t{name})",
            f"\t\topts='{sh_words(flags)}'",
            f"\t\tformats='{sh_words(formats_of(opts))}'",
            f"\t\targopts=' {sh_words(argopts)} '",
            f"\t\tfileopts=' {sh_words(fileopts)} '",
            f"\t\tfiles={'1' if 'FILE' in params else ''}",
            "\t\t;;",
        ]
    out += [
        "\t*) return ;;",
        "\tesac",
        "\tif [[ $prev == -f || $prev == --format ]] && [[ -n $formats ]]; then",
        "\t\tmapfile -t COMPREPLY < <(compgen -W \"$formats\" -- \"$cur\")",
        "\t\treturn",
        "\tfi",
        "\tif [[ $argopts == *\" $prev \"* ]]; then",
        "\t\t[[ $fileopts == *\" $prev \"* ]] && _dnsglean_files",
        "\t\treturn",
        "\tfi",
        "\tif [[ $cur == -* ]]; then",
        "\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")",
        "\telif [[ -n $files ]]; then",
        "\t\t_dnsglean_files",
        "\tfi",
        "}",
        "",
        "_dnsglean_files() {",
        "\tif declare -F _filedir >/dev/null; then",
        "\t\t_filedir",
        "\telse",
        "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")",
        "\tfi",
        "}",
        "",
        "complete -F _dnsglean dnsglean",
        "",
    ]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--completion", required=True)
    ap.add_argument("--datadir", default="/usr/share/dnsglean")
    a = ap.parse_args()
    cmds = parse_commands(run_help(a.bin, "--help"))
    version = run_help(a.bin, "--version").split()[-1]
    helps = {}
    for name, _ in cmds:
        helps[name] = parse_command_help(run_help(a.bin, name, "--help"))
    with open(a.man, "w") as f:
        f.write(man_page(version, cmds, helps, a.datadir))
    with open(a.completion, "w") as f:
        f.write(completion(cmds, helps))


if __name__ == "__main__":
    main()
