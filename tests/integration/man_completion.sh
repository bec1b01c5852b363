#!/usr/bin/env bash
# dnsglean(1) and the bash completion against the CLI itself: every option
# every command's real --help lists is in the man page under that command
# (with its short form and argument) and in the completion, and every
# option the man page names is one the CLI accepts; the page renders
# without groff warnings; completion of commands, options, formats and
# file arguments works in bash with the bash-completion package; both are
# installed where man and bash-completion look.
# Environment (from ctest): DG_BIN, DG_MAN, DG_COMPLETION, DG_BUILD, DG_PREFIX.
set -euo pipefail
source "$(dirname "$0")/../lib/need.sh"
tb_need_tools man bash cmake
BC=/usr/share/bash-completion/bash_completion
[[ -r $BC ]] || tb_skip "bash-completion not installed ($BC)"
for v in DG_BIN DG_MAN DG_COMPLETION DG_BUILD DG_PREFIX; do
	[[ -n ${!v-} ]] || tb_fail "$v not set (run through ctest)"
done
[[ -x $DG_BIN && -s $DG_MAN && -s $DG_COMPLETION ]] || tb_fail "binary, man page or completion not built"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export LC_ALL=C ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

ok() { echo "ok: $*"; }
same() { # same WHAT FILE_EXPECTED FILE_GOT
	diff -u "$2" "$3" >"$T/diff" || tb_fail "$1: $(cat "$T/diff")"
	ok "$1 ($(wc -l <"$3") lines)"
}

# ---- what the CLI says: "CMD -S --long ARG" per option ----
mapfile -t cmds < <("$DG_BIN" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
((${#cmds[@]} >= 8)) || tb_fail "too few commands in --help: ${cmds[*]}"
: >"$T/help.txt"
for c in "${cmds[@]}"; do
	"$DG_BIN" "$c" --help | awk -v c="$c" '
		/^Application Options:/ {on=1; next}
		on && match($0, /^ +(-[a-zA-Z0-9], )?--[a-z0-9-]+(=[^ ]+)?/) {
			s = substr($0, RSTART, RLENGTH); gsub(/^ +/, "", s)
			short = "-"; if (s ~ /^-[^-]/) { short = substr(s, 1, 2); s = substr(s, 5) }
			arg = "-"; if (index(s, "=")) { arg = substr(s, index(s, "=") + 1); s = substr(s, 1, index(s, "=") - 1) }
			print c, short, s, arg
		}' >>"$T/help.txt"
done
sort -o "$T/help.txt" "$T/help.txt"
(($(wc -l <"$T/help.txt") >= 60)) || tb_fail "too few options read from --help: $(wc -l <"$T/help.txt")"
ok "--help lists $(wc -l <"$T/help.txt") options over ${#cmds[@]} commands"

# ---- what the man page says, read from its source ----
awk '
	/^\.SH / {sec = $2}
	sec == "COMMANDS" && /^\.SS / {c = $2; gsub(/"/, "", c); next}
	sec == "COMMANDS" && /^\.TP/ {tp = 1; next}
	tp { tp = 0; s = $0
		gsub(/\\f[BIR]/, "", s); gsub(/\\-/, "-", s)
		if (s == "-h, --help") next
		short = "-"; if (s ~ /^-[^-],/) { short = substr(s, 1, 2); s = substr(s, 5) }
		arg = "-"; if (index(s, "=")) { arg = substr(s, index(s, "=") + 1); s = substr(s, 1, index(s, "=") - 1) }
		print c, short, s, arg }' "$DG_MAN" | sort >"$T/man.txt"
same "man page documents exactly the --help options (short form, argument)" "$T/help.txt" "$T/man.txt"
for c in "${cmds[@]}"; do
	grep -q "^\.SS \"$c\"" "$DG_MAN" || tb_fail "man page: no section for command $c"
done
ok "a section per command"

# every option of the man page is accepted by the CLI (a misspelt or removed
# one gets GOption's "Unknown option"), checked on the real parser
"$DG_BIN" brute --no-such-option </dev/null >/dev/null 2>"$T/err" || true
grep -q "Unknown option" "$T/err" || tb_fail "control: an unknown option is not reported: $(cat "$T/err")"
# (one run per command and form: GOption stops at, and names, the first
# unknown option; "1" parses as every argument type; run in a scratch folder
# in case an option writes a file)
mkdir -p "$T/run"
for c in "${cmds[@]}"; do
	for form in long short; do
		a=()
		while read -r _ short long arg; do
			if [[ $form == long ]]; then
				a+=("$long")
			elif [[ $short != - ]]; then
				a+=("$short")
			else
				continue
			fi
			[[ $arg != - ]] && a+=(1)
		done < <(grep "^$c " "$T/man.txt")
		((${#a[@]})) || continue
		(cd "$T/run" && timeout 20 "$DG_BIN" "$c" "${a[@]}" </dev/null >/dev/null 2>"$T/err") || true
		if grep -q "Unknown option" "$T/err"; then tb_fail "man page: $c: $(grep "Unknown option" "$T/err")"; fi
	done
done
ok "the CLI accepts every option of the man page"

# the page renders cleanly and names every command's synopsis
MANWIDTH=120 man --warnings=all -l "$DG_MAN" >"$T/man.out" 2>"$T/man.err" || tb_fail "man -l failed: $(cat "$T/man.err")"
[[ ! -s $T/man.err ]] || tb_fail "groff warnings: $(head -5 "$T/man.err")"
for c in "${cmds[@]}"; do
	grep -Eq "^ +dnsglean $c( \[OPTION\.\.\.\]|$)" "$T/man.out" || tb_fail "man: no synopsis line for $c"
done
grep -q "DNSGLEAN_PDNS_AUTH" "$T/man.out" || tb_fail "man: the credentials variable is not documented"
ok "man -l renders without warnings, a synopsis per command"

# ---- bash completion, through the bash-completion package ----
cat >"$T/comp.sh" <<EOF
source $BC
source $DG_COMPLETION
comp() {
	COMP_WORDS=("\$@"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
	COMP_LINE="\$*"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=()
	_dnsglean dnsglean "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "\${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ \$//'
}
EOF
mkdir -p "$T/files"
touch "$T/files/words.txt" "$T/files/wordsmith.list" "$T/files/other"
[[ $(bash -c "source $T/comp.sh; complete -p dnsglean") == "complete -F _dnsglean dnsglean" ]] ||
	tb_fail "the completion does not register for dnsglean"
# check WHAT EXPECTED WORDS...: queued, then all asked of one bash below
: >"$T/queue"
check() {
	local what=$1 exp=$2
	shift 2
	printf '%s\x1f%s\x1f%s\n' "$what" "$exp" "$(printf '%q ' "$@")" >>"$T/queue"
}
check "a command" "brute" dnsglean br
check "every command" "$(printf '%s\n' "${cmds[@]}" --help --version | sort | tr '\n' ' ' | sed 's/ $//')" dnsglean ""
check "an option" "--state --stats" dnsglean brute --st
check "a file argument" "words.txt wordsmith.list" dnsglean brute -w word
check "a number argument: nothing" "" dnsglean brute --retries ""
check "a domain: nothing" "" dnsglean brute ""
check "a file operand" "other words.txt wordsmith.list" dnsglean pcap ""
check "a command without options" "" dnsglean version -
for c in "${cmds[@]}"; do
	fmts=$("$DG_BIN" "$c" --help | grep -E -- '--format=' | grep -Eo '\b(jsonl|json|csv|text|dot|cof)\b' | sort -u | tr '\n' ' ' | sed 's/ $//' || true)
	if [[ -n $fmts ]]; then
		check "$c's formats" "$fmts" dnsglean "$c" -f ""
		check "$c's formats (long option)" "$fmts" dnsglean "$c" --format ""
	fi
	grep -q "^$c " "$T/help.txt" || continue
	exp=$({ awk -v c="$c" '$1 == c {print $3; if ($2 != "-") print $2}' "$T/help.txt"
		printf '%s\n' --help -h; } | sort | tr '\n' ' ' | sed 's/ $//')
	check "$c: every option of its --help" "$exp" dnsglean "$c" -
done

(cd "$T/files" && bash -c 'source "$1"
	while IFS=$'"'"'\x1f'"'"' read -r _ _ w <&3; do
		eval "words=($w)"
		comp "${words[@]}" </dev/null
		echo
	done 3<"$2"' - "$T/comp.sh" "$T/queue") >"$T/got" || tb_fail "bash failed on the completion"
tb_assert_lines() { [[ $(wc -l <"$1") == $(wc -l <"$2") ]] || tb_fail "completion: $(wc -l <"$2") answers to $(wc -l <"$1") questions"; }
tb_assert_lines "$T/queue" "$T/got"
while IFS=$'\x1f' read -r what exp w && IFS= read -r got <&3; do
	[[ $got == "$exp" ]] || tb_fail "completion of '$w' ($what): expected '$exp', got '$got'"
	ok "completion: $what: '$w' -> '$got'"
done <"$T/queue" 3<"$T/got"

# ---- installed where man and bash-completion look ----
DESTDIR="$T/dest" cmake --install "$DG_BUILD" --component Unspecified >/dev/null
[[ -s $T/dest$DG_PREFIX/share/man/man1/dnsglean.1 ]] || tb_fail "cmake --install: no share/man/man1/dnsglean.1"
[[ -s $T/dest$DG_PREFIX/share/bash-completion/completions/dnsglean ]] ||
	tb_fail "cmake --install: no share/bash-completion/completions/dnsglean"
ok "installed into share/man/man1 and share/bash-completion/completions"
echo PASS
