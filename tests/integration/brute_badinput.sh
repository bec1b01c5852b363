#!/usr/bin/env bash
# Bad input to dnsglean brute: each case gives exactly one line on stderr,
# nothing on stdout, exit 1 or 2 (never a signal/crash), and sends no query
# (a capture on the server port stays empty). Also: a wordlist with some
# invalid lines runs, skipping and counting them.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

cat >"$TB_TMP/bad.test.zone" <<'Z'
$ORIGIN bad.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 127.0.0.2
www A 192.0.2.1
mail A 192.0.2.2
Z
tb_server_start auth "$TB_TMP/bad.test.zone"
R=$(tb_resolver auth)
D=$TB_TMP
printf 'www\nmail\nftp\n' >"$D/good.txt"
: >"$D/empty.txt"
printf '\n\n   \n' >"$D/blank.txt"
head -c 8192 /dev/urandom >"$D/binary.bin"
printf 'hello world\n!!!\n' >"$D/garbage-resolvers.txt"
: >"$D/empty-resolvers.txt"
mkdir -p "$D/adir"
long64=$(printf 'a%.0s' {1..64})
long254=$(printf 'abcdefghi.%.0s' {1..25})bad.test

n=0
failures=()
bad() { # bad WHAT ARGS...: checks every case, reports all failures at the end
	local what=$1 rc=0 why=""
	shift
	n=$((n + 1))
	timeout 30 "$DG_BIN" brute "$@" >"$D/o$n" 2>"$D/e$n" </dev/null || rc=$?
	if ((rc != 1 && rc != 2)); then
		why="exit $rc (want 1 or 2)"
	elif [[ $(grep -c '' "$D/e$n") != 1 ]]; then
		why="stderr has $(grep -c '' "$D/e$n") lines"
	elif [[ -s $D/o$n ]]; then
		why="stdout not empty: $(head -c 200 "$D/o$n")"
	fi
	if [[ -n $why ]]; then
		echo "FAIL: $what: $why; stderr: $(head -4 "$D/e$n" | tr '\n' '|')" >&2
		failures+=("$what")
	else
		echo "ok: $what -> exit $rc: $(cat "$D/e$n")"
	fi
}

if ((TB_NETNS)) && ((EUID == 0)); then
	tb_capture_start "$D/bad.pcapng" "port $(tb_port auth)"
else
	tb_skip --part "no-query capture" "needs root in the private namespace" || true
fi
bad "empty wordlist" bad.test -w "$D/empty.txt" -r "$R"
bad "blank wordlist" bad.test -w "$D/blank.txt" -r "$R"
bad "binary wordlist" bad.test -w "$D/binary.bin" -r "$R"
bad "missing wordlist" bad.test -w "$D/does-not-exist.txt" -r "$R"
bad "wordlist is a directory" bad.test -w "$D/adir" -r "$R"
bad "garbage resolver file" bad.test -w "$D/good.txt" -r "$D/garbage-resolvers.txt"
bad "empty resolver file" bad.test -w "$D/good.txt" -r "$D/empty-resolvers.txt"
bad "missing resolver file" bad.test -w "$D/good.txt" -r "$D/nope/resolvers.txt"
bad "resolver with bad port" bad.test -w "$D/good.txt" -r 127.0.0.1:99999
bad "resolver not an address" bad.test -w "$D/good.txt" -r "127.0.0.1.5:53"
bad "resolver list with garbage entry" bad.test -w "$D/good.txt" -r "$R,not-an-ip"
bad "no resolvers given" bad.test -w "$D/good.txt"
bad "domain with a space" "not a domain" -w "$D/good.txt" -r "$R"
bad "domain with empty label" "a..b.test" -w "$D/good.txt" -r "$R"
bad "domain with a 64-octet label" "$long64.test" -w "$D/good.txt" -r "$R"
bad "domain longer than 253" "$long254" -w "$D/good.txt" -r "$R"
bad "domain with bad characters" 'ex!ample.test' -w "$D/good.txt" -r "$R"
bad "no domain" -w "$D/good.txt" -r "$R"
bad "--shard 3/2" bad.test -w "$D/good.txt" -r "$R" --shard 3/2
bad "--shard 1/0" bad.test -w "$D/good.txt" -r "$R" --shard 1/0
bad "--shard x/y" bad.test -w "$D/good.txt" -r "$R" --shard x/y
bad "--format bogus" bad.test -w "$D/good.txt" -r "$R" --format bogus
bad "unknown option" bad.test -w "$D/good.txt" -r "$R" --no-such-option
bad "--retries -1" bad.test -w "$D/good.txt" -r "$R" --retries -1
bad "--concurrency 0" bad.test -w "$D/good.txt" -r "$R" -c 0
bad "--timeout abc" bad.test -w "$D/good.txt" -r "$R" --timeout abc
bad "-t with no type" bad.test -w "$D/good.txt" -r "$R" -t ,
bad "output in a missing directory" bad.test -w "$D/good.txt" -r "$R" -o "$D/nope/out.jsonl"
bad "--resume a missing file" bad.test -w "$D/good.txt" -r "$R" --resume "$D/nope.state"
printf 'not a state file\n' >"$D/junk.state"
bad "--resume a junk file" bad.test -w "$D/good.txt" -r "$R" --resume "$D/junk.state"
((${#failures[@]} == 0)) || tb_fail "${#failures[@]} bad-input case(s): ${failures[*]}"
if [[ -n $TB_CAPTURE_PID ]]; then
	tb_capture_stop
	tb_assert_eq "bad input sent no query" 0 "$(tshark -r "$D/bad.pcapng" 2>/dev/null | wc -l)"
fi

# invalid lines inside a usable wordlist are skipped, counted, reported
printf 'www\n%s\nhas space\nsemi;colon\nmail\nftp\n' "$long64" >"$D/mixed.txt"
tb_run_brute "$D/mixed" bad.test -w "$D/mixed.txt" -r "$R"
tb_assert_exit "wordlist with invalid lines" 0 "$TB_RC"
tb_check_stats "$D/mixed.stats" 3
tb_assert_eq "invalid_words" 3 "$(tb_stat "$D/mixed.stats" invalid_words)"
tb_assert_sets_eq "valid lines still used" <(printf 'mail.bad.test\nwww.bad.test\n') <(tb_json_names "$D/mixed.jsonl")
grep -qF 'has space' "$D/mixed.err" || tb_fail "the first invalid lines are not reported on stderr: $(cat "$D/mixed.err")"
echo "ok: invalid lines reported"
echo PASS
