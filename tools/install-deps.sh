#!/usr/bin/env bash
# Installs what neardup needs to build, test and benchmark on Debian 12 (bookworm) or later.
# Run as root, or as a user with sudo. Idempotent: skips apt entirely when everything is present.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libxxhash-dev libutf8proc-dev libsimdjson-dev zlib1g-dev libzstd-dev liblzma-dev libbz2-dev
  libeigen3-dev libdivsufsort-dev
  libstemmer-dev libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev
  zstd gzip xz-utils bzip2
  libopenmpi-dev openmpi-bin
  pybind11-dev python3-dev python3-numpy python3-pytest
  # story mode's --translate freedict (optional at run time: without them the flag is an error)
  dict-freedict-deu-eng dict-freedict-fra-eng dict-freedict-spa-eng
)
if [[ "${1:-}" == "--ci" ]]; then
  packages+=(clang clang-format)
  # The sanitizer runtimes and libFuzzer of the default Clang (fuzz/): only a Recommends of
  # clang, which --no-install-recommends below leaves out. Debian 12's Clang is 14.
  clang_major=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9]*\)$/\1/p' | head -1)
  packages+=("libclang-rt-${clang_major:-14}-dev")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "neardup: installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
