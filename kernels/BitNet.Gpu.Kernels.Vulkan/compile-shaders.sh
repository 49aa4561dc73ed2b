#!/usr/bin/env bash
# Recompiles every Shaders/*.comp to Shaders/*.spv with glslc (Vulkan 1.1 SPIR-V). The .spv files are committed so a
# machine without a shader compiler builds; the test VulkanShaderTests checks they match their sources.
set -euo pipefail
cd "$(dirname "$0")/Shaders"
for source in *.comp; do
  glslc --target-env=vulkan1.1 -O -o "${source%.comp}.spv" "$source"
done
