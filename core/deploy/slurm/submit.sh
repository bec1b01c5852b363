#!/bin/sh
# Submits N brute shards as a job array and the merge after them.
#   submit.sh N DOMAIN WORDS RESOLVERS OUTDIR
set -eu
[ $# -eq 5 ] || { echo "usage: $0 N DOMAIN WORDS RESOLVERS OUTDIR" >&2; exit 2; }
N=$1 DOMAIN=$2 WORDS=$3 RESOLVERS=$4 OUT=$5
here=$(cd "$(dirname "$0")" && pwd)
export DOMAIN WORDS RESOLVERS OUT
jid=$(sbatch --parsable --array="0-$((N - 1))" --export=ALL "$here/brute-array.sbatch")
sbatch --parsable --dependency="afterok:${jid%%;*}" --export=ALL,SHARDS="$N" "$here/merge.sbatch"
