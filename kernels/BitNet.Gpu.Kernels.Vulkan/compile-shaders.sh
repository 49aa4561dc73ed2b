#!/usr/bin/env bash
# Compiles every Shaders/*.comp to SPIR-V (Vulkan 1.1) with glslc, into Shaders/ or the directory given as $1.
# The .spv files are committed so a machine without a shader compiler builds; VulkanShaderTests checks they are current.
# The ternary and int8 products have a second variant, *_dot.spv, that uses VK_KHR_shader_integer_dot_product; the shaders that
# reduce over a workgroup (workgroup_reduce.glsl) one, *_subgroup.spv, that reduces with subgroup arithmetic;
# dense_matmul one, dense_matmul_rows.spv, that computes a list of rows of one token (the top-k screen's exact rows).
set -euo pipefail
shaders="$(cd "$(dirname "$0")/Shaders" && pwd)"
out="$(mkdir -p "${1:-$shaders}" && cd "${1:-$shaders}" && pwd)"
cd "$shaders"
for source in *.comp; do
  glslc --target-env=vulkan1.1 -O -o "$out/${source%.comp}.spv" "$source"
done
for source in ternary_matvec.comp ternary_matmul.comp q8_matmul.comp q8_screen.comp; do
  glslc --target-env=vulkan1.1 -O -DINTEGER_DOT -o "$out/${source%.comp}_dot.spv" "$source"
done
for source in rms_norm.comp quantize.comp; do
  glslc --target-env=vulkan1.1 -O -DSUBGROUPS -o "$out/${source%.comp}_subgroup.spv" "$source"
done
glslc --target-env=vulkan1.1 -O -DROW_LIST -o "$out/dense_matmul_rows.spv" dense_matmul.comp
