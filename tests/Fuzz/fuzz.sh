#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with AFL++ and SharpFuzz (see README.md).
#   tests/Fuzz/fuzz.sh TARGET|all SECONDS [EXECUTIONS]
# Publishes the runner to OUT/bin, instruments the parsers' assemblies (BitNet.Gpu.Model, BitNet.Gpu.Tokenizers, BitNet.Gpu.Engine, BitNet.Gpu.Server),
# then runs afl-fuzz on each target for SECONDS from tests/Fuzz/corpus/TARGET, with findings in OUT/TARGET (OUT is
# $FUZZ_OUT, by default tests/Fuzz/out). Prints one line per target: executions, paths, crashes, hangs, and each
# crashing input's exception. Exit 1 if any target crashed, 2 if afl-fuzz or SharpFuzz is not available, 3 if a run
# could not start.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
targets=(gguf safetensors tokenizer-json chat-template tokenizer json-schema gbnf server-request)

usage() { echo "usage: $0 TARGET|all SECONDS [EXECUTIONS] (targets: ${targets[*]})" >&2; exit 1; }
(($# == 2 || $# == 3)) || usage
[[ "$2" =~ ^[1-9][0-9]*$ ]] || usage
executions=()
if (($# == 3)); then
  [[ "$3" =~ ^[1-9][0-9]*$ ]] || usage
  executions=(-E "$3")
fi
if [[ "$1" == all ]]; then run=("${targets[@]}"); else
  [[ " ${targets[*]} " == *" $1 "* ]] || usage
  run=("$1")
fi
seconds=$2

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }

out="${FUZZ_OUT:-$here/out}"
mkdir -p "$out"
bin="$out/bin"
cd "$here"
dotnet tool restore >/dev/null || { echo "fuzz: dotnet tool restore failed (SharpFuzz.CommandLine)" >&2; exit 2; }
rm -rf "$bin"
dotnet publish BitNet.Gpu.Fuzz/BitNet.Gpu.Fuzz.csproj -c Release -o "$bin" --nologo -v quiet >"$out/publish.log" 2>&1 \
  || { cat "$out/publish.log" >&2; echo "fuzz: publish failed" >&2; exit 3; }
for dll in BitNet.Gpu.Model.dll BitNet.Gpu.Tokenizers.dll BitNet.Gpu.Engine.dll BitNet.Gpu.Server.dll; do
  dotnet sharpfuzz "$bin/$dll" >/dev/null || { echo "fuzz: instrumenting $dll failed" >&2; exit 3; }
done

# afl-fuzz runs `dotnet` (not itself instrumented: the instrumentation is in the assemblies); the machine is shared,
# so no CPU binding and no CPU governor check; crashes are exceptions reported by SharpFuzz, not core dumps.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0

crashed=0
for target in "${run[@]}"; do
  findings="$out/$target"
  rm -rf "$findings"
  afl-fuzz -i "$here/corpus/$target" -o "$findings" -t 10000 -m none -V "$seconds" "${executions[@]}" -- dotnet "$bin/bitnet-gpu-fuzz.dll" run "$target" \
    >"$findings.log" 2>&1
  stats="$findings/default/fuzzer_stats"
  if [[ ! -f "$stats" ]]; then
    echo "$target: afl-fuzz did not start (see $findings.log)"; tail -5 "$findings.log"; exit 3
  fi
  stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  crashes=$(stat saved_crashes)
  # SharpFuzz runs the inputs in one process: if it dies (stack overflow, out of memory, an input past the timeout)
  # afl-fuzz stops early. The input it was running is the finding.
  if grep -q "Unable to communicate with fork server" "$findings.log"; then
    cp "$findings/default/.cur_input" "$findings/process-died-input"
    echo "$target: the target process died after $(stat run_time)s (a stack overflow, out of memory, or an input past the 10 s timeout); input: $findings/process-died-input"
    crashes=$((crashes + 1))
  fi
  printf '%-15s %10s executions in %4ss (%s/s), %5s paths, %s crashes, %s hangs\n' "$target" \
    "$(stat execs_done)" "$(stat run_time)" "$(stat execs_per_sec)" "$(stat corpus_count)" "$crashes" "$(stat saved_hangs)"
  if ((crashes > 0)); then
    crashed=1
    dotnet "$bin/bitnet-gpu-fuzz.dll" replay "$target" "$findings/default/crashes" | sed 's/^/    /'
  fi
done
exit $crashed
