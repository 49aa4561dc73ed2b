#!/usr/bin/env bash
# Builds what a GPU machine without the .NET SDK needs to run tools/gpu/verify.sh: a self-contained linux-x64
# publish of the CLI (the bundled model inside), verify.sh itself, and optionally the Vulkan and OpenCL loaders,
# packed as one tar.xz.
#   tools/gpu/publish.sh [--loaders] [-o artifacts/gpu]
# --loaders: also download Debian's libvulkan1 and ocl-icd-libopencl1 (amd64) with apt-get and unpack their
# libraries into lib/ of the package (verify.sh puts lib/ on LD_LIBRARY_PATH); needed where the machine has the
# NVIDIA driver but no loaders (`ldconfig -p | grep -e libvulkan -e libOpenCL` prints nothing there).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/artifacts/gpu"
loaders=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --loaders) loaders=1; shift ;;
    -o) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "publish.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
done
stage="$out/bitnet-gpu-linux-x64"
rm -rf "$stage"; mkdir -p "$stage"
# InvariantGlobalization: the GPU machine may lack libicu; the engine formats nothing culture-specific.
dotnet publish "$root/src/BitNet.Gpu.Cli/BitNet.Gpu.Cli.csproj" -c Release -r linux-x64 --self-contained \
  -p:InvariantGlobalization=true -p:DebugType=none -p:GenerateDocumentationFile=false \
  -o "$stage/bin" --nologo -v quiet
cp "$root/tools/gpu/verify.sh" "$stage/verify.sh"
if [[ $loaders == 1 ]]; then
  debs="$(mktemp -d)"; lists="$(mktemp -d)"; mkdir -p "$lists/partial"
  apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
  apt-get "${apt[@]}" update >/dev/null
  (cd "$debs" && apt-get "${apt[@]}" download libvulkan1 ocl-icd-libopencl1 >/dev/null)
  for f in "$debs"/*.deb; do dpkg -x "$f" "$debs/x"; done
  mkdir -p "$stage/lib"
  cp -a "$debs"/x/usr/lib/x86_64-linux-gnu/lib{vulkan,OpenCL}.so* "$stage/lib/"
  rm -rf "$debs" "$lists"
fi
tar -C "$out" -cJf "$out/bitnet-gpu-linux-x64.tar.xz" bitnet-gpu-linux-x64
rm -rf "$stage"
ls -l "$out/bitnet-gpu-linux-x64.tar.xz"
