#!/usr/bin/env bash
# Makes the fake microphone's speech file: two sentences spoken by espeak-ng, placed so the
# second one starts while the stand-in is replying to the first (a barge-in), then silence
# long enough for the reply to the second. 48 kHz mono 16-bit, peaks at -3 dBFS.
#
#   0.5 s silence | sentence A | 1.5 s silence | sentence B | 3.5 s silence
#
# Usage: make-speech.sh OUT.wav (skipped when OUT exists and this script is older).
set -euo pipefail
out=$1
[[ -f "$out" && "$out" -nt "$0" ]] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 150 -w "$tmp/a.wav" "Hello there can you hear me this is a test of the voice client"
espeak-ng -v en-us -s 150 -w "$tmp/b.wav" "Wait a moment let me stop you right there"
fmt=(-r 48000 -c 1 -b 16)
for part in a b; do
  # espeak's own leading and trailing silence is trimmed so the layout above is exact.
  sox "$tmp/$part.wav" "${fmt[@]}" "$tmp/${part}48.wav" silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse
done
for s in 0.5 1.5 3.5; do sox -n "${fmt[@]}" "$tmp/silence$s.wav" trim 0 "$s"; done
mkdir -p "$(dirname "$out")"
sox "$tmp/silence0.5.wav" "$tmp/a48.wav" "$tmp/silence1.5.wav" "$tmp/b48.wav" "$tmp/silence3.5.wav" \
  "$tmp/all.wav"
sox "$tmp/all.wav" "$out" gain -n -3
