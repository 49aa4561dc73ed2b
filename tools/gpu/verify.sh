#!/usr/bin/env bash
# One pass over a GPU machine: devices, check per GPU backend, the bundled model's logits per GPU backend against
# the CPU backend's, and bench of a 2B4T-shaped synthetic model per GPU backend; writes report.md (and the raw
# outputs) to the output folder. Fails soft: a backend that fails or is missing is reported and the rest go on.
# Every step has a timeout and the whole pass a deadline (default 460 s), so it ends in under 8 minutes.
#   verify.sh [--out DIR] [--backends "cuda cuda-graphs opencl vulkan"] [--preset 2b4t|tiny] [--model FILE] [--deadline S]
#             [--quick] [--no-bench] [--cli COMMAND]
# --out: the output folder ($OUT if set, else ./gpu-report). cuda-graphs: the cuda backend with BITNET_CUDA_GRAPHS=1
# (decode steps replayed as CUDA graphs). --preset: the synthetic bench model's shape (2b4t).
# --model: bench this GGUF instead of synthesizing one. --quick: check without 2B4T's shapes. --cli: how to run
# bitnet-gpu (default: bin/bitnet-gpu beside this script, as unpacked from tools/gpu/publish.sh's tar.xz, else the
# repository's ./bitnet-gpu launcher).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-$PWD/gpu-report}"
backends="cuda cuda-graphs opencl vulkan"
preset=2b4t
model=""
deadline=460
quick=0
bench=1
cli=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --backends) backends="${2//,/ }"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --deadline) deadline="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --no-bench) bench=0; shift ;;
    --cli) cli="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "verify.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
done
for b in $backends; do
  case "$b" in cuda|cuda-graphs|opencl|vulkan|cpu) ;; *) echo "verify.sh: --backends: unknown backend '$b' (cuda, cuda-graphs, opencl, vulkan, cpu)" >&2; exit 1 ;; esac
done
case "$preset" in 2b4t|tiny) ;; *) echo "verify.sh: --preset: '$preset' is not 2b4t or tiny" >&2; exit 1 ;; esac
if [[ -z "$cli" ]]; then
  if [[ -x "$here/bin/bitnet-gpu" ]]; then cli="$here/bin/bitnet-gpu"
  elif [[ -x "$here/../../bitnet-gpu" ]]; then cli="$(cd "$here/../.." && pwd)/bitnet-gpu"
  else echo "verify.sh: no bitnet-gpu beside the script (bin/bitnet-gpu) or in the repository; pass --cli" >&2; exit 1; fi
fi
# Loaders carried by publish.sh --loaders; the driver's own libraries stay first on the search path.
[[ -d "$here/lib" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$here/lib"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
mkdir -p "$out/raw" || { echo "verify.sh: cannot create '$out'" >&2; exit 1; }
report="$out/report.md"
start=$SECONDS
failures=0

# Runs "$@" with at most $1 seconds (less when the deadline is nearer); stdout+stderr to $2. Returns the exit code,
# 124 on timeout, 125 when no time is left.
step() {
  local limit=$1 log=$2; shift 2
  local left=$(( deadline - (SECONDS - start) ))
  (( left < limit )) && limit=$left
  if (( limit < 5 )); then echo "(not run: the ${deadline} s deadline is spent)" >"$log"; return 125; fi
  timeout -k 5 "$limit" "$@" >"$log" 2>&1
}
outcome() { # exit code -> a word for the report
  case $1 in 0) echo pass ;; 124|137) echo "timed out" ;; 125) echo "not run (deadline)" ;; *) echo "failed (exit $1)" ;; esac
}
tail_of() { tail -n "${2:-5}" "$1" | sed 's/^/    /'; }
# A report backend's CLI backend and environment: cuda-graphs is cuda with CUDA graphs on.
backend_of() { echo "${1%-graphs}"; }
graphs_of() { [[ $1 == cuda-graphs ]] && echo BITNET_CUDA_GRAPHS=1 || echo BITNET_CUDA_GRAPHS=0; }

{
  echo "# bitnet-gpu on $(hostname)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')."
  if command -v nvidia-smi >/dev/null; then
    echo "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)."
  else
    echo "GPU: nvidia-smi not found."
  fi
  echo
} >"$report"

# 1. devices: which backends have a device, and why not where none.
step 60 "$out/raw/devices.txt" "$cli" devices; rc=$?
{ echo "## Devices"; echo; echo '```'; cat "$out/raw/devices.txt"; echo '```'; echo; } >>"$report"
declare -A why_not
for b in $backends; do
  line="$(grep -E "^│ $(backend_of "$b") +│" "$out/raw/devices.txt" | head -1)"
  if [[ $rc -ne 0 ]]; then why_not[$b]="devices $(outcome $rc)"
  elif [[ -z "$line" ]]; then why_not[$b]="not listed by devices"
  elif [[ "$(echo "$line" | awk -F'│' '{ gsub(/ /, "", $3); print $3 }')" == "-" ]]; then
    # No device: the name column says why ("unavailable", "none found"), the details column how.
    why_not[$b]="$(echo "$line" | awk -F'│' '{ n = $4; d = $5; gsub(/^ +| +$/, "", n); gsub(/^ +| +$/, "", d); print n (d != "" ? ": " d : "") }')"
  fi
done
available=""
for b in $backends; do [[ -z "${why_not[$b]:-}" ]] && available+=" $b"; done

# 2. check per backend.
{ echo "## check (every operation vs the reference, then a tiny model vs the CPU backend)"; echo
  echo "| backend | result | cases | seconds |"; echo "|---|---|---|---|"; } >>"$report"
checkargs=(); (( quick )) && checkargs+=(--quick)
details=""
for b in $backends; do
  if [[ -n "${why_not[$b]:-}" ]]; then echo "| $b | skipped: ${why_not[$b]} | | |" >>"$report"; continue; fi
  t0=$SECONDS
  step 150 "$out/raw/check-$b.txt" env "$(graphs_of "$b")" "$cli" check --backend "$(backend_of "$b")" "${checkargs[@]}"; rc=$?
  res="$(outcome $rc)"; (( rc )) && failures=$((failures + 1))
  cases="$(grep -cE '│ *(pass|PASS|ok)' "$out/raw/check-$b.txt")/$(grep -cE '│ *(pass|PASS|ok|fail|FAIL)' "$out/raw/check-$b.txt")"
  echo "| $b | $res | $cases passed | $((SECONDS - t0)) |" >>"$report"
  (( rc )) && details+=$'\n'"check $b, last lines:"$'\n'"$(tail_of "$out/raw/check-$b.txt" 8)"$'\n'
done
echo >>"$report"

# 3. eval: the bundled model's logits per GPU backend against the CPU backend's (both with an f32 KV cache, so
# the difference is the kernels'). Tolerance: max |difference| <= 1e-2 * max |CPU logit|, and the same argmax at
# every position.
tokens="$(awk 'BEGIN { for (i = 0; i < 48; i++) printf "%d ", 1 + (i * 37 + 11) % 250 }')"
ntok=48
compare() { # ref.f32 other.f32 -> "maxdiff maxref argmax_agree positions"
  paste <(od -An -v -tf4 -w4 "$1") <(od -An -v -tf4 -w4 "$2") | awk -v n=$ntok '
    { v[NR] = $1; w[NR] = $2; d = $1 - $2; if (d < 0) d = -d; if (d > md) md = d; a = $1 < 0 ? -$1 : $1; if (a > mr) mr = a }
    END { V = NR / n; agree = 0
      for (p = 0; p < n; p++) { bi = 1; bj = 1
        for (j = 1; j <= V; j++) { k = p * V + j; if (v[k] > v[p * V + bi]) bi = j; if (w[k] > w[p * V + bj]) bj = j }
        if (bi == bj) agree++ }
      printf "%g %g %d %d\n", md, mr, agree, n }'
}
{ echo "## eval (bundled model, $ntok tokens, logits vs the CPU backend, f32 KV cache on both)"; echo
  echo "| backend | result | max abs diff | max abs CPU logit | same argmax | seconds |"; echo "|---|---|---|---|---|---|"; } >>"$report"
step 60 "$out/raw/eval-cpu.txt" "$cli" eval --backend cpu --cache-type f32 --tokens "$tokens" --dump-logits "$out/raw/logits-cpu.f32"; rc=$?
if (( rc )); then
  failures=$((failures + 1))
  echo "| cpu | $(outcome $rc): no reference logits | | | | |" >>"$report"
  details+=$'\n'"eval cpu, last lines:"$'\n'"$(tail_of "$out/raw/eval-cpu.txt")"$'\n'
fi
for b in $backends; do
  [[ $b == cpu ]] && continue
  if [[ -n "${why_not[$b]:-}" ]]; then echo "| $b | skipped: ${why_not[$b]} | | | | |" >>"$report"; continue; fi
  [[ -f "$out/raw/logits-cpu.f32" ]] || { echo "| $b | skipped: no CPU logits | | | | |" >>"$report"; continue; }
  t0=$SECONDS
  step 90 "$out/raw/eval-$b.txt" env "$(graphs_of "$b")" "$cli" eval --backend "$(backend_of "$b")" --cache-type f32 --tokens "$tokens" --dump-logits "$out/raw/logits-$b.f32"; rc=$?
  if (( rc )); then
    failures=$((failures + 1)); echo "| $b | $(outcome $rc) | | | | $((SECONDS - t0)) |" >>"$report"
    details+=$'\n'"eval $b, last lines:"$'\n'"$(tail_of "$out/raw/eval-$b.txt")"$'\n'; continue
  fi
  read -r md mr agree n < <(compare "$out/raw/logits-cpu.f32" "$out/raw/logits-$b.f32")
  ok="$(awk -v d="$md" -v r="$mr" -v a="$agree" -v n="$n" 'BEGIN { print (d <= 1e-2 * r && a == n) ? "pass" : "FAIL" }')"
  [[ $ok == pass ]] || failures=$((failures + 1))
  echo "| $b | $ok | $md | $mr | $agree/$n | $((SECONDS - t0)) |" >>"$report"
done
echo >>"$report"

# 4. bench: a synthetic model of the preset's shape, pp512, tg128 at 1, 16 and 64 sequences, per backend.
if (( bench )); then
  # 2B4T's shape: pp512, tg128 in a 1024-position context; the tiny preset's 256-position context takes less.
  if [[ $preset == tiny && -z "$model" ]]; then pp=64 tg=32 ctx=256; else pp=512 tg=128 ctx=1024; fi
  { echo "## bench (pp$pp, tg$tg, --parallel 1,16,64, median of 3, ctx $ctx)"; echo; } >>"$report"
  if [[ -z "$model" ]]; then
    model="$out/raw/synth-$preset-i2_s.gguf"
    t0=$SECONDS
    step 180 "$out/raw/synth.txt" "$cli" synth --preset "$preset" --type i2_s -o "$model"; rc=$?
    if (( rc )); then
      failures=$((failures + 1)); model=""
      echo "synth --preset $preset: $(outcome $rc); no bench." >>"$report"
      details+=$'\n'"synth, last lines:"$'\n'"$(tail_of "$out/raw/synth.txt")"$'\n'
    else
      echo "Model: synth --preset $preset --type i2_s ($((SECONDS - t0)) s)." >>"$report"; echo >>"$report"
    fi
  else
    echo "Model: $model." >>"$report"; echo >>"$report"
  fi
  if [[ -n "$model" ]]; then
    { echo "| backend | result | device | KV | pp$pp tok/s | tg$tg tok/s, 1 seq | 16 seq (sum) | 64 seq (sum) | GB/s at 1 seq | seconds |"
      echo "|---|---|---|---|---|---|---|---|---|---|"; } >>"$report"
    field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }
    tgat() { grep "\"parallel\":$2," "$1" | field generation_tokens_per_second | awk '{ if ($1 != "") printf "%.1f", $1 }'; }
    for b in $backends; do
      if [[ -n "${why_not[$b]:-}" ]]; then echo "| $b | skipped: ${why_not[$b]} | | | | | | | | |" >>"$report"; continue; fi
      t0=$SECONDS
      step 150 "$out/raw/bench-$b.jsonl" env "$(graphs_of "$b")" "$cli" bench -m "$model" --backend "$(backend_of "$b")" -c $ctx -p $pp -n $tg -r 3 --parallel 1,16,64 --json; rc=$?
      j="$out/raw/bench-$b.jsonl"
      res="$(outcome $rc)"; (( rc )) && { failures=$((failures + 1)); details+=$'\n'"bench $b, last lines:"$'\n'"$(tail_of "$j")"$'\n'; }
      dev="$(grep -m1 '^{' "$j" | field device)"; kv="$(grep -m1 '^{' "$j" | field kv_cache_type)"
      pps="$(grep -m1 '^{' "$j" | field prompt_tokens_per_second | awk '{ if ($1 != "") printf "%.0f", $1 }')"
      gb="$(grep '"parallel":1,' "$j" | field generation_gb_per_second | awk '{ if ($1 != "") printf "%.0f", $1 }')"
      echo "| $b | $res | $dev | $kv | $pps | $(tgat "$j" 1) | $(tgat "$j" 16) | $(tgat "$j" 64) | $gb | $((SECONDS - t0)) |" >>"$report"
    done
    echo >>"$report"
  fi
fi

{ [[ -n "$details" ]] && { echo "## Failures"; echo; echo '```'; echo "$details"; echo '```'; echo; }
  echo "Backends: $backends (available:${available:- none}). $failures failed step(s). Total $((SECONDS - start)) s; raw outputs in raw/."
} >>"$report"
cat "$report"
exit $(( failures > 0 ))
