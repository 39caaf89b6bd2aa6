#!/bin/sh
# Writes the man pages minga.1 and minga-COMMAND.1 (one per command) into
# OUTDIR from the binary's own --help texts, through help2man: the CLI's
# help is the one source, so the pages cannot drift from it.
# Usage: scripts/make-man.sh MINGA_BINARY OUTDIR
set -eu
bin=$1
out=$2
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The commands and their one-line summaries, from `minga --help`.
"$bin" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z]*\)  *\(.*\)$/\1\t\2/p' \
    >"$tmp/commands"
[ -s "$tmp/commands" ] || { echo "make-man: no commands in $bin --help" >&2; exit 1; }

version=$("$bin" --version | sed -n '1s/^minga //p')
see_also=$(cut -f1 "$tmp/commands" | sed 's/^/.BR minga-/; s/$/ (1),/' | sed '$ s/,$//')
{
    printf '[SEE ALSO]\n'
    printf '%s\n' "$see_also"
    printf '.PP\nThe case format, the API and the operations guide: README.md and docs/ in the source, /usr/share/doc/minga where installed.\n'
} >"$tmp/see_also.h2m"

help2man --no-info --no-discard-stderr \
    --name="a knowledge base of city experiences with the SDGs" \
    --include="$tmp/see_also.h2m" --output="$out/minga.1" "$bin"

# help2man names a page after its program: a link named minga-COMMAND
# gives the page minga-COMMAND(1) while running the real binary.
while IFS="$(printf '\t')" read -r cmd summary; do
    ln -sf "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/minga-$cmd"
    help2man --no-info --no-discard-stderr --name="$summary" \
        --help-option="$cmd --help" --version-string="minga-$cmd $version" \
        --include="$tmp/see_also.h2m" \
        --output="$out/minga-$cmd.1" "$tmp/minga-$cmd"
done <"$tmp/commands"
